/*
 * Overrun detection against a racing writer (lossy mode): the writer thread
 * streams large patterned frames into a small ring as fast as it can while
 * a deliberately slower reader copies them out. The reader must never return
 * a torn or stale frame (each carries its sequence number and a checksum),
 * sequence gaps may appear only right after an OVERRUN, and the frames
 * received plus those lost must add up to the frames written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>

#include <cmocka.h>
#include <urcu/arch.h>

#include "ring_util.h"

#define SIZE   4096u
#define ELEMS  4u
#define FRAMES 100000u

struct run {
    struct ru_lossy l;
    atomic_bool synced; /* the reader follows the channel: start racing */
    atomic_bool done;
};

static void *writer_main(void *arg)
{
    struct run *run = arg;
    struct shms_writer w;
    uint64_t rng = 5;

    RU_CHECK(shms_writer_init(&w, run->l.c.mem, run->l.c.mem_len, NULL, &run->l.c.geo, 3,
                              SHMS_MODE_LOSSY) == SHMS_OK);
    /* On a loaded machine this thread could otherwise write every frame
     * before the reader first looks, which tests nothing. */
    while (!atomic_load(&run->synced))
        caa_cpu_relax();
    for (uint64_t seq = 0; seq < FRAMES; seq++) {
        struct shms_wslot ws;
        uint32_t len = (uint32_t)ru_range(&rng, SIZE / 2, SIZE - 16);

        /* Fill in place: the overwrite races the reader's copy. */
        RU_CHECK(shms_writer_reserve(&w, &ws) == SHMS_OK);
        ru_frame_fill(ws.data, len, seq);
        RU_CHECK(shms_writer_commit(&w, &ws, len, 0) == SHMS_OK);
        if (ru_range(&rng, 0, 3) == 0 || seq + 1 == FRAMES)
            shms_writer_publish(&w);
        if (ru_failed())
            break;
    }
    atomic_store(&run->done, true);
    return NULL;
}

static void test_overrun_racing_writer(void **state)
{
    struct run run = { 0 };
    struct ru_lossy *l = &run.l;
    uint8_t buf[SIZE];
    uint64_t rng = 6;

    (void)state;
    ru_lossy_start(l, SIZE, ELEMS, false, writer_main, &run);
    for (;;) {
        bool done = atomic_load(&run.done);

        if (!l->r.synced) {
            if (ru_lossy_sync(l))
                atomic_store(&run.synced, true);
            continue;
        }
        int rv = ru_lossy_read(l, buf, sizeof(buf));
        if (rv == SHMS_OK) {
            /* Be slower than the writer now and then. */
            if (ru_range(&rng, 0, 3) == 0)
                for (uint64_t n = ru_range(&rng, 0, 2000); n > 0; n--)
                    caa_cpu_relax();
        } else if (rv == SHMS_NO_DATA && done) {
            break; /* writer finished and everything is read */
        }
    }
    ru_lossy_join(l);
    assert_true(ru_track_finish(&l->t, FRAMES));
    print_message("%llu received, %llu lost in %llu overruns\n", (unsigned long long)l->t.received,
                  (unsigned long long)l->t.lost, (unsigned long long)l->t.overruns);
    assert_true(l->t.overruns > 0);
    assert_true(l->t.received > 0);
    ru_chan_close(&l->c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overrun_racing_writer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
