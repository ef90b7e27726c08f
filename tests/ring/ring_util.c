/*
 * Helpers shared by the ring tests (see ring_util.h).
 */
#include "ring_util.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static void die(const char *what)
{
    perror(what);
    abort();
}

void *ru_guarded_alloc(struct ru_guarded *g, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (len + page - 1) / page * page;
    uint8_t *map;

    if (body == 0)
        body = page;
    g->map_len = body + 2 * page;
    map = mmap(NULL, g->map_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        die("mmap");
    if (mprotect(map + page, body, PROT_READ | PROT_WRITE) != 0)
        die("mprotect");
    g->map = map;
    /* Flush against the upper guard: one byte past the end faults. The
     * lower guard catches negative offsets. */
    g->mem = map + page + body - len;
    g->len = len;
    memset(g->mem, 0, len);
    return g->mem;
}

void ru_guarded_free(struct ru_guarded *g)
{
    if (g->map != NULL)
        munmap(g->map, g->map_len);
    g->map = NULL;
}

void ru_chan_open(struct ru_chan *c, uint64_t size, uint64_t elements)
{
    c->geo.protocol = RU_PROTO;
    c->geo.size = size;
    c->geo.elements = elements;
    c->mem_len = shms_channel_bytes(&c->geo);
    if (c->mem_len == 0) {
        fprintf(stderr, "invalid test geometry %llu x %llu\n", (unsigned long long)size,
                (unsigned long long)elements);
        abort();
    }
    /* Channel sizes are multiples of 16, so the flush placement keeps the
     * header 16-byte aligned. */
    c->mem = ru_guarded_alloc(&c->mem_map, c->mem_len);
    c->ctrl = ru_guarded_alloc(&c->ctrl_map, sizeof(struct shms_ctrl));
}

void ru_chan_close(struct ru_chan *c)
{
    ru_guarded_free(&c->mem_map);
    ru_guarded_free(&c->ctrl_map);
}

void ru_set_counters(struct shms_writer *w, struct shms_reader *r, uint64_t start)
{
    w->wc = start;
    w->rc_cache = start;
    w->hdr->wsc = start;
    w->hdr->wc = start;
    r->rc = r->released = r->wc_cache = start;
    if (r->ctrl != NULL)
        r->ctrl->rc = start;
}

/* --- frames --------------------------------------------------------------
 * Layout: id (8 bytes), len (4), checksum (4), then bytes derived from id.
 * The checksum covers everything but itself, so a frame assembled from two
 * different writes, truncated or shifted fails the check. */

static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static uint32_t frame_sum(const uint8_t *p, uint32_t len)
{
    uint32_t h = fnv1a(2166136261u, p, 12);
    return fnv1a(h, p + 16, len - 16);
}

void ru_frame_fill(void *buf, uint32_t len, uint64_t id)
{
    uint8_t *p = buf;
    uint64_t s = id * 0x9e3779b97f4a7c15ULL + 1;
    uint32_t sum;
    uint32_t i = 16;

    memcpy(p, &id, 8);
    memcpy(p + 8, &len, 4);
    for (; i + 8 <= len; i += 8) {
        uint64_t v = ru_rand(&s);
        memcpy(p + i, &v, 8);
    }
    for (; i < len; i++)
        p[i] = (uint8_t)ru_rand(&s);
    sum = frame_sum(p, len);
    memcpy(p + 12, &sum, 4);
}

bool ru_frame_check(const void *buf, uint32_t len, uint64_t *id)
{
    const uint8_t *p = buf;
    uint32_t flen, sum;

    if (len < RU_FRAME_MIN)
        return false;
    memcpy(id, p, 8);
    memcpy(&flen, p + 8, 4);
    memcpy(&sum, p + 12, 4);
    return flen == len && sum == frame_sum(p, len);
}

bool ru_track_frame(struct ru_track *t, uint64_t id)
{
    if (id != t->next) {
        if (!t->after_overrun || id < t->next)
            return false;
        t->lost += id - t->next;
    }
    t->next = id + 1;
    t->received++;
    t->after_overrun = false;
    return true;
}

void ru_track_overrun(struct ru_track *t)
{
    t->overruns++;
    t->after_overrun = true;
}

bool ru_track_finish(struct ru_track *t, uint64_t total)
{
    if (t->next != total) { /* the tail was overrun */
        if (!t->after_overrun || t->next > total)
            return false;
        t->lost += total - t->next;
        t->next = total;
    }
    return t->received + t->lost == total;
}

void ru_lossy_start(struct ru_lossy *l, uint64_t size, uint64_t elements, bool with_ctrl,
                    void *(*writer)(void *), void *arg)
{
    ru_chan_open(&l->c, size, elements);
    shms_reader_init(&l->r, l->c.mem, l->c.mem_len, with_ctrl ? l->c.ctrl : NULL, &l->c.geo,
                     SHMS_MODE_LOSSY);
    memset(&l->t, 0, sizeof l->t);
    assert_int_equal(pthread_create(&l->writer, NULL, writer, arg), 0);
}

bool ru_lossy_sync(struct ru_lossy *l)
{
    int rv = shms_reader_sync(&l->r);
    assert_true(rv == SHMS_OK || rv == SHMS_INACTIVE);
    return rv == SHMS_OK;
}

int ru_lossy_read(struct ru_lossy *l, void *buf, uint32_t size)
{
    uint32_t len = 0;
    uint64_t id = 0;
    int rv = shms_read(&l->r, buf, size, &len);

    if (rv == SHMS_OK) {
        assert_true(ru_frame_check(buf, len, &id)); /* never torn */
        assert_true(ru_track_frame(&l->t, id));     /* gaps only after OVERRUN */
    } else if (rv == SHMS_OVERRUN) {
        ru_track_overrun(&l->t);
    } else {
        assert_int_equal(rv, SHMS_NO_DATA);
    }
    return rv;
}

void ru_lossy_join(struct ru_lossy *l)
{
    pthread_join(l->writer, NULL);
    if (ru_failed())
        fail_msg("%s", ru_failure());
}

uint64_t ru_hostile_value(uint64_t *rng, uint64_t current)
{
    static const uint64_t extreme[] = {
        0,
        1,
        2,
        15,
        16,
        128,
        4096,
        1u << 20,
        (1u << 20) + 1,
        0x7fffffff,
        0xffffffff,
        0x100000000ull,
        INT64_MAX,
        (uint64_t)INT64_MAX + 1,
        UINT64_MAX - 1,
        UINT64_MAX,
    };

    switch (ru_rand(rng) % 4) {
    case 0: return ru_rand(rng);
    case 1: return extreme[ru_rand(rng) % (sizeof(extreme) / sizeof(extreme[0]))];
    case 2: /* counter going backwards or jumping ahead a little */
        return current + ru_range(rng, 0, 64) - 32;
    default: /* far jump */ return current + (ru_rand(rng) >> (ru_rand(rng) % 64));
    }
}

/* --- sleeping ------------------------------------------------------------ */

int ru_efd_new(void)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

    if (fd < 0)
        die("eventfd");
    return fd;
}

void ru_efd_kick(int fd)
{
    uint64_t one = 1;

    if (write(fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
        die("eventfd write");
}

bool ru_efd_wait(int fd, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    uint64_t v;
    int n;

    do
        n = poll(&pfd, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        die("poll");
    if (n == 0)
        return false;
    if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        die("eventfd read");
    return true;
}

uint64_t ru_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- failures from threads ------------------------------------------------ */

static atomic_int failed;
static char failure[256];

void ru_fail(const char *file, int line, const char *what)
{
    int expected = 0;

    if (atomic_compare_exchange_strong(&failed, &expected, 1)) {
        snprintf(failure, sizeof(failure), "%s:%d: %s", file, line, what);
        fprintf(stderr, "FAILED %s\n", failure);
        atomic_store(&failed, 2); /* message complete */
    }
}

bool ru_failed(void)
{
    return atomic_load(&failed) != 0;
}

void ru_fail_reset(void)
{
    atomic_store(&failed, 0);
}

const char *ru_failure(void)
{
    while (atomic_load(&failed) == 1)
        ; /* another thread is still writing the message */
    return atomic_load(&failed) ? failure : "";
}
