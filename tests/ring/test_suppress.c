/*
 * Notification suppression, counted: a reader that never sleeps is never
 * notified, a sleeping reader is notified exactly once per sleep generation,
 * and the same holds for a writer waiting for space. Without a ctrl block
 * the writer cannot know, so it must always notify.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ring_util.h"

#define SIZE  128u
#define ELEMS 16u

struct fix {
    struct ru_chan c;
    struct shms_writer w;
    struct shms_reader r;
    uint64_t next_id;
};

static int setup(void **state)
{
    static struct fix f;

    f.next_id = 0;
    ru_chan_open(&f.c, SIZE, ELEMS);
    assert_int_equal(
        shms_writer_init(&f.w, f.c.mem, f.c.mem_len, f.c.ctrl, &f.c.geo, 1, SHMS_MODE_LOSSLESS),
        SHMS_OK);
    shms_reader_init(&f.r, f.c.mem, f.c.mem_len, f.c.ctrl, &f.c.geo, SHMS_MODE_LOSSLESS);
    assert_int_equal(shms_reader_sync(&f.r), SHMS_OK);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;

    ru_chan_close(&f->c);
    return 0;
}

/* Write n frames, publish; returns whether the writer must notify. */
static bool write_n(struct fix *f, unsigned n)
{
    uint8_t frame[64];

    for (unsigned i = 0; i < n; i++) {
        ru_frame_fill(frame, sizeof(frame), f->next_id++);
        assert_int_equal(shms_writer_put(&f->w, frame, sizeof(frame)), SHMS_OK);
    }
    return shms_writer_publish(&f->w);
}

/* Read everything, publish; returns whether the reader must notify. */
static bool drain(struct fix *f)
{
    uint8_t buf[SIZE];
    uint32_t len;

    while (shms_read(&f->r, buf, sizeof(buf), &len) == SHMS_OK)
        ;
    return shms_reader_publish(&f->r);
}

static void test_awake_reader_never_notified(void **state)
{
    struct fix *f = *state;
    unsigned notifies = 0;

    for (unsigned i = 0; i < 1000; i++) {
        notifies += write_n(f, 1 + i % ELEMS);
        notifies += drain(f);
    }
    assert_int_equal(notifies, 0);
}

static void test_one_notification_per_sleep(void **state)
{
    struct fix *f = *state;

    for (unsigned gen = 0; gen < 50; gen++) {
        unsigned notifies = 0;

        assert_true(shms_reader_prepare_sleep(&f->r)); /* empty: may sleep */
        for (unsigned i = 0; i < 4; i++)
            notifies += write_n(f, 2);
        assert_int_equal(notifies, 1);
        shms_reader_finish_sleep(&f->r);
        assert_false(drain(f));
    }
    /* Data already there: the announcement is withdrawn, nobody notifies. */
    write_n(f, 1);
    assert_false(shms_reader_prepare_sleep(&f->r));
    assert_false(write_n(f, 1));
    /* Woken but not yet withdrawn: still one notification for that sleep. */
    drain(f);
    assert_true(shms_reader_prepare_sleep(&f->r));
    assert_true(write_n(f, 1));
    assert_false(write_n(f, 1));
}

static void test_one_notification_per_wait(void **state)
{
    struct fix *f = *state;
    uint8_t buf[SIZE];
    uint32_t len;

    for (unsigned gen = 0; gen < 50; gen++) {
        unsigned notifies = 0;

        write_n(f, ELEMS);
        assert_true(shms_writer_prepare_wait(&f->w)); /* full: may wait */
        for (unsigned i = 0; i < 4; i++) {
            assert_int_equal(shms_read(&f->r, buf, sizeof(buf), &len), SHMS_OK);
            notifies += shms_reader_publish(&f->r);
        }
        assert_int_equal(notifies, 1);
        shms_writer_finish_wait(&f->w);
        assert_false(drain(f));
    }
    /* Space already there: prepare_wait withdraws, nobody notifies. */
    write_n(f, ELEMS);
    assert_int_equal(shms_read(&f->r, buf, sizeof(buf), &len), SHMS_OK);
    assert_false(shms_reader_publish(&f->r));
    assert_false(shms_writer_prepare_wait(&f->w));
    assert_false(drain(f));
}

/* reader_idle (the guest's licence to send past the ring) holds only with
 * nothing of the writer's in the reader's hands and the reader asleep. */
static void test_reader_idle(void **state)
{
    struct fix *f = *state;
    uint8_t frame[64];

    assert_false(shms_writer_reader_idle(&f->w)); /* empty, but awake */
    assert_true(shms_reader_prepare_sleep(&f->r));
    assert_true(shms_writer_reader_idle(&f->w)); /* empty and asleep */
    ru_frame_fill(frame, sizeof(frame), f->next_id++);
    assert_int_equal(shms_writer_put(&f->w, frame, sizeof(frame)), SHMS_OK);
    assert_false(shms_writer_reader_idle(&f->w)); /* committed, unpublished */
    assert_true(shms_writer_publish(&f->w));
    assert_false(shms_writer_reader_idle(&f->w)); /* published, unreleased */
    shms_reader_finish_sleep(&f->r);
    struct shms_rslot rs;
    assert_int_equal(shms_reader_peek(&f->r, &rs), SHMS_OK);
    assert_true(shms_reader_prepare_sleep(&f->r)); /* nothing more to read */
    assert_false(shms_writer_reader_idle(&f->w));  /* peeked, not released */
    shms_reader_finish_sleep(&f->r);
    shms_reader_release(&f->r);
    shms_reader_publish(&f->r);
    assert_false(shms_writer_reader_idle(&f->w)); /* released, awake */
    assert_true(shms_reader_prepare_sleep(&f->r));
    assert_true(shms_writer_reader_idle(&f->w)); /* released and asleep */
    shms_writer_count_bypass(&f->w, 3);
    assert_int_equal(f->c.ctrl->w_bypass, 3);
}

/* Source hand-off (docs/shmstream.md 7.6b): a grant matches one request
 * only; a request made after giving back never sees the old grant. */
static void test_source_handoff(void **state)
{
    struct fix *f = *state;

    assert_int_equal(shms_writer_handoff_request(&f->w), 0);
    assert_false(shms_reader_handed_off(&f->r));
    shms_reader_want_handoff(&f->r, true);
    uint64_t req = shms_writer_handoff_request(&f->w);
    assert_int_not_equal(req, 0);
    shms_reader_want_handoff(&f->r, true); /* a standing request is kept */
    assert_int_equal(shms_writer_handoff_request(&f->w), req);
    assert_false(shms_reader_handed_off(&f->r)); /* asked, not granted */
    shms_writer_set_handoff(&f->w, req);
    assert_true(shms_reader_handed_off(&f->r));
    /* Give back, then ask again before the writer took it back. */
    shms_reader_want_handoff(&f->r, false);
    assert_int_equal(shms_writer_handoff_request(&f->w), 0);
    assert_false(shms_reader_handed_off(&f->r));
    shms_reader_want_handoff(&f->r, true);
    uint64_t req2 = shms_writer_handoff_request(&f->w);
    assert_int_not_equal(req2, 0);
    assert_int_not_equal(req2, req);
    assert_false(shms_reader_handed_off(&f->r)); /* the old grant is not ours */
    shms_writer_set_handoff(&f->w, 0);           /* writer takes it back */
    assert_false(shms_reader_handed_off(&f->r));
    shms_writer_set_handoff(&f->w, req2);
    assert_true(shms_reader_handed_off(&f->r));
    shms_reader_count_bypass(&f->r, 5);
    assert_int_equal(shms_writer_reader_bypass(&f->w), 5);
    /* A re-initialised channel starts with no grant. */
    assert_int_equal(shms_writer_init(&f->w, f->c.mem, f->c.mem_len, f->c.ctrl, &f->c.geo, 7,
                                      SHMS_MODE_LOSSLESS),
                     SHMS_OK);
    assert_false(shms_reader_handed_off(&f->r));
}

static void test_no_ctrl_always_notifies(void **state)
{
    struct fix *f = *state;
    struct shms_writer w;
    uint8_t frame[64] = { 0 };

    assert_int_equal(
        shms_writer_init(&w, f->c.mem, f->c.mem_len, NULL, &f->c.geo, 2, SHMS_MODE_LOSSY), SHMS_OK);
    assert_false(shms_writer_publish(&w)); /* nothing to publish */
    for (unsigned i = 0; i < 10; i++) {
        assert_int_equal(shms_writer_put(&w, frame, sizeof(frame)), SHMS_OK);
        assert_true(shms_writer_publish(&w));
    }
    assert_false(shms_writer_prepare_wait(&w)); /* lossy never waits */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_awake_reader_never_notified, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_notification_per_sleep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_notification_per_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_ctrl_always_notifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_handoff, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
