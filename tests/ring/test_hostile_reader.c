/*
 * Hostile reader vs honest writer: a thread scribbles over every word of the
 * ctrl block (rc backwards/forwards/far ahead, r_epoch flips, sleep
 * generations, pad words, even the writer's own line) and, like a guest that
 * can write its RX ring, over the channel header and slots, while the writer
 * runs its normal loop for a bounded time. Channel and ctrl block sit flush
 * against PROT_NONE guard pages. The writer must only ever hand out slots
 * inside the channel, never claim more than `elements` unreleased slots in
 * lossless mode, and every call must return. An alarm catches a hang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#include <urcu/system.h>

#include "ring_util.h"

#define SIZE   256u
#define ELEMS  12u           /* not a power of two: the modulo path */
#define RUN_NS 1000000000ull /* per mode */

struct run {
    struct ru_chan c;
    unsigned mode;
    atomic_bool stop;
};

static void *hostile_main(void *arg)
{
    struct run *run = arg;
    uint64_t *ctrl = (uint64_t *)(void *)run->c.ctrl;
    uint64_t *chan = run->c.mem;
    uint64_t words = run->c.mem_len / 8;
    uint64_t rng = 0xace + run->mode;

    while (!atomic_load(&run->stop)) {
        uint64_t i;

        switch (ru_rand(&rng) % 4) {
        case 0: /* rc: plausible (just behind the writer) or wild */
            i = CMM_LOAD_SHARED(((struct shms_header *)run->c.mem)->wc);
            CMM_STORE_SHARED(run->c.ctrl->rc, ru_rand(&rng) & 1 ? i - ru_range(&rng, 0, ELEMS + 2)
                                                                : ru_hostile_value(&rng, i));
            break;
        case 1: /* r_epoch: the current epoch or not */
            i = CMM_LOAD_SHARED(((struct shms_header *)run->c.mem)->epoch);
            CMM_STORE_SHARED(run->c.ctrl->r_epoch,
                             ru_rand(&rng) & 1 ? i : ru_hostile_value(&rng, i));
            break;
        case 2: /* any ctrl word, either line */
            i = ru_rand(&rng) % 16;
            CMM_STORE_SHARED(ctrl[i], ru_hostile_value(&rng, ctrl[i]));
            break;
        default: /* any word of the channel the writer owns */
            i = ru_rand(&rng) % words;
            CMM_STORE_SHARED(chan[i], ru_hostile_value(&rng, chan[i]));
            break;
        }
    }
    return NULL;
}

static bool slot_inside(const struct run *run, const struct shms_wslot *ws)
{
    const uint8_t *lo = (const uint8_t *)run->c.mem + sizeof(struct shms_header);
    const uint8_t *hi = (const uint8_t *)run->c.mem + run->c.mem_len;
    const uint8_t *d = ws->data;

    return (const uint8_t *)ws->slot >= lo && d == (const uint8_t *)ws->slot + 16 &&
           d + ws->cap <= hi && ws->cap == SIZE - 16;
}

static void honest_writer(struct run *run)
{
    struct shms_writer w;
    uint64_t rng = 0x600d, epoch = 1, deadline = ru_now_ns() + RUN_NS;
    uint64_t calls = 0, committed = 0, notifies = 0;
    uint8_t frame[SIZE];

    assert_int_equal(shms_writer_init(&w, run->c.mem, run->c.mem_len, run->c.ctrl, &run->c.geo,
                                      epoch++, run->mode),
                     SHMS_OK);
    while (ru_now_ns() < deadline) {
        struct shms_wslot ws;
        uint32_t len;
        int rv;

        calls++;
        switch (ru_rand(&rng) % 8) {
        case 0:
        case 1:
            rv = shms_writer_reserve(&w, &ws);
            assert_true(rv == SHMS_OK || rv == SHMS_FULL);
            if (rv != SHMS_OK)
                break;
            assert_true(slot_inside(run, &ws));
            memset(ws.data, 0x77, ws.cap); /* the whole slot is ours to write */
            len = (uint32_t)ru_range(&rng, 0, ws.cap + 1);
            rv = shms_writer_commit(&w, &ws, len, 0);
            assert_true(rv == (len <= ws.cap ? SHMS_OK : SHMS_TOO_BIG));
            committed += rv == SHMS_OK;
            break;
        case 2:
            len = (uint32_t)ru_range(&rng, RU_FRAME_MIN, SIZE - 16);
            ru_frame_fill(frame, len, calls);
            rv = shms_writer_put(&w, frame, len);
            assert_true(rv == SHMS_OK || rv == SHMS_FULL);
            committed += rv == SHMS_OK;
            break;
        case 3:
        case 4: notifies += shms_writer_publish(&w); break;
        case 5: assert_true(shms_writer_space(&w) <= ELEMS); break;
        case 6:
            if (shms_writer_prepare_wait(&w))
                shms_writer_finish_wait(&w); /* never actually wait */
            break;
        default:
            if (ru_range(&rng, 0, 63) == 0)
                assert_int_equal(shms_writer_init(&w, run->c.mem, run->c.mem_len, run->c.ctrl,
                                                  &run->c.geo, epoch++, run->mode),
                                 SHMS_OK);
            break;
        }
        /* Whatever rc the reader claims, the writer's view stays bounded. */
        if (run->mode == SHMS_MODE_LOSSLESS)
            assert_true(w.wc + w.pending + w.reserved_slot - w.rc_cache <= ELEMS);
        assert_true(w.pending <= (run->mode == SHMS_MODE_LOSSLESS ? ELEMS : UINT64_MAX));
    }
    print_message("%s: %llu writer calls, %llu frames committed, %llu notifications\n",
                  run->mode == SHMS_MODE_LOSSY ? "lossy" : "lossless", (unsigned long long)calls,
                  (unsigned long long)committed, (unsigned long long)notifies);
    assert_true(committed > 0);
}

static void run_mode(unsigned mode)
{
    struct run run = { .mode = mode };
    pthread_t t;

    ru_chan_open(&run.c, SIZE, ELEMS);
    pthread_create(&t, NULL, hostile_main, &run);
    honest_writer(&run);
    atomic_store(&run.stop, true);
    pthread_join(t, NULL);
    ru_chan_close(&run.c);
}

static void test_hostile_reader_lossless(void **state)
{
    (void)state;
    run_mode(SHMS_MODE_LOSSLESS);
}

static void test_hostile_reader_lossy(void **state)
{
    (void)state;
    run_mode(SHMS_MODE_LOSSY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_reader_lossless),
        cmocka_unit_test(test_hostile_reader_lossy),
    };

    alarm(120); /* a call that never returns kills the test */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
