/*
 * bench/ring: declarations shared by the driver (ring.c) and the code that
 * runs one measurement (ring_run.c).
 */
#ifndef SKIFF_RING_BENCH_H
#define SKIFF_RING_BENCH_H

#include <stdint.h>

enum ring_rmode {
    RING_READ_COPY, /* shms_read: copy each frame out */
    RING_READ_PEEK, /* shms_reader_peek: frames in place, one release per batch */
};

struct ring_cfg {
    uint32_t frame; /* frame bytes (>= 8: the sequence number) */
    uint32_t batch; /* frames per publish, on both sides */
    enum ring_rmode rmode;
    uint64_t slot_size; /* channel geometry */
    uint64_t elements;
    double seconds;   /* how long the writer keeps producing */
    int cpu_w, cpu_r; /* CPUs to pin to, -1 = leave to the scheduler */
};

struct ring_result {
    uint64_t frames;  /* frames written and verified by the reader */
    double seconds;   /* first frame allowed .. last frame read */
    double cpu_share; /* CPU time / wall time of the less served thread:
                       * below ~0.9 other load took our CPUs away */
};

/* Monotonic clock in seconds. */
double ring_now(void);

/* One writer/reader run in lossless mode. 0 on success, -1 (message
 * printed) if the ring misbehaved or threads could not be started. */
int ring_run(const struct ring_cfg *cfg, struct ring_result *res);

/* Single-thread memcpy bandwidth (GB/s) for frames of `frame` bytes copied
 * slot by slot between two buffers with the ring's geometry. */
double ring_memcpy_gbps(uint32_t frame, uint64_t slot_size, uint64_t elements, double seconds);

#endif /* SKIFF_RING_BENCH_H */
