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
#include <pthread.h>

#include <cmocka.h>
#include <urcu/arch.h>

#include "ring_util.h"

#define SIZE   4096u
#define ELEMS  4u
#define FRAMES 100000u

struct run {
    struct ru_chan c;
    atomic_bool synced; /* the reader follows the channel: start racing */
    atomic_bool done;
};

static void *writer_main(void *arg)
{
    struct run *run = arg;
    struct shms_writer w;
    uint64_t rng = 5;

    RU_CHECK(shms_writer_init(&w, run->c.mem, run->c.mem_len, NULL, &run->c.geo, 3,
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
    struct ru_track t = { 0 };
    struct shms_reader r;
    uint8_t buf[SIZE];
    uint64_t rng = 6;
    pthread_t wt;

    (void)state;
    ru_chan_open(&run.c, SIZE, ELEMS);
    shms_reader_init(&r, run.c.mem, run.c.mem_len, NULL, &run.c.geo, SHMS_MODE_LOSSY);
    pthread_create(&wt, NULL, writer_main, &run);
    for (;;) {
        bool done = atomic_load(&run.done);
        uint32_t len;
        uint64_t id;
        int rv;

        if (!r.synced) {
            rv = shms_reader_sync(&r);
            assert_true(rv == SHMS_OK || rv == SHMS_INACTIVE);
            if (rv == SHMS_OK)
                atomic_store(&run.synced, true);
            continue;
        }
        rv = shms_read(&r, buf, sizeof(buf), &len);
        if (rv == SHMS_OK) {
            assert_true(ru_frame_check(buf, len, &id)); /* never torn */
            assert_true(ru_track_frame(&t, id));        /* gaps only after OVERRUN */
            /* Be slower than the writer now and then. */
            if (ru_range(&rng, 0, 3) == 0)
                for (uint64_t n = ru_range(&rng, 0, 2000); n > 0; n--)
                    caa_cpu_relax();
        } else if (rv == SHMS_OVERRUN) {
            ru_track_overrun(&t);
        } else {
            assert_int_equal(rv, SHMS_NO_DATA);
            if (done)
                break; /* writer finished and everything is read */
        }
    }
    pthread_join(wt, NULL);
    if (ru_failed())
        fail_msg("%s", ru_failure());
    assert_true(ru_track_finish(&t, FRAMES));
    print_message("%llu received, %llu lost in %llu overruns\n", (unsigned long long)t.received,
                  (unsigned long long)t.lost, (unsigned long long)t.overruns);
    assert_true(t.overruns > 0);
    assert_true(t.received > 0);
    ru_chan_close(&run.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overrun_racing_writer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
