/*
 * The capture ring and the pcap writer, without a guest: records come out
 * in order and intact (across the wrap), a full ring refuses and counts
 * instead of overwriting, snaplen truncates, a producer and a consumer
 * thread racing lose nothing and corrupt nothing, and the pcap writer's
 * bytes are the format (file header, record headers) byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <urcu/system.h>

#include "capture/capture_ring.h"
#include "capture/pcap_writer.h"

static void fill(uint8_t *b, uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++)
        b[i] = (uint8_t)(seed * 31u + i * 7u);
}

static bool check(const uint8_t *b, uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++)
        if (b[i] != (uint8_t)(seed * 31u + i * 7u))
            return false;
    return true;
}

static void test_init_rejects_bad_geometry(void **state)
{
    (void)state;
    struct skiff_cap_ring r;
    assert_int_equal(skiff_cap_ring_init(&r, 5000, 100), -EINVAL);  /* not a power of 2 */
    assert_int_equal(skiff_cap_ring_init(&r, 2048, 100), -EINVAL);  /* too small */
    assert_int_equal(skiff_cap_ring_init(&r, 4096, 4000), -EINVAL); /* 2 records do not fit */
    assert_int_equal(skiff_cap_ring_init(&r, 4096, 0), -EINVAL);
    assert_int_equal(skiff_cap_ring_init(&r, 4096, 1500), 0);
    skiff_cap_ring_fini(&r);
}

/* Fill to refusal, drain, repeat: order, contents, wrap markers, counters. */
static void test_fill_drain_wrap(void **state)
{
    (void)state;
    struct skiff_cap_ring r;
    uint8_t frame[1600];
    assert_int_equal(skiff_cap_ring_init(&r, 16384, 1500), 0);
    uint64_t pos = 0, put = 0, got = 0, refused = 0;
    for (int round = 0; round < 50; round++) {
        /* Odd lengths so records end at varied offsets. */
        uint32_t seed0 = (uint32_t)put;
        for (;;) {
            uint32_t len = 60 + (uint32_t)((put * 97) % 1400);
            fill(frame, len, (uint32_t)put);
            if (!skiff_cap_ring_put(&r, put, frame, len)) {
                refused++;
                break;
            }
            put++;
        }
        assert_true(put > seed0); /* an empty ring takes at least one */
        const struct skiff_cap_rec *rec;
        while ((rec = skiff_cap_ring_peek(&r, &pos)) != NULL) {
            uint32_t len = 60 + (uint32_t)((got * 97) % 1400);
            assert_int_equal(rec->ts_ns, got);
            assert_int_equal(rec->origlen, len);
            assert_int_equal(rec->caplen, len);
            assert_true(check((const uint8_t *)(rec + 1), len, (uint32_t)got));
            got++;
        }
        skiff_cap_ring_release(&r, pos);
    }
    assert_int_equal(got, put);
    assert_int_equal(r.c.queued, put);
    assert_int_equal(r.c.skipped, refused);
    skiff_cap_ring_fini(&r);
}

/* A full ring refuses; it never overwrites what the consumer has not released. */
static void test_full_refuses_without_overwrite(void **state)
{
    (void)state;
    struct skiff_cap_ring r;
    uint8_t frame[1000];
    assert_int_equal(skiff_cap_ring_init(&r, 4096, 1000), 0);
    memset(frame, 0xaa, sizeof frame);
    assert_true(skiff_cap_ring_put(&r, 1, frame, 1000));
    assert_true(skiff_cap_ring_put(&r, 2, frame, 1000));
    assert_true(skiff_cap_ring_put(&r, 3, frame, 1000));
    assert_true(skiff_cap_ring_put(&r, 4, frame, 1000)); /* 4 x 1024 bytes: full */
    memset(frame, 0x55, sizeof frame);
    assert_false(skiff_cap_ring_put(&r, 5, frame, 1)); /* not even 32 bytes more */
    uint64_t pos = 0;
    const struct skiff_cap_rec *rec = skiff_cap_ring_peek(&r, &pos);
    assert_non_null(rec);
    assert_int_equal(((const uint8_t *)(rec + 1))[999], 0xaa);
    /* Peeked but not released: still full. */
    assert_false(skiff_cap_ring_put(&r, 6, frame, 1000));
    skiff_cap_ring_release(&r, pos);
    assert_true(skiff_cap_ring_put(&r, 7, frame, 1000));
    assert_int_equal(r.c.skipped, 2);
    assert_int_equal(r.c.queued, 5);
    /* The record behind the released one is still intact. */
    rec = skiff_cap_ring_peek(&r, &pos);
    assert_non_null(rec);
    assert_int_equal(rec->ts_ns, 2);
    assert_int_equal(((const uint8_t *)(rec + 1))[0], 0xaa);
    skiff_cap_ring_fini(&r);
}

static void test_snaplen_truncates(void **state)
{
    (void)state;
    struct skiff_cap_ring r;
    uint8_t frame[3000];
    fill(frame, sizeof frame, 9);
    assert_int_equal(skiff_cap_ring_init(&r, 16384, 128), 0);
    assert_true(skiff_cap_ring_put(&r, 7, frame, sizeof frame));
    uint64_t pos = 0;
    const struct skiff_cap_rec *rec = skiff_cap_ring_peek(&r, &pos);
    assert_non_null(rec);
    assert_int_equal(rec->caplen, 128);
    assert_int_equal(rec->origlen, 3000);
    assert_true(check((const uint8_t *)(rec + 1), 128, 9));
    assert_null(skiff_cap_ring_peek(&r, &pos));
    skiff_cap_ring_fini(&r);
}

/* try_put (the drain of a guest's capture channel): the caller's origlen is
 * kept, more than snaplen is refused, and a full ring is not counted as
 * skipped (the record stays in the guest's channel). */
static void test_try_put(void **state)
{
    (void)state;
    struct skiff_cap_ring r;
    uint8_t frame[1000];
    fill(frame, sizeof frame, 3);
    assert_int_equal(skiff_cap_ring_init(&r, 4096, 1000), 0);
    assert_false(skiff_cap_ring_try_put(&r, 1, frame, 1001, 1001));
    assert_true(skiff_cap_ring_try_put(&r, 2, frame, 100, 1514));
    for (int i = 0; i < 3; i++)
        assert_true(skiff_cap_ring_try_put(&r, 3, frame, 1000, 1000));
    assert_false(skiff_cap_ring_try_put(&r, 4, frame, 1000, 1000));
    assert_int_equal(r.c.skipped, 0);
    assert_int_equal(r.c.queued, 4);
    uint64_t pos = 0;
    const struct skiff_cap_rec *rec = skiff_cap_ring_peek(&r, &pos);
    assert_non_null(rec);
    assert_int_equal(rec->ts_ns, 2);
    assert_int_equal(rec->caplen, 100);
    assert_int_equal(rec->origlen, 1514);
    assert_true(check((const uint8_t *)(rec + 1), 100, 3));
    skiff_cap_ring_fini(&r);
}

/* Two threads: everything the producer was told went in comes out intact. */
#define RACE_FRAMES 400000u
struct race {
    struct skiff_cap_ring r;
    int done;
};

static void *producer(void *arg)
{
    struct race *x = arg;
    uint8_t frame[512];
    for (uint32_t i = 0; i < RACE_FRAMES; i++) {
        uint32_t len = 14 + (i * 13u) % 480;
        fill(frame, len, i);
        (void)skiff_cap_ring_put(&x->r, i, frame, len);
    }
    CMM_STORE_SHARED(x->done, 1);
    return NULL;
}

static void test_threads_race(void **state)
{
    (void)state;
    struct race x = { 0 };
    assert_int_equal(skiff_cap_ring_init(&x.r, 65536, 512), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, producer, &x), 0);
    uint64_t pos = 0, got = 0, last = 0;
    bool first = true;
    for (;;) {
        int done = CMM_LOAD_SHARED(x.done);
        const struct skiff_cap_rec *rec;
        while ((rec = skiff_cap_ring_peek(&x.r, &pos)) != NULL) {
            uint32_t i = (uint32_t)rec->ts_ns;
            assert_true(first || i > last); /* in order; skipped ones leave gaps */
            assert_int_equal(rec->caplen, 14 + (i * 13u) % 480);
            assert_true(check((const uint8_t *)(rec + 1), rec->caplen, i));
            first = false;
            last = i;
            got++;
        }
        skiff_cap_ring_release(&x.r, pos);
        if (done && skiff_cap_ring_peek(&x.r, &pos) == NULL)
            break;
    }
    pthread_join(t, NULL);
    assert_int_equal(got, x.r.c.queued);
    assert_int_equal(x.r.c.queued + x.r.c.skipped, RACE_FRAMES);
    skiff_cap_ring_fini(&x.r);
}

/* The writer's bytes: the pcap format, exactly. */
static void test_pcap_bytes(void **state)
{
    (void)state;
    char path[] = "/tmp/skiff-pcap-test-XXXXXX";
    int tmp = mkstemp(path);
    assert_true(tmp >= 0);
    close(tmp);
    struct skiff_pcap_writer w;
    assert_int_equal(skiff_pcap_open(&w, path, 1024, 4096), 0);
    struct {
        struct skiff_cap_rec h;
        uint8_t data[64];
    } rec = { .h = { .ts_ns = 1700000000123456789ull, .caplen = 60, .origlen = 1514 } };
    fill(rec.data, 60, 3);
    assert_true(skiff_pcap_stage(&w, &rec.h));
    bool blocked = true;
    assert_int_equal(skiff_pcap_flush(&w, &blocked), 1);
    assert_false(blocked);
    skiff_pcap_close(&w);

    uint8_t buf[256];
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    unlink(path);
    assert_int_equal(n, 24 + 16 + 60);
    uint32_t u32;
    uint16_t u16;
    memcpy(&u32, buf, 4);
    assert_int_equal(u32, 0xa1b23c4du); /* nanosecond time stamps */
    memcpy(&u16, buf + 4, 2);
    assert_int_equal(u16, 2);
    memcpy(&u16, buf + 6, 2);
    assert_int_equal(u16, 4);
    memcpy(&u32, buf + 16, 4);
    assert_int_equal(u32, 1024); /* snaplen */
    memcpy(&u32, buf + 20, 4);
    assert_int_equal(u32, 1); /* LINKTYPE_ETHERNET */
    memcpy(&u32, buf + 24, 4);
    assert_int_equal(u32, 1700000000u);
    memcpy(&u32, buf + 28, 4);
    assert_int_equal(u32, 123456789u);
    memcpy(&u32, buf + 32, 4);
    assert_int_equal(u32, 60);
    memcpy(&u32, buf + 36, 4);
    assert_int_equal(u32, 1514);
    assert_true(check(buf + 40, 60, 3));
}

/* A FIFO nobody reads: the writer reports "blocked", never waits. */
static void test_pcap_blocked_fifo(void **state)
{
    (void)state;
    char dir[] = "/tmp/skiff-pcap-fifo-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/f", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    struct skiff_pcap_writer w;
    /* No reader: refused at once (ENXIO), not a hang. */
    assert_int_equal(skiff_pcap_open(&w, path, 2048, 8192), -ENXIO);
    int rd = open(path, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    assert_int_equal(skiff_pcap_open(&w, path, 2048, 8192), 0);
    struct {
        struct skiff_cap_rec h;
        uint8_t data[2048];
    } rec = { .h = { .ts_ns = 1, .caplen = 2048, .origlen = 2048 } };
    bool blocked = false;
    uint64_t written = 0;
    for (int i = 0; i < 200 && !blocked; i++) {
        while (skiff_pcap_stage(&w, &rec.h))
            ;
        written += skiff_pcap_flush(&w, &blocked);
    }
    assert_true(blocked);
    assert_false(w.failed);
    assert_true(written < 200 * 3);
    skiff_pcap_close(&w);
    close(rd);
    unlink(path);
    rmdir(dir);
}

/* --pcap-limit: files never pass the limit, except a file of one record
 * larger than the limit; rotation leaves FILE.1 and a fresh FILE. */
static void test_pcap_rotation(void **state)
{
    (void)state;
    char dir[] = "/tmp/skiff-pcap-rot-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], path1[70];
    snprintf(path, sizeof path, "%s/c.pcap", dir);
    snprintf(path1, sizeof path1, "%s/c.pcap.1", dir);
    struct skiff_pcap_writer w;
    assert_int_equal(skiff_pcap_open(&w, path, 2048, 8192), 0);
    assert_int_equal(skiff_pcap_set_limit(&w, path, 24 + 2 * (16 + 100)), 0);
    struct {
        struct skiff_cap_rec h;
        uint8_t data[600];
    } rec = { .h = { .ts_ns = 1, .caplen = 100, .origlen = 100 } };
    bool blocked;
    assert_true(skiff_pcap_stage(&w, &rec.h));
    assert_true(skiff_pcap_stage(&w, &rec.h));
    assert_false(skiff_pcap_stage(&w, &rec.h)); /* a third would pass the limit */
    assert_true(w.rotate);
    assert_int_equal(skiff_pcap_flush(&w, &blocked), 2);
    skiff_pcap_rotate(&w);
    assert_false(w.failed);
    /* A record larger than the limit still gets written, alone. */
    rec.h.caplen = rec.h.origlen = 600;
    assert_true(skiff_pcap_stage(&w, &rec.h));
    assert_false(skiff_pcap_stage(&w, &rec.h));
    assert_int_equal(skiff_pcap_flush(&w, &blocked), 1);
    skiff_pcap_rotate(&w);
    assert_int_equal(skiff_pcap_flush(&w, &blocked), 0); /* the new header */
    assert_int_equal(w.rotations, 2);
    skiff_pcap_close(&w);
    struct stat st;
    assert_int_equal(stat(path1, &st), 0);
    assert_int_equal(st.st_size, 24 + 16 + 600);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 24);
    unlink(path);
    unlink(path1);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_rejects_bad_geometry),
        cmocka_unit_test(test_fill_drain_wrap),
        cmocka_unit_test(test_full_refuses_without_overwrite),
        cmocka_unit_test(test_snaplen_truncates),
        cmocka_unit_test(test_try_put),
        cmocka_unit_test(test_threads_race),
        cmocka_unit_test(test_pcap_bytes),
        cmocka_unit_test(test_pcap_blocked_fifo),
        cmocka_unit_test(test_pcap_rotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
