/*
 * The capture ring (capture_ring.h): a power-of-two byte buffer with
 * free-running head and tail counters. The producer publishes a record by
 * storing head after the record's bytes (write barrier); the consumer
 * releases space by storing tail after it has read the records (full
 * barrier), and the producer, before reusing space, re-reads tail behind a
 * full barrier. The producer reads tail only when its cached copy says the
 * ring may be full, so the two threads share a cache line only then.
 */
#include "capture/capture_ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/arch.h>
#include <urcu/compiler.h>
#include <urcu/system.h>

static inline uint32_t rec_bytes(uint32_t caplen)
{
    uint32_t n = (uint32_t)sizeof(struct skiff_cap_rec) + caplen;
    return (n + SKIFF_CAP_REC_ALIGN - 1) & ~(SKIFF_CAP_REC_ALIGN - 1);
}

int skiff_cap_ring_init(struct skiff_cap_ring *r, uint32_t size, uint32_t snaplen)
{
    memset(r, 0, sizeof *r);
    if (size < 4096 || (size & (size - 1)) != 0 || snaplen == 0 ||
        (uint64_t)rec_bytes(snaplen) * 2 > size)
        return -EINVAL;
    /* Page-aligned so the buffer shares no line with anything else. */
    void *buf = NULL;
    if (posix_memalign(&buf, 4096, size) != 0)
        return -ENOMEM;
    r->buf = buf;
    r->size = size;
    r->snaplen = snaplen;
    return 0;
}

void skiff_cap_ring_fini(struct skiff_cap_ring *r)
{
    free(r->buf);
    r->buf = NULL;
}

bool skiff_cap_ring_try_put(struct skiff_cap_ring *r, uint64_t ts_ns, const void *data,
                            uint32_t caplen, uint32_t origlen)
{
    if (caplen > r->snaplen)
        return false;
    uint32_t need = rec_bytes(caplen);
    uint64_t head = r->head; /* only this thread writes it */
    uint32_t off = (uint32_t)head & (r->size - 1);
    uint32_t to_end = r->size - off;
    /* A record never wraps: if it does not fit before the end, the rest of
     * the buffer is skipped (to_end is a record multiple, so >= 16). */
    uint64_t total = need <= to_end ? need : (uint64_t)to_end + need;

    if (head + total - r->tail_cache > r->size) {
        r->tail_cache = CMM_LOAD_SHARED(r->tail);
        /* The consumer's reads of the space it released come before our
         * writes to it (pairs with the barrier in release). */
        cmm_smp_mb();
        if (head + total - r->tail_cache > r->size)
            return false;
    }
    if (need > to_end) {
        struct skiff_cap_rec *w = (struct skiff_cap_rec *)(void *)(r->buf + off);
        w->caplen = SKIFF_CAP_REC_WRAP;
        off = 0;
    }
    struct skiff_cap_rec *rec = (struct skiff_cap_rec *)(void *)(r->buf + off);
    rec->ts_ns = ts_ns;
    rec->caplen = caplen;
    rec->origlen = origlen;
    memcpy(rec + 1, data, caplen);
    /* The record's bytes are visible before the head that publishes them. */
    cmm_smp_wmb();
    CMM_STORE_SHARED(r->head, head + total);
    CMM_STORE_SHARED(r->c.queued, r->c.queued + 1);
    return true;
}

bool skiff_cap_ring_put(struct skiff_cap_ring *r, uint64_t ts_ns, const void *data, uint32_t len)
{
    if (skiff_cap_ring_try_put(r, ts_ns, data, len < r->snaplen ? len : r->snaplen, len))
        return true;
    CMM_STORE_SHARED(r->c.skipped, r->c.skipped + 1);
    return false;
}

const struct skiff_cap_rec *skiff_cap_ring_peek(struct skiff_cap_ring *r, uint64_t *pos)
{
    uint64_t head = CMM_LOAD_SHARED(r->head);
    /* Records are read only after the head that published them. */
    cmm_smp_rmb();
    while (*pos != head) {
        uint32_t off = (uint32_t)*pos & (r->size - 1);
        const struct skiff_cap_rec *rec =
            (const struct skiff_cap_rec *)(const void *)(r->buf + off);
        if (rec->caplen == SKIFF_CAP_REC_WRAP) {
            *pos += r->size - off;
            continue;
        }
        *pos += rec_bytes(rec->caplen);
        return rec;
    }
    return NULL;
}

void skiff_cap_ring_release(struct skiff_cap_ring *r, uint64_t pos)
{
    /* Our reads of the records come before the producer may overwrite them. */
    cmm_smp_mb();
    CMM_STORE_SHARED(r->tail, pos);
}
