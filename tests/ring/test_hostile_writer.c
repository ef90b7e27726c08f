/*
 * Hostile writer vs honest reader: a thread scribbles over every header word
 * (marker, epoch flips, protocol, geometry, counters backwards and forwards),
 * the writer's ctrl word and slot headers (huge lengths, bad vnet lengths),
 * interleaved with stretches of honest writing, while the reader runs its
 * normal loop for a bounded time. Channel, ctrl block and the reader's copy
 * buffer all sit flush against PROT_NONE guard pages, so any access outside
 * them faults; every call must return a defined result, copies must fit the
 * buffer and zero-copy views must lie inside the slot area. An alarm turns a
 * call that never returns into a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#include <urcu/system.h>

#include "ring_util.h"

#define SIZE   256u
#define ELEMS  16u
#define RUN_NS 1000000000ull /* per mode */

struct run {
    struct ru_chan c;
    unsigned mode;
    atomic_bool stop;
};

static void scribble(struct run *run, uint64_t *rng)
{
    uint64_t *hdr = run->c.mem;
    uint64_t *ctrl = (uint64_t *)(void *)run->c.ctrl;
    uint8_t *slots = (uint8_t *)run->c.mem + sizeof(struct shms_header);
    unsigned word;

    switch (ru_rand(rng) % 5) {
    case 0: /* any header word */
    case 1:
        word = (unsigned)(ru_rand(rng) % 8);
        CMM_STORE_SHARED(hdr[word], ru_hostile_value(rng, CMM_LOAD_SHARED(hdr[word])));
        break;
    case 2: { /* geometry change under a new epoch, valid or not */
        struct shms_header *h = run->c.mem;

        CMM_STORE_SHARED(h->size, ru_rand(rng) & 1 ? SIZE / 2 : ru_hostile_value(rng, SIZE));
        CMM_STORE_SHARED(h->elements, ru_rand(rng) & 1 ? ELEMS + 1 - (ru_rand(rng) & 3)
                                                       : ru_hostile_value(rng, ELEMS));
        CMM_STORE_SHARED(h->epoch, ru_rand(rng) % 5);
        break;
    }
    case 3: { /* slot header: huge or inconsistent lengths */
        uint64_t slot = ru_rand(rng) % ELEMS;
        struct shms_slot *s = (struct shms_slot *)(void *)(slots + slot * SIZE);

        CMM_STORE_SHARED(s->len, (uint32_t)ru_hostile_value(rng, s->len));
        CMM_STORE_SHARED(s->vnet_len, (uint16_t)ru_hostile_value(rng, s->vnet_len));
        CMM_STORE_SHARED(s->flags, (uint16_t)ru_rand(rng));
        break;
    }
    default: /* the writer-owned ctrl line, pad words included */
        word = 8 + (unsigned)(ru_rand(rng) % 8);
        CMM_STORE_SHARED(ctrl[word], ru_hostile_value(rng, ctrl[word]));
        break;
    }
}

static void *hostile_main(void *arg)
{
    struct run *run = arg;
    struct shms_writer w;
    uint64_t rng = 0xbad + run->mode, epoch = 1;
    uint8_t frame[SIZE];

    while (!atomic_load(&run->stop)) {
        if (ru_range(&rng, 0, 3) == 0) {
            /* A stretch of honest frames, so the reader gets past sync. */
            if (shms_writer_init(&w, run->c.mem, run->c.mem_len, run->c.ctrl, &run->c.geo, epoch++,
                                 run->mode) != SHMS_OK)
                continue;
            for (uint64_t n = ru_range(&rng, 1, 3 * ELEMS); n > 0; n--) {
                uint32_t len = (uint32_t)ru_range(&rng, RU_FRAME_MIN, SIZE - 16);

                ru_frame_fill(frame, len, n);
                if (shms_writer_put(&w, frame, len) != SHMS_OK)
                    break;
                shms_writer_publish(&w);
            }
        }
        for (uint64_t n = ru_range(&rng, 1, 8); n > 0; n--)
            scribble(run, &rng);
    }
    return NULL;
}

static bool inside(const struct run *run, const void *p, uint64_t len)
{
    const uint8_t *lo = (const uint8_t *)run->c.mem + sizeof(struct shms_header);
    const uint8_t *hi = (const uint8_t *)run->c.mem + run->c.mem_len;

    return (const uint8_t *)p >= lo && (const uint8_t *)p <= hi &&
           len <= (uint64_t)(hi - (const uint8_t *)p);
}

static void honest_reader(struct run *run, struct ru_guarded *bufmap)
{
    struct shms_reader r;
    uint64_t rng = 0x900d, deadline = ru_now_ns() + RUN_NS;
    uint64_t calls = 0, ok = 0, syncs = 0;
    volatile uint8_t sink = 0;

    /* The lossy run accepts any geometry that fits, so hostile geometries
     * that pass sync are exercised too. */
    struct shms_geometry expect = run->c.geo;

    if (run->mode == SHMS_MODE_LOSSY)
        expect.size = expect.elements = 0;
    shms_reader_init(&r, run->c.mem, run->c.mem_len, run->c.ctrl, &expect, run->mode);
    while (ru_now_ns() < deadline) {
        int rv;

        calls++;
        if (!r.synced || ru_range(&rng, 0, 63) == 0) {
            rv = shms_reader_sync(&r);
            assert_true(rv == SHMS_OK || rv == SHMS_INACTIVE || rv == SHMS_INCOMPATIBLE ||
                        rv == SHMS_EPOCH_CHANGED);
            if (rv == SHMS_OK) {
                /* Whatever the header said, the private geometry is sane. */
                struct shms_geometry g = { RU_PROTO, r.size, r.elements };

                syncs++;
                assert_true(shms_channel_bytes(&g) != 0);
                assert_true(shms_channel_bytes(&g) <= run->c.mem_len);
                if (run->mode == SHMS_MODE_LOSSLESS)
                    assert_true(r.size == SIZE && r.elements == ELEMS);
            }
            continue;
        }
        switch (ru_rand(&rng) % 8) {
        case 0:
        case 1:
        case 2: {
            /* Copy into a buffer whose end is a guard page. */
            uint32_t cap = (uint32_t)ru_range(&rng, 0, SIZE);
            uint8_t *buf = (uint8_t *)bufmap->mem + bufmap->len - cap;
            uint32_t len = UINT32_MAX;

            rv = shms_read(&r, buf, cap, &len);
            assert_true(rv >= SHMS_OK && rv <= SHMS_BAD_SLOT && rv != SHMS_FULL &&
                        rv != SHMS_INCOMPATIBLE);
            if (rv == SHMS_OK) {
                ok++;
                assert_true(len <= cap);
            }
            break;
        }
        case 3:
        case 4: {
            struct shms_rslot rs;

            rv = shms_reader_peek(&r, &rs);
            assert_true(rv == SHMS_OK || rv == SHMS_NO_DATA || rv == SHMS_OVERRUN ||
                        rv == SHMS_EPOCH_CHANGED || rv == SHMS_INACTIVE || rv == SHMS_BAD_SLOT);
            if (rv == SHMS_OK) {
                ok++;
                assert_true(rs.vnet_len <= SHMS_VNET_MAX);
                assert_true(inside(run, (const uint8_t *)rs.data - rs.vnet_len,
                                   (uint64_t)rs.vnet_len + rs.len));
                /* Touch every byte the view promises. */
                for (uint32_t i = 0; i < rs.len; i++)
                    sink ^= ((const volatile uint8_t *)rs.data)[i];
            }
            assert_true(r.peeked <= r.elements);
            break;
        }
        case 5:
            shms_reader_release(&r);
            (void)shms_reader_publish(&r);
            break;
        case 6:
            assert_true(shms_reader_available(&r) <= r.elements);
            (void)shms_reader_has_work(&r);
            break;
        default:
            if (shms_reader_prepare_sleep(&r))
                shms_reader_finish_sleep(&r); /* never actually sleep */
            break;
        }
    }
    (void)sink;
    print_message("%s: %llu reader calls, %llu syncs, %llu frames handed out\n",
                  run->mode == SHMS_MODE_LOSSY ? "lossy" : "lossless", (unsigned long long)calls,
                  (unsigned long long)syncs, (unsigned long long)ok);
    assert_true(syncs > 0 && ok > 0); /* the honest stretches got through */
}

static void run_mode(unsigned mode)
{
    struct run run = { .mode = mode };
    struct ru_guarded bufmap = { 0 };
    pthread_t t;

    ru_chan_open(&run.c, SIZE, ELEMS);
    ru_guarded_alloc(&bufmap, SIZE);
    pthread_create(&t, NULL, hostile_main, &run);
    honest_reader(&run, &bufmap);
    atomic_store(&run.stop, true);
    pthread_join(t, NULL);
    ru_guarded_free(&bufmap);
    ru_chan_close(&run.c);
}

static void test_hostile_writer_lossless(void **state)
{
    (void)state;
    run_mode(SHMS_MODE_LOSSLESS);
}

static void test_hostile_writer_lossy(void **state)
{
    (void)state;
    run_mode(SHMS_MODE_LOSSY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_writer_lossless),
        cmocka_unit_test(test_hostile_writer_lossy),
    };

    alarm(120); /* a call that never returns kills the test */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
