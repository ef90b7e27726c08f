/*
 * A bounded single-producer, single-consumer byte ring of captured frames:
 * the datapath thread (producer) copies each frame in with its time stamp,
 * the capture writer thread (consumer) takes them out for the pcap file.
 * The producer never waits: a frame that does not fit is counted as not
 * captured and the datapath carries on. Ordering is explicit (liburcu
 * barriers), so it holds on weakly ordered CPUs too.
 *
 * Records are 16-byte aligned and never wrap: a record that would cross the
 * end of the buffer is preceded by a wrap marker and starts at offset 0.
 */
#ifndef SKIFF_CAPTURE_RING_H
#define SKIFF_CAPTURE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One captured frame as it sits in the ring (data follows). */
struct skiff_cap_rec {
    uint64_t ts_ns;   /* CLOCK_REALTIME when the frame crossed the tender */
    uint32_t caplen;  /* bytes of data that follow (<= snaplen); or WRAP */
    uint32_t origlen; /* the frame's length on the wire */
};
_Static_assert(sizeof(struct skiff_cap_rec) == 16, "capture record header is 16 bytes");

#define SKIFF_CAP_REC_ALIGN 16u
#define SKIFF_CAP_REC_WRAP  UINT32_MAX

/* Counters: each has one writer; readers use CMM_LOAD_SHARED. */
struct skiff_cap_counters {
    uint64_t queued;    /* producer: frames copied into the ring */
    uint64_t skipped;   /* producer: frames that found the ring full */
    uint64_t written;   /* consumer: frames written to the file */
    uint64_t lost;      /* consumer: frames taken out but not written (file
                         * error, or still blocked when the run ended) */
    uint64_t rotations; /* consumer: --pcap-limit rotations */
    /* spt --io=direct (the guest's capture channel; capture.c): */
    uint64_t guest_full; /* frames the guest found its channel full for */
    uint64_t refused;    /* records the channel held that made no sense */
};

struct skiff_cap_ring {
    /* Producer's line. */
    uint64_t head __attribute__((aligned(64))); /* bytes produced (published) */
    uint64_t tail_cache;                        /* last tail seen */
    /* Consumer's line. */
    uint64_t tail __attribute__((aligned(64))); /* bytes consumed (released) */
    /* Fixed at set-up. */
    uint8_t *buf __attribute__((aligned(64)));
    uint32_t size;    /* bytes, a power of two */
    uint32_t snaplen; /* at most this many bytes of a frame are kept */
    struct skiff_cap_counters c;
};

/* size: a power of two >= 4096 and > snaplen + 2 records. 0 or -errno. */
int skiff_cap_ring_init(struct skiff_cap_ring *r, uint32_t size, uint32_t snaplen);
void skiff_cap_ring_fini(struct skiff_cap_ring *r);

/*
 * Producer: copy min(len, snaplen) bytes of a frame of `len` bytes, time
 * stamped ts_ns. Returns false (and counts it skipped) if it does not fit.
 */
bool skiff_cap_ring_put(struct skiff_cap_ring *r, uint64_t ts_ns, const void *data, uint32_t len);

/*
 * Producer: queue a record of `caplen` bytes (<= snaplen) of a frame of
 * `origlen` bytes, without counting a full ring as skipped (the caller
 * keeps the frame and tries again later). false if it does not fit.
 */
bool skiff_cap_ring_try_put(struct skiff_cap_ring *r, uint64_t ts_ns, const void *data,
                            uint32_t caplen, uint32_t origlen);

/*
 * Consumer: the next record, or NULL if the ring is empty. The record stays
 * valid until skiff_cap_ring_release(); peek again before releasing to take
 * the one after it (records peeked are released together).
 */
const struct skiff_cap_rec *skiff_cap_ring_peek(struct skiff_cap_ring *r, uint64_t *pos);
/* Consumer: give back everything up to `pos` (from the last peek). */
void skiff_cap_ring_release(struct skiff_cap_ring *r, uint64_t pos);

#endif /* SKIFF_CAPTURE_RING_H */
