/*
 * Result codes of channel set-up, each from the situation that produces it:
 * INACTIVE, INCOMPATIBLE (bad marker, wrong protocol, geometry mismatch,
 * geometry beyond mem_len, zero/unaligned/oversized geometry, bad writer
 * arguments) and EPOCH_CHANGED (re-init mid-stream, and epoch moving during
 * sync itself).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <pthread.h>

#include <cmocka.h>
#include <urcu/system.h>

#include "ring_util.h"

#define SIZE  256u
#define ELEMS 8u

struct fix {
    struct ru_chan c;
    struct shms_writer w;
    struct shms_reader r;
};

static int setup(void **state)
{
    static struct fix f;

    ru_chan_open(&f.c, SIZE, ELEMS);
    shms_reader_init(&f.r, f.c.mem, f.c.mem_len, f.c.ctrl, &f.c.geo, SHMS_MODE_LOSSLESS);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;

    ru_chan_close(&f->c);
    return 0;
}

static void writer_up(struct fix *f, uint64_t epoch)
{
    assert_int_equal(shms_writer_init(&f->w, f->c.mem, f->c.mem_len, f->c.ctrl, &f->c.geo, epoch,
                                      SHMS_MODE_LOSSLESS),
                     SHMS_OK);
}

static void test_inactive(void **state)
{
    struct fix *f = *state;
    uint8_t buf[SIZE];
    uint32_t len;
    struct shms_rslot rs;

    /* Zeroed memory: no writer yet. */
    assert_int_equal(shms_reader_sync(&f->r), SHMS_INACTIVE);
    assert_false(shms_reader_has_work(&f->r));
    /* Unsynced reader refuses data calls. */
    assert_int_equal(shms_read(&f->r, buf, sizeof(buf), &len), SHMS_INACTIVE);
    assert_int_equal(shms_reader_peek(&f->r, &rs), SHMS_INACTIVE);
    assert_int_equal(shms_reader_available(&f->r), 0);

    /* Active, then deactivated mid-stream. */
    writer_up(f, 5);
    assert_int_equal(shms_reader_sync(&f->r), SHMS_OK);
    ru_frame_fill(buf, 64, 1);
    assert_int_equal(shms_writer_put(&f->w, buf, 64), SHMS_OK);
    shms_writer_publish(&f->w);
    shms_writer_deactivate(&f->w);
    assert_int_equal(shms_read(&f->r, buf, sizeof(buf), &len), SHMS_INACTIVE);
    assert_int_equal(shms_reader_sync(&f->r), SHMS_INACTIVE);
}

static void expect_incompatible_then_recover(struct fix *f, uint64_t next_epoch)
{
    assert_int_equal(shms_reader_sync(&f->r), SHMS_INCOMPATIBLE);
    /* The bad epoch is not retried (a hostile writer cannot make us spin)... */
    assert_false(shms_reader_has_work(&f->r));
    assert_true(shms_reader_prepare_sleep(&f->r));
    shms_reader_finish_sleep(&f->r);
    /* ...but a re-initialised writer is. */
    writer_up(f, next_epoch);
    assert_true(shms_reader_has_work(&f->r));
    assert_int_equal(shms_reader_sync(&f->r), SHMS_OK);
}

static void test_bad_marker(void **state)
{
    struct fix *f = *state;

    writer_up(f, 10);
    f->w.hdr->transport ^= 1;
    expect_incompatible_then_recover(f, 11);
}

static void test_wrong_protocol(void **state)
{
    struct fix *f = *state;
    struct shms_geometry g = f->c.geo;

    g.protocol = RU_PROTO + 1;
    assert_int_equal(
        shms_writer_init(&f->w, f->c.mem, f->c.mem_len, f->c.ctrl, &g, 20, SHMS_MODE_LOSSLESS),
        SHMS_OK);
    expect_incompatible_then_recover(f, 21);
}

static void test_geometry_mismatch(void **state)
{
    struct fix *f = *state;
    struct shms_geometry g = f->c.geo;

    /* Smaller slots: fits in memory, but not what the reader expects. */
    g.size = SIZE / 2;
    assert_int_equal(
        shms_writer_init(&f->w, f->c.mem, f->c.mem_len, f->c.ctrl, &g, 30, SHMS_MODE_LOSSLESS),
        SHMS_OK);
    expect_incompatible_then_recover(f, 31);

    g = f->c.geo;
    g.elements = ELEMS / 2;
    assert_int_equal(
        shms_writer_init(&f->w, f->c.mem, f->c.mem_len, f->c.ctrl, &g, 32, SHMS_MODE_LOSSLESS),
        SHMS_OK);
    expect_incompatible_then_recover(f, 33);
}

static void test_geometry_beyond_mem(void **state)
{
    struct fix *f = *state;
    struct shms_reader any;
    struct shms_geometry expect_any = { .protocol = RU_PROTO };

    /* A reader that accepts any geometry still bounds it by its memory. */
    shms_reader_init(&any, f->c.mem, f->c.mem_len, NULL, &expect_any, SHMS_MODE_LOSSY);
    writer_up(f, 40);
    assert_int_equal(shms_reader_sync(&any), SHMS_OK);
    f->w.hdr->elements = ELEMS + 1; /* one slot past the end of the mapping */
    f->w.hdr->epoch = 41;
    assert_int_equal(shms_reader_sync(&any), SHMS_INCOMPATIBLE);
    f->w.hdr->elements = ELEMS;
    f->w.hdr->size = SIZE + 16;
    f->w.hdr->epoch = 42;
    assert_int_equal(shms_reader_sync(&any), SHMS_INCOMPATIBLE);

    /* Reader told it has less memory than the channel needs. */
    shms_reader_init(&any, f->c.mem, f->c.mem_len - 16, NULL, &expect_any, SHMS_MODE_LOSSY);
    writer_up(f, 43);
    assert_int_equal(shms_reader_sync(&any), SHMS_INCOMPATIBLE);

    /* Writer refuses memory too small for the geometry. */
    assert_int_equal(shms_writer_init(&f->w, f->c.mem, f->c.mem_len - 1, f->c.ctrl, &f->c.geo, 44,
                                      SHMS_MODE_LOSSLESS),
                     SHMS_INCOMPATIBLE);
}

static void test_bad_sizes(void **state)
{
    struct fix *f = *state;
    struct shms_reader any;
    struct shms_geometry expect_any = { .protocol = RU_PROTO };
    static const struct {
        uint64_t size, elements;
    } bad[] = {
        { 0, ELEMS },                  /* zero slot size */
        { SIZE + 8, ELEMS },           /* not a multiple of SHMS_SLOT_ALIGN */
        { SIZE + 1, ELEMS },           /* odd */
        { SHMS_SLOT_MIN - 16, ELEMS }, /* too small for a minimum frame */
        { SHMS_SLOT_MAX + 16, 1 },     /* too large */
        { SIZE, 0 },                   /* no slots */
        { SHMS_SLOT_MIN, (uint64_t)SHMS_ELEMENTS_MAX + 1 },
        { UINT64_MAX - 15, UINT64_MAX }, /* would overflow size * elements */
    };
    uint64_t epoch = 50;

    shms_reader_init(&any, f->c.mem, f->c.mem_len, NULL, &expect_any, SHMS_MODE_LOSSY);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct shms_geometry g = { RU_PROTO, bad[i].size, bad[i].elements };

        /* The writer refuses it... */
        assert_int_equal(
            shms_writer_init(&f->w, f->c.mem, UINT64_MAX, NULL, &g, epoch, SHMS_MODE_LOSSY),
            SHMS_INCOMPATIBLE);
        assert_int_equal(shms_channel_bytes(&g), 0);
        /* ...and a reader refuses a header that claims it. */
        writer_up(f, epoch++);
        f->w.hdr->size = bad[i].size;
        f->w.hdr->elements = bad[i].elements;
        f->w.hdr->epoch = epoch++;
        assert_int_equal(shms_reader_sync(&any), SHMS_INCOMPATIBLE);
    }
}

static void test_bad_writer_args(void **state)
{
    struct fix *f = *state;
    struct shms_geometry g = f->c.geo;
    uint8_t *mem = f->c.mem;

    assert_int_equal(shms_writer_init(&f->w, NULL, f->c.mem_len, f->c.ctrl, &g, 1, SHMS_MODE_LOSSY),
                     SHMS_INCOMPATIBLE);
    assert_int_equal(shms_writer_init(&f->w, mem, f->c.mem_len, f->c.ctrl, &g, 0, SHMS_MODE_LOSSY),
                     SHMS_INCOMPATIBLE); /* epoch 0 means inactive */
    assert_int_equal(
        shms_writer_init(&f->w, mem + 4, f->c.mem_len - 4, f->c.ctrl, &g, 1, SHMS_MODE_LOSSY),
        SHMS_INCOMPATIBLE); /* misaligned */
    assert_int_equal(shms_writer_init(&f->w, mem, f->c.mem_len, NULL, &g, 1, SHMS_MODE_LOSSLESS),
                     SHMS_INCOMPATIBLE); /* lossless needs ctrl */
    assert_int_equal(shms_writer_init(&f->w, mem, f->c.mem_len, f->c.ctrl, &g, 1, 7),
                     SHMS_INCOMPATIBLE); /* unknown mode */
    /* None of these touched the channel. */
    assert_int_equal(((struct shms_header *)f->c.mem)->transport, 0);
    assert_int_equal(((struct shms_header *)f->c.mem)->epoch, 0);
}

static void test_epoch_changed_mid_stream(void **state)
{
    struct fix *f = *state;
    uint8_t buf[SIZE];
    uint32_t len;
    uint64_t id;
    struct shms_rslot rs;

    writer_up(f, 60);
    assert_int_equal(shms_reader_sync(&f->r), SHMS_OK);
    ru_frame_fill(buf, 100, 600);
    assert_int_equal(shms_writer_put(&f->w, buf, 100), SHMS_OK);
    shms_writer_publish(&f->w);

    writer_up(f, 61);
    assert_true(shms_reader_has_work(&f->r));
    assert_int_equal(shms_read(&f->r, buf, sizeof(buf), &len), SHMS_EPOCH_CHANGED);
    assert_int_equal(shms_reader_sync(&f->r), SHMS_OK);
    ru_frame_fill(buf, 90, 610);
    assert_int_equal(shms_writer_put(&f->w, buf, 90), SHMS_OK);
    shms_writer_publish(&f->w);

    /* Peek reports it too. */
    writer_up(f, 62);
    assert_int_equal(shms_reader_peek(&f->r, &rs), SHMS_EPOCH_CHANGED);
    assert_int_equal(shms_reader_sync(&f->r), SHMS_OK);
    ru_frame_fill(buf, 80, 620);
    assert_int_equal(shms_writer_put(&f->w, buf, 80), SHMS_OK);
    shms_writer_publish(&f->w);
    assert_int_equal(shms_read(&f->r, buf, sizeof(buf), &len), SHMS_OK);
    assert_true(ru_frame_check(buf, len, &id));
    assert_int_equal(id, 620); /* the new stream, not a leftover */
}

/* A thread that re-initialises the channel as fast as it can. */
struct flipper {
    struct fix *f;
    atomic_bool stop;
};

static void *flip(void *arg)
{
    struct flipper *fl = arg;
    uint64_t epoch = 100;

    while (!atomic_load_explicit(&fl->stop, memory_order_relaxed)) {
        CMM_STORE_SHARED(fl->f->w.hdr->epoch, epoch);
        epoch++;
    }
    return NULL;
}

static void test_epoch_changed_during_sync(void **state)
{
    struct fix *f = *state;
    struct flipper fl = { .f = f };
    pthread_t t;
    uint64_t deadline;
    int rv = SHMS_OK;

    writer_up(f, 99);
    pthread_create(&t, NULL, flip, &fl);
    /* The epoch moves between sync's two loads of it. On two CPUs this takes
     * microseconds; the deadline only keeps a broken build from hanging. */
    deadline = ru_now_ns() + 10ull * 1000000000u;
    while (ru_now_ns() < deadline) {
        rv = shms_reader_sync(&f->r);
        assert_true(rv == SHMS_OK || rv == SHMS_EPOCH_CHANGED);
        if (rv == SHMS_EPOCH_CHANGED)
            break;
    }
    atomic_store(&fl.stop, true);
    pthread_join(t, NULL);
    assert_int_equal(rv, SHMS_EPOCH_CHANGED);
    /* Once the epoch is stable, sync succeeds. */
    assert_int_equal(shms_reader_sync(&f->r), SHMS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inactive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_marker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_protocol, setup, teardown),
        cmocka_unit_test_setup_teardown(test_geometry_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_geometry_beyond_mem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_writer_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epoch_changed_mid_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epoch_changed_during_sync, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
