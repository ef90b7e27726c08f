/*
 * Counter wraparound at 2^64: both sides start a few thousand frames before
 * UINT64_MAX (counters moved consistently right after init + sync, as if
 * that many frames had already gone through) and stream across the wrap, in
 * lossless and lossy mode, for power-of-two and other slot counts. Every
 * frame carries its stream position; lossless must deliver all of them in
 * order, lossy may lose frames only where it reports OVERRUN.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "ring_util.h"

#define SIZE   128u
#define FRAMES 6000u

struct wrap_case {
    unsigned mode;
    uint64_t elements;
};

struct side {
    struct ru_chan c;
    struct shms_writer w;
    struct shms_reader r;
    uint64_t rng;
    uint64_t sent; /* frames handed to the writer */
    uint64_t next; /* frame id the reader expects next */
    uint64_t received;
    uint64_t lost; /* frames skipped right after an OVERRUN */
    uint64_t overruns;
    bool after_overrun;
};

static void open_side(struct side *s, const struct wrap_case *wc)
{
    ru_chan_open(&s->c, SIZE, wc->elements);
    assert_int_equal(
        shms_writer_init(&s->w, s->c.mem, s->c.mem_len, s->c.ctrl, &s->c.geo, 7, wc->mode),
        SHMS_OK);
    shms_reader_init(&s->r, s->c.mem, s->c.mem_len, s->c.ctrl, &s->c.geo, wc->mode);
    assert_int_equal(shms_reader_sync(&s->r), SHMS_OK);
    /* Wrap about a third of the way into the stream. */
    ru_set_counters(&s->w, &s->r, (uint64_t)0 - FRAMES / 3 - wc->elements / 2);
    s->rng = 0x1234567 + wc->elements * 2 + wc->mode;
}

/* Write up to n frames; stops early when a lossless ring is full. */
static void write_some(struct side *s, uint64_t n)
{
    uint8_t frame[SIZE];

    while (n-- > 0 && s->sent < FRAMES) {
        uint32_t len = (uint32_t)ru_range(&s->rng, RU_FRAME_MIN, SIZE - 16);
        int rv;

        ru_frame_fill(frame, len, s->sent);
        rv = shms_writer_put(&s->w, frame, len);
        if (rv == SHMS_FULL)
            break;
        assert_int_equal(rv, SHMS_OK);
        s->sent++;
    }
    shms_writer_publish(&s->w);
}

/* Account for one frame the reader got. */
static void got(struct side *s, const void *data, uint32_t len)
{
    uint64_t id;

    assert_true(ru_frame_check(data, len, &id));
    if (id != s->next) {
        /* Only a reported overrun may skip frames, and only forwards. */
        assert_true(s->after_overrun);
        assert_true(id > s->next);
        s->lost += id - s->next;
    }
    s->next = id + 1;
    s->received++;
    s->after_overrun = false;
}

/* Read up to n frames; returns false once the ring is empty. */
static bool read_some(struct side *s, uint64_t n)
{
    uint8_t buf[SIZE];
    uint32_t len;
    struct shms_rslot rs;
    bool peek = s->r.mode == SHMS_MODE_LOSSLESS && (ru_rand(&s->rng) & 1);
    int rv = SHMS_OK;

    while (n-- > 0) {
        if (peek) {
            rv = shms_reader_peek(&s->r, &rs);
            if (rv == SHMS_OK)
                got(s, rs.data, rs.len);
        } else {
            rv = shms_read(&s->r, buf, sizeof(buf), &len);
            if (rv == SHMS_OK)
                got(s, buf, len);
        }
        if (rv == SHMS_OVERRUN) {
            assert_int_equal(s->r.mode, SHMS_MODE_LOSSY);
            s->overruns++;
            s->after_overrun = true;
            continue;
        }
        if (rv != SHMS_OK)
            break;
    }
    assert_true(rv == SHMS_OK || rv == SHMS_NO_DATA || rv == SHMS_OVERRUN);
    shms_reader_release(&s->r);
    shms_reader_publish(&s->r);
    return rv != SHMS_NO_DATA;
}

static void test_wrap(void **state)
{
    const struct wrap_case *wc = *state;
    struct side s = { 0 };
    open_side(&s, wc);
    while (s.sent < FRAMES) {
        /* Lossy: now and then a burst that laps the reader. */
        uint64_t burst = wc->mode == SHMS_MODE_LOSSY && ru_range(&s.rng, 0, 7) == 0
                             ? 2 * wc->elements + 1
                             : wc->elements + 1;

        write_some(&s, ru_range(&s.rng, 1, burst));
        read_some(&s, ru_range(&s.rng, 1, wc->elements + 2));
    }
    while (read_some(&s, wc->elements))
        ;
    /* Both counters really crossed 2^64. */
    assert_true(s.w.wc < FRAMES);
    assert_true(s.r.rc < FRAMES);
    assert_int_equal(s.w.wc, s.r.rc);

    if (s.next != FRAMES) { /* frames lost at the very end */
        assert_true(s.after_overrun);
        s.lost += FRAMES - s.next;
    }
    assert_int_equal(s.received + s.lost, FRAMES);
    if (wc->mode == SHMS_MODE_LOSSLESS) {
        assert_int_equal(s.lost, 0);
        assert_int_equal(s.overruns, 0);
    } else {
        assert_true(s.overruns > 0); /* the bursts did lap the reader */
    }
    print_message("%s elements=%llu: %llu received, %llu lost in %llu overruns\n",
                  wc->mode == SHMS_MODE_LOSSY ? "lossy" : "lossless",
                  (unsigned long long)wc->elements, (unsigned long long)s.received,
                  (unsigned long long)s.lost, (unsigned long long)s.overruns);
    ru_chan_close(&s.c);
}

/*
 * Directed check of the slot a ring of non-power-of-two size reuses early at
 * the wrap: counter 0 maps to the slot of counter 2^64 - k (k = 2^64 mod
 * elements). Start exactly there.
 */
static void test_wrap_slot_reuse(void **state)
{
    const struct wrap_case *wc = *state;
    uint64_t k = (UINT64_MAX % wc->elements + 1) % wc->elements;
    struct side s = { 0 };
    uint8_t buf[SIZE];
    uint32_t len;
    uint64_t id;

    assert_true(k > 0 && k < wc->elements);
    open_side(&s, wc);
    ru_set_counters(&s.w, &s.r, (uint64_t)0 - k);
    if (wc->mode == SHMS_MODE_LOSSLESS) {
        /* The writer stops at the wrap until the reader gets there. */
        assert_int_equal(shms_writer_space(&s.w), k);
        write_some(&s, k + 1);
        assert_int_equal(s.sent, k);
        read_some(&s, 1);
        if (k > 1) /* still before the wrap */
            assert_int_equal(shms_writer_space(&s.w), 0);
        read_some(&s, k);
        assert_int_equal(s.next, k);
        assert_int_equal(shms_writer_space(&s.w), wc->elements);
        write_some(&s, wc->elements);
        read_some(&s, wc->elements);
        assert_int_equal(s.next, k + wc->elements);
    } else {
        /* Frame k overwrote unread frame 0: never returned as frame 0. */
        write_some(&s, k + 1);
        assert_int_equal(shms_read(&s.r, buf, sizeof(buf), &len), SHMS_OVERRUN);
        assert_int_equal(shms_read(&s.r, buf, sizeof(buf), &len), SHMS_NO_DATA);
        write_some(&s, 1);
        assert_int_equal(shms_read(&s.r, buf, sizeof(buf), &len), SHMS_OK);
        assert_true(ru_frame_check(buf, len, &id));
        assert_int_equal(id, k + 1);
    }
    ru_chan_close(&s.c);
}

#define REUSE(mode, n)                                                                             \
    {                                                                                              \
        .name = "slot_reuse_" #mode "_" #n, .test_func = test_wrap_slot_reuse,                     \
        .initial_state = &(struct wrap_case){ SHMS_MODE_##mode, n },                               \
    }

#define WRAP(mode, n)                                                                              \
    {                                                                                              \
        .name = #mode "_" #n, .test_func = test_wrap,                                              \
        .initial_state = &(struct wrap_case){ SHMS_MODE_##mode, n },                               \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        WRAP(LOSSLESS, 1),  WRAP(LOSSLESS, 4),  WRAP(LOSSLESS, 64),   WRAP(LOSSLESS, 3),
        WRAP(LOSSLESS, 5),  WRAP(LOSSLESS, 7),  WRAP(LOSSLESS, 100),  WRAP(LOSSLESS, 1000),
        WRAP(LOSSY, 1),     WRAP(LOSSY, 4),     WRAP(LOSSY, 64),      WRAP(LOSSY, 3),
        WRAP(LOSSY, 5),     WRAP(LOSSY, 7),     WRAP(LOSSY, 100),     WRAP(LOSSY, 1000),
        REUSE(LOSSLESS, 3), REUSE(LOSSLESS, 7), REUSE(LOSSLESS, 100), REUSE(LOSSLESS, 1000),
        REUSE(LOSSY, 3),    REUSE(LOSSY, 7),    REUSE(LOSSY, 100),    REUSE(LOSSY, 1000),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
