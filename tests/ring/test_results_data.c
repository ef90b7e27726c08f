/*
 * Result codes of the data path, each from the situation that produces it:
 * OK (copy and zero-copy, with and without a vnet header), NO_DATA, OVERRUN
 * (lapped, torn copy, lying lossless writer), FULL, TOO_BIG and BAD_SLOT,
 * plus shms_result_str naming every code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ring_util.h"

#define SIZE  256u
#define ELEMS 8u
#define CAP   (SIZE - 16u)

struct fix {
    struct ru_chan c;
    struct shms_writer w;
    struct shms_reader r;
    uint8_t buf[SIZE];
    uint32_t len;
};

static int setup_mode(void **state, unsigned mode)
{
    static struct fix f;

    memset(&f, 0, sizeof(f));
    ru_chan_open(&f.c, SIZE, ELEMS);
    assert_int_equal(shms_writer_init(&f.w, f.c.mem, f.c.mem_len, f.c.ctrl, &f.c.geo, 1, mode),
                     SHMS_OK);
    shms_reader_init(&f.r, f.c.mem, f.c.mem_len, f.c.ctrl, &f.c.geo, mode);
    assert_int_equal(shms_reader_sync(&f.r), SHMS_OK);
    *state = &f;
    return 0;
}

static int setup_lossless(void **state)
{
    return setup_mode(state, SHMS_MODE_LOSSLESS);
}

static int setup_lossy(void **state)
{
    return setup_mode(state, SHMS_MODE_LOSSY);
}

static int teardown(void **state)
{
    struct fix *f = *state;

    ru_chan_close(&f->c);
    return 0;
}

static void put(struct fix *f, uint32_t len, uint64_t id)
{
    uint8_t frame[SIZE];

    ru_frame_fill(frame, len, id);
    assert_int_equal(shms_writer_put(&f->w, frame, len), SHMS_OK);
}

static int read1(struct fix *f)
{
    return shms_read(&f->r, f->buf, sizeof(f->buf), &f->len);
}

static void expect_frame(struct fix *f, uint64_t want)
{
    uint64_t id;

    assert_int_equal(read1(f), SHMS_OK);
    assert_true(ru_frame_check(f->buf, f->len, &id));
    assert_int_equal(id, want);
}

static void test_ok_copy_and_peek(void **state)
{
    struct fix *f = *state;
    struct shms_wslot ws;
    struct shms_rslot rs;
    uint64_t id;

    put(f, 60, 1);
    put(f, CAP, 2); /* exactly the slot capacity */
    /* Zero-copy write with a vnet header in front of the frame. */
    assert_int_equal(shms_writer_reserve(&f->w, &ws), SHMS_OK);
    assert_int_equal(ws.cap, CAP);
    memset(ws.data, 0xab, 12);
    ru_frame_fill((uint8_t *)ws.data + 12, 70, 3);
    assert_int_equal(shms_writer_commit(&f->w, &ws, 70, 12), SHMS_OK);
    assert_int_equal(shms_writer_pending(&f->w), 3);
    /* Nothing is visible before publish. */
    assert_int_equal(read1(f), SHMS_NO_DATA);
    shms_writer_publish(&f->w);
    assert_int_equal(shms_reader_available(&f->r), 3);

    expect_frame(f, 1);
    assert_int_equal(shms_reader_peek(&f->r, &rs), SHMS_OK);
    assert_true(ru_frame_check(rs.data, rs.len, &id));
    assert_int_equal(id, 2);
    assert_int_equal(rs.vnet_len, 0);
    assert_int_equal(shms_reader_peek(&f->r, &rs), SHMS_OK);
    assert_int_equal(rs.vnet_len, 12);
    assert_int_equal(rs.flags, SHMS_SLOT_F_VNET);
    assert_int_equal(((const uint8_t *)rs.data)[-1], 0xab);
    assert_true(ru_frame_check(rs.data, rs.len, &id));
    assert_int_equal(id, 3);
    assert_int_equal(shms_reader_peek(&f->r, &rs), SHMS_NO_DATA);
    shms_reader_release(&f->r);
    assert_int_equal(shms_reader_available(&f->r), 0);
    /* A copy read returns the frame after the vnet header too. */
    put(f, 64, 4);
    shms_writer_publish(&f->w);
    expect_frame(f, 4);
}

static void test_no_data(void **state)
{
    struct fix *f = *state;
    struct shms_rslot rs;

    assert_int_equal(read1(f), SHMS_NO_DATA);
    assert_int_equal(shms_reader_peek(&f->r, &rs), SHMS_NO_DATA);
    put(f, 64, 1);
    shms_writer_publish(&f->w);
    expect_frame(f, 1);
    assert_int_equal(read1(f), SHMS_NO_DATA);
    /* A writer moving wc backwards offers nothing new. */
    f->w.hdr->wc = 0;
    assert_int_equal(read1(f), SHMS_NO_DATA);
    assert_int_equal(shms_reader_available(&f->r), 0);
}

static void test_overrun_lapped(void **state)
{
    struct fix *f = *state;

    /* Lossy writer laps the reader by three frames. */
    for (uint64_t i = 0; i < ELEMS + 3; i++)
        put(f, 64, i);
    shms_writer_publish(&f->w);
    assert_int_equal(read1(f), SHMS_OVERRUN);
    /* Resynced to the writer: old frames are gone, new ones arrive. */
    assert_int_equal(read1(f), SHMS_NO_DATA);
    put(f, 64, 100);
    shms_writer_publish(&f->w);
    expect_frame(f, 100);
}

static void test_overrun_torn_copy(void **state)
{
    struct fix *f = *state;
    struct shms_wslot ws;

    /* Ring exactly full: the reader may read frame 0... */
    for (uint64_t i = 0; i < ELEMS; i++)
        put(f, 64, i);
    shms_writer_publish(&f->w);
    expect_frame(f, 0);
    /* ...but once the writer has begun to overwrite frame 1's slot (wsc is
     * announced before the slot is touched), a copy of it is not trusted. */
    assert_int_equal(shms_writer_reserve(&f->w, &ws), SHMS_OK);
    assert_int_equal(shms_writer_reserve(&f->w, &ws), SHMS_FULL); /* one at a time */
    ru_frame_fill(ws.data, 64, 8);
    assert_int_equal(shms_writer_commit(&f->w, &ws, 64, 0), SHMS_OK);
    assert_int_equal(shms_writer_reserve(&f->w, &ws), SHMS_OK); /* starts slot of frame 1 */
    memset(ws.data, 0, 64);                                     /* half-written */
    assert_int_equal(read1(f), SHMS_OVERRUN);
}

static void test_overrun_lying_lossless_writer(void **state)
{
    struct fix *f = *state;

    put(f, 64, 0);
    shms_writer_publish(&f->w);
    f->w.hdr->wc = ELEMS + 5; /* claims more than the ring can hold */
    assert_int_equal(read1(f), SHMS_OVERRUN);
}

static void test_full(void **state)
{
    struct fix *f = *state;
    struct shms_wslot ws;
    uint8_t frame[64];

    for (uint64_t i = 0; i < ELEMS; i++)
        put(f, 64, i);
    assert_int_equal(shms_writer_space(&f->w), 0);
    ru_frame_fill(frame, 64, 99);
    assert_int_equal(shms_writer_put(&f->w, frame, 64), SHMS_FULL);
    assert_int_equal(shms_writer_reserve(&f->w, &ws), SHMS_FULL);
    shms_writer_publish(&f->w);
    /* Still full: reading is not enough, the reader must publish. */
    expect_frame(f, 0);
    expect_frame(f, 1);
    assert_int_equal(shms_writer_space(&f->w), 0);
    shms_reader_publish(&f->r);
    assert_int_equal(shms_writer_space(&f->w), 2);
    put(f, 64, 8);
    put(f, 64, 9);
    assert_int_equal(shms_writer_put(&f->w, frame, 64), SHMS_FULL);
}

static void test_too_big(void **state)
{
    struct fix *f = *state;
    struct shms_wslot ws;
    uint8_t frame[SIZE + 16];
    uint8_t small[64];

    memset(frame, 0, sizeof(frame));
    assert_int_equal(shms_writer_put(&f->w, frame, CAP + 1), SHMS_TOO_BIG);
    assert_int_equal(shms_writer_reserve(&f->w, &ws), SHMS_OK);
    assert_int_equal(shms_writer_commit(&f->w, &ws, CAP - 11, 12), SHMS_TOO_BIG);
    assert_int_equal(shms_writer_reserve(&f->w, &ws), SHMS_OK);
    assert_int_equal(shms_writer_commit(&f->w, &ws, 64, SHMS_VNET_MAX + 1), SHMS_TOO_BIG);
    assert_int_equal(shms_writer_pending(&f->w), 0); /* nothing was committed */

    /* Reader buffer smaller than the frame: that frame is skipped. */
    put(f, 100, 1);
    put(f, 50, 2);
    shms_writer_publish(&f->w);
    assert_int_equal(shms_read(&f->r, small, 99, &f->len), SHMS_TOO_BIG);
    assert_int_equal(shms_read(&f->r, small, 50, &f->len), SHMS_OK);
    assert_int_equal(f->len, 50);
}

static void test_bad_slot(void **state)
{
    struct fix *f = *state;
    struct shms_wslot ws = { 0 };
    struct shms_rslot rs;
    struct shms_slot *slot0 = (struct shms_slot *)((uint8_t *)f->c.mem + 64);
    struct shms_slot *slot1 = (struct shms_slot *)((uint8_t *)slot0 + SIZE);

    assert_int_equal(shms_writer_commit(&f->w, &ws, 64, 0), SHMS_BAD_SLOT); /* not reserved */

    put(f, 64, 1);
    put(f, 64, 2);
    put(f, 64, 3);
    put(f, 64, 4);
    shms_writer_publish(&f->w);
    slot0->len = 0xffffffffu; /* would run off the end of the channel */
    slot1->vnet_len = SHMS_VNET_MAX + 1;
    assert_int_equal(read1(f), SHMS_BAD_SLOT);
    assert_int_equal(read1(f), SHMS_BAD_SLOT);
    expect_frame(f, 3); /* bad slots are skipped, the stream goes on */

    /* Zero-copy path: len + vnet_len just over the capacity. */
    slot1 = (struct shms_slot *)((uint8_t *)slot0 + 3 * SIZE);
    slot1->len = CAP - 8;
    slot1->vnet_len = 9;
    assert_int_equal(shms_reader_peek(&f->r, &rs), SHMS_BAD_SLOT);
    assert_int_equal(shms_reader_peek(&f->r, &rs), SHMS_NO_DATA);
}

static void test_result_names(void **state)
{
    (void)state;
    for (int a = SHMS_OK; a <= SHMS_BAD_SLOT; a++) {
        assert_string_not_equal(shms_result_str(a), "unknown result");
        for (int b = SHMS_OK; b < a; b++)
            assert_string_not_equal(shms_result_str(a), shms_result_str(b));
    }
    assert_string_equal(shms_result_str(SHMS_BAD_SLOT + 1), "unknown result");
    assert_string_equal(shms_result_str(-1), "unknown result");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ok_copy_and_peek, setup_lossless, teardown),
        cmocka_unit_test_setup_teardown(test_no_data, setup_lossless, teardown),
        cmocka_unit_test_setup_teardown(test_overrun_lapped, setup_lossy, teardown),
        cmocka_unit_test_setup_teardown(test_overrun_torn_copy, setup_lossy, teardown),
        cmocka_unit_test_setup_teardown(test_overrun_lying_lossless_writer, setup_lossless,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_full, setup_lossless, teardown),
        cmocka_unit_test_setup_teardown(test_too_big, setup_lossless, teardown),
        cmocka_unit_test_setup_teardown(test_bad_slot, setup_lossless, teardown),
        cmocka_unit_test(test_result_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
