/*
 * Epoch change mid-stream with the writer on its own thread: the writer
 * re-initialises the channel (new epoch) every few thousand frames while the
 * reader copies frames out. The reader must report EPOCH_CHANGED (or
 * INACTIVE while the writer is half-way), resync, and continue with the new
 * stream from its first frame; a frame is never returned from a stream other
 * than the one the reader is synced to, never torn, never out of order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include <cmocka.h>
#include <urcu/system.h>

#include "ring_util.h"

#define SIZE      256u
#define ELEMS     64u
#define EPOCHS    100u
#define PER_EPOCH 2000u

struct run {
    struct ru_chan c;
    unsigned mode;
    atomic_uint_fast64_t last_epoch_done; /* writer finished every epoch */
    atomic_bool reader_done;
};

/* Frame id: epoch in the high half, position in the stream in the low. */
static uint64_t frame_id(uint64_t epoch, uint64_t seq)
{
    return epoch << 32 | seq;
}

/* Lossy: mostly let the reader keep up (it publishes its position even in
 * lossy mode), so frames do arrive; the bounded wait still lets it overrun. */
static void pace(const struct shms_writer *w)
{
    for (int i = 0; i < 100; i++) {
        if (w->wc - CMM_LOAD_SHARED(w->ctrl->rc) <= ELEMS / 2)
            return;
        sched_yield();
    }
}

static void *writer_main(void *arg)
{
    struct run *run = arg;
    struct shms_writer w;
    uint8_t frame[SIZE];
    uint64_t rng = 99;

    for (uint64_t epoch = 1; epoch <= EPOCHS; epoch++) {
        uint64_t deadline = ru_now_ns() + RU_WAKE_TIMEOUT_MS * 1000000ull;

        RU_CHECK(shms_writer_init(&w, run->c.mem, run->c.mem_len, run->c.ctrl, &run->c.geo, epoch,
                                  run->mode) == SHMS_OK);
        for (uint64_t seq = 0; seq < PER_EPOCH;) {
            uint32_t len = (uint32_t)ru_range(&rng, RU_FRAME_MIN, SIZE - 16);
            int rv;

            ru_frame_fill(frame, len, frame_id(epoch, seq));
            rv = shms_writer_put(&w, frame, len);
            if (rv == SHMS_FULL) {
                /* Lossless: wait for the reader (it may not have synced to
                 * this epoch yet). Spinning keeps this test about epochs. */
                shms_writer_publish(&w);
                RU_CHECK(ru_now_ns() < deadline && !ru_failed());
                sched_yield();
                continue;
            }
            RU_CHECK(rv == SHMS_OK);
            seq++;
            if (ru_range(&rng, 0, 7) == 0) {
                shms_writer_publish(&w);
                if (run->mode == SHMS_MODE_LOSSY)
                    pace(&w);
            }
        }
        shms_writer_publish(&w);
        /* Sometimes deactivate before the re-init, so INACTIVE shows up. */
        if (epoch % 5 == 0)
            shms_writer_deactivate(&w);
    }
    atomic_store(&run->last_epoch_done, 1);
    return NULL;
}

struct reader_stats {
    uint64_t frames, epoch_changes, inactive, overruns, syncs;
};

static void *reader_main(void *arg)
{
    struct run *run = arg;
    struct reader_stats *st = calloc(1, sizeof(*st));
    struct shms_reader r;
    uint8_t buf[SIZE];
    uint32_t len;
    uint64_t next = 0;
    uint64_t deadline = ru_now_ns() + 60ull * 1000000000u;
    bool synced = false;

    RU_CHECK(st != NULL);
    shms_reader_init(&r, run->c.mem, run->c.mem_len, run->c.ctrl, &run->c.geo, run->mode);
    for (;;) {
        int rv;

        RU_CHECK(ru_now_ns() < deadline && !ru_failed());
        if (!synced) {
            rv = shms_reader_sync(&r);
            RU_CHECK(rv == SHMS_OK || rv == SHMS_INACTIVE || rv == SHMS_EPOCH_CHANGED);
            if (rv == SHMS_OK) {
                synced = true;
                next = 0; /* a new stream starts at its first frame */
                st->syncs++;
            } else if (atomic_load(&run->last_epoch_done)) {
                break; /* final deactivate or nothing more */
            }
            continue;
        }
        rv = shms_read(&r, buf, sizeof(buf), &len);
        if (rv == SHMS_OK) {
            uint64_t id;

            RU_CHECK(ru_frame_check(buf, len, &id));
            RU_CHECK(id >> 32 == r.epoch); /* from the stream we are synced to */
            if (run->mode == SHMS_MODE_LOSSLESS)
                RU_CHECK((id & 0xffffffffu) == next);
            else
                RU_CHECK((id & 0xffffffffu) >= next);
            next = (id & 0xffffffffu) + 1;
            st->frames++;
            shms_reader_publish(&r);
            if (r.epoch == EPOCHS && next == PER_EPOCH)
                break; /* the whole last stream arrived */
        } else if (rv == SHMS_EPOCH_CHANGED || rv == SHMS_INACTIVE) {
            st->epoch_changes += rv == SHMS_EPOCH_CHANGED;
            st->inactive += rv == SHMS_INACTIVE;
            synced = false;
        } else if (rv == SHMS_OVERRUN) {
            /* Lossless: only a lying writer overruns, and ours is honest. */
            RU_CHECK(run->mode == SHMS_MODE_LOSSY);
            st->overruns++;
        } else {
            RU_CHECK(rv == SHMS_NO_DATA);
            shms_reader_publish(&r);
            if (atomic_load(&run->last_epoch_done) && r.epoch == EPOCHS &&
                run->mode == SHMS_MODE_LOSSY)
                break; /* lossy: the tail may have been overrun */
        }
    }
    return st;
}

static void run_mode(unsigned mode)
{
    struct run run = { .mode = mode };
    pthread_t wt, rt;
    void *res;
    struct reader_stats *st;

    ru_chan_open(&run.c, SIZE, ELEMS);
    pthread_create(&rt, NULL, reader_main, &run);
    pthread_create(&wt, NULL, writer_main, &run);
    pthread_join(wt, NULL);
    pthread_join(rt, &res);
    st = res;
    if (ru_failed()) {
        const char *why = ru_failure();

        ru_fail_reset();
        fail_msg("%s", why);
    }
    assert_non_null(st);
    print_message("%s: %llu frames, %llu syncs, %llu epoch changes, %llu inactive, "
                  "%llu overruns\n",
                  mode == SHMS_MODE_LOSSY ? "lossy" : "lossless", (unsigned long long)st->frames,
                  (unsigned long long)st->syncs, (unsigned long long)st->epoch_changes,
                  (unsigned long long)st->inactive, (unsigned long long)st->overruns);
    /* The reader followed the writer through re-initialisations. */
    assert_true(st->syncs > 1);
    assert_true(st->epoch_changes + st->inactive > 0);
    if (mode == SHMS_MODE_LOSSLESS)
        assert_true(st->frames >= PER_EPOCH);
    free(st);
    ru_chan_close(&run.c);
}

static void test_epoch_lossless(void **state)
{
    (void)state;
    run_mode(SHMS_MODE_LOSSLESS);
}

static void test_epoch_lossy(void **state)
{
    (void)state;
    run_mode(SHMS_MODE_LOSSY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_lossless),
        cmocka_unit_test(test_epoch_lossy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
