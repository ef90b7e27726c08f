/*
 * bench/ring: one measurement. A writer thread and a reader thread, pinned to
 * different CPUs, move numbered frames through a lossless channel as fast as
 * they can (busy polling, no notifications), and a single-thread memcpy
 * reference for the same frame size and buffer geometry.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu/arch.h>
#include <urcu/compiler.h>
#include <urcu/system.h>
#include <urcu/uatomic.h>

#include "ring_bench.h"
#include "shmstream/shmstream.h"

#define BENCH_PROTOCOL SHMS_PROTOCOL_ETH
#define BENCH_EPOCH    0x62656e6368ull /* any non-zero value */

/*
 * Everything both threads touch. The writer's and reader's private ring
 * state get a cache line of their own each, so the only lines that move
 * between CPUs are the ones the protocol itself shares (plus `stop`/`done`,
 * read once per batch / once per idle poll).
 */
struct bench {
    _Alignas(64) struct shms_writer w;
    _Alignas(64) struct shms_reader r;
    _Alignas(64) const struct ring_cfg *cfg;
    int ready; /* threads that reached the start line */
    int go;
    int stop; /* main -> writer: stop producing */
    int done; /* writer -> reader: `total` is final */
    uint64_t total;
    _Alignas(64) double t_end; /* reader: time the last frame was verified */
    double cpu_w, cpu_r;       /* CPU seconds each thread used while running */
    int failed;
};

static double thread_cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double ring_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void pin(int cpu)
{
    cpu_set_t set;

    if (cpu < 0)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    /* Best effort: an unpinned run is still a valid (noisier) run. */
    (void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void start_line(struct bench *b)
{
    uatomic_inc(&b->ready);
    while (!CMM_LOAD_SHARED(b->go))
        caa_cpu_relax();
}

static void *writer_main(void *arg)
{
    struct bench *b = arg;
    const struct ring_cfg *cfg = b->cfg;
    uint8_t frame[SHMS_SLOT_MAX];
    uint64_t seq = 0;
    double cpu0;

    pin(cfg->cpu_w);
    memset(frame, 0xa5, cfg->frame);
    start_line(b);
    cpu0 = thread_cpu();
    /* `stop` is polled once per batch so the check stays off the per-frame
     * path; a batch ends early when the ring is full. */
    while (!CMM_LOAD_SHARED(b->stop)) {
        for (uint32_t i = 0; i < cfg->batch; i++) {
            int rv;

            memcpy(frame, &seq, sizeof(seq));
            rv = shms_writer_put(&b->w, frame, cfg->frame);
            if (rv == SHMS_FULL)
                break;
            if (rv != SHMS_OK) {
                fprintf(stderr, "ring: writer: %s\n", shms_result_str(rv));
                CMM_STORE_SHARED(b->failed, 1);
                break;
            }
            seq++;
        }
        if (shms_writer_pending(&b->w) != 0)
            (void)shms_writer_publish(&b->w); /* nobody sleeps: no notify */
        else
            caa_cpu_relax();
        if (CMM_LOAD_SHARED(b->failed))
            break;
    }
    b->cpu_w = thread_cpu() - cpu0;
    CMM_STORE_SHARED(b->total, seq);
    cmm_smp_wmb(); /* total before done (pairs with the reader's rmb) */
    CMM_STORE_SHARED(b->done, 1);
    return NULL;
}

/* Next frame for the reader: its data and length, or a shms_result. */
static int next_frame(struct bench *b, uint8_t *buf, const uint8_t **data, uint32_t *len)
{
    struct shms_rslot rs;
    int rv;

    if (b->cfg->rmode == RING_READ_COPY) {
        rv = shms_read(&b->r, buf, SHMS_SLOT_MAX, len);
        *data = buf;
        return rv;
    }
    rv = shms_reader_peek(&b->r, &rs);
    if (rv == SHMS_OK) {
        *data = rs.data;
        *len = rs.len;
    }
    return rv;
}

static void *reader_main(void *arg)
{
    struct bench *b = arg;
    const struct ring_cfg *cfg = b->cfg;
    static _Thread_local uint8_t buf[SHMS_SLOT_MAX];
    uint64_t expect = 0;
    double cpu0;

    pin(cfg->cpu_r);
    start_line(b);
    cpu0 = thread_cpu();
    for (;;) {
        uint32_t n = 0;

        while (n < cfg->batch) {
            const uint8_t *data;
            uint32_t len;
            uint64_t seq = 0;
            int rv = next_frame(b, buf, &data, &len);

            if (rv == SHMS_NO_DATA)
                break;
            /* Cheap but sufficient: a lost, repeated, reordered or torn
             * frame shows up as a wrong length or sequence number. */
            if (rv == SHMS_OK && len == cfg->frame)
                memcpy(&seq, data, sizeof(seq));
            if (rv != SHMS_OK || len != cfg->frame || seq != expect) {
                fprintf(stderr, "ring: reader: frame %llu: %s (len %u)\n",
                        (unsigned long long)expect, shms_result_str(rv), rv == SHMS_OK ? len : 0);
                CMM_STORE_SHARED(b->failed, 1);
                return NULL;
            }
            expect++;
            n++;
        }
        if (n != 0) {
            if (cfg->rmode == RING_READ_PEEK)
                shms_reader_release(&b->r);
            (void)shms_reader_publish(&b->r); /* writer never waits here */
            continue;
        }
        if (CMM_LOAD_SHARED(b->done)) {
            cmm_smp_rmb();
            if (expect == CMM_LOAD_SHARED(b->total))
                break;
        } else if (CMM_LOAD_SHARED(b->failed)) {
            return NULL;
        }
        caa_cpu_relax();
    }
    b->t_end = ring_now();
    b->cpu_r = thread_cpu() - cpu0;
    return NULL;
}

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int ring_run(const struct ring_cfg *cfg, struct ring_result *res)
{
    const struct shms_geometry g = { BENCH_PROTOCOL, cfg->slot_size, cfg->elements };
    uint64_t chan_bytes = shms_channel_bytes(&g);
    struct bench *b = aligned_alloc(64, sizeof(*b));
    struct shms_ctrl *ctrl = aligned_alloc(4096, 4096);
    void *chan = aligned_alloc(4096, (chan_bytes + 4095) & ~4095ull);
    pthread_t tw, tr;
    double t0;
    int rv = -1;

    if (b == NULL || ctrl == NULL || chan == NULL || chan_bytes == 0) {
        fprintf(stderr, "ring: cannot set up the channel\n");
        goto out;
    }
    memset(b, 0, sizeof(*b));
    memset(ctrl, 0, 4096);
    memset(chan, 0, chan_bytes); /* fault the pages in before timing */
    b->cfg = cfg;
    if (shms_writer_init(&b->w, chan, chan_bytes, ctrl, &g, BENCH_EPOCH, SHMS_MODE_LOSSLESS) !=
        SHMS_OK) {
        fprintf(stderr, "ring: writer init failed\n");
        goto out;
    }
    shms_reader_init(&b->r, chan, chan_bytes, ctrl, &g, SHMS_MODE_LOSSLESS);
    if (shms_reader_sync(&b->r) != SHMS_OK) {
        fprintf(stderr, "ring: reader sync failed\n");
        goto out;
    }
    if (pthread_create(&tw, NULL, writer_main, b) != 0)
        goto out;
    if (pthread_create(&tr, NULL, reader_main, b) != 0) {
        CMM_STORE_SHARED(b->stop, 1);
        CMM_STORE_SHARED(b->go, 1);
        pthread_join(tw, NULL);
        goto out;
    }
    while (uatomic_read(&b->ready) != 2)
        caa_cpu_relax();
    t0 = ring_now();
    uatomic_set(&b->go, 1);
    sleep_s(cfg->seconds);
    uatomic_set(&b->stop, 1);
    pthread_join(tw, NULL);
    pthread_join(tr, NULL);
    if (!b->failed) {
        res->frames = b->total;
        res->seconds = b->t_end - t0;
        res->cpu_share = (b->cpu_w < b->cpu_r ? b->cpu_w : b->cpu_r) / res->seconds;
        rv = 0;
    }
out:
    free(chan);
    free(ctrl);
    free(b);
    return rv;
}

double ring_memcpy_gbps(uint32_t frame, uint64_t slot_size, uint64_t elements, double seconds)
{
    size_t bytes = slot_size * elements;
    uint8_t *src = aligned_alloc(4096, bytes);
    uint8_t *dst = aligned_alloc(4096, bytes);
    uint64_t copies = 0;
    double t0, t;

    if (src == NULL || dst == NULL) {
        free(src);
        free(dst);
        return 0;
    }
    memset(src, 0x5a, bytes);
    memset(dst, 0, bytes);
    t0 = ring_now();
    do {
        for (uint64_t i = 0; i < elements; i++) {
            memcpy(dst + i * slot_size, src + i * slot_size, frame);
            cmm_barrier(); /* keep every copy: dst is never read */
        }
        copies += elements;
        t = ring_now();
    } while (t - t0 < seconds);
    free(src);
    free(dst);
    return (double)frame * (double)copies / (t - t0) / 1e9;
}
