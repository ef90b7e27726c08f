/*
 * The io_uring packet-I/O implementation: a batch of reads (hard-linked:
 * each runs whatever the previous found) or writes (linked: a write that
 * fails cancels the rest, so frames never reach the fd out of order) with
 * one io_uring_enter, on the restricted ring of tap_uring.h. A ring that
 * fails says so once and leaves this NIC (and, as the ring is shared and
 * marked broken, every NIC) to the per-frame implementation.
 */
#include "datapath/pktio.h"

#include <stdio.h>
#include <string.h>

/* The ring failed (rc: -errno) or failed before: per frame from now on. */
static void fall_back(struct skiff_pktio *p, int rc)
{
    if (rc < 0)
        fprintf(stderr,
                "skiff: warning: net %s: io_uring failed (%s); one read/write per frame from "
                "now on\n",
                p->nic_name, strerror(-rc));
    p->ops = &skiff_pktio_rw;
}

static unsigned uring_read(struct skiff_pktio *p, const struct iovec *iov, unsigned k,
                           struct skiff_pkt_res *res)
{
    int raw[SKIFF_PKTIO_MAX];
    if (k > SKIFF_PKTIO_MAX)
        k = SKIFF_PKTIO_MAX;
    int rc = p->ring->broken ? 0 : skiff_uring_readv(p->ring, p->ring_idx, iov, k, raw);
    if (p->ring->broken) {
        fall_back(p, rc);
        return skiff_pktio_rw.read(p, iov, k, res);
    }
    for (unsigned i = 0; i < k; i++)
        skiff_pkt_read_result(&res[i], raw[i]);
    return k;
}

static unsigned uring_write(struct skiff_pktio *p, const void *const *buf, const uint32_t *len,
                            unsigned k, struct skiff_pkt_res *res)
{
    int raw[SKIFF_PKTIO_MAX];
    if (k > SKIFF_PKTIO_MAX)
        k = SKIFF_PKTIO_MAX;
    int rc = p->ring->broken ? 0 : skiff_uring_write(p->ring, p->ring_idx, buf, len, k, raw);
    if (p->ring->broken) {
        fall_back(p, rc);
        return skiff_pktio_rw.write(p, buf, len, k, res);
    }
    for (unsigned i = 0; i < k; i++) {
        skiff_pkt_write_result(&res[i], raw[i], len[i]);
        if (res[i].status != SKIFF_PKT_OK) {
            /* Linked: whatever follows was cancelled (-ECANCELED). */
            for (unsigned j = i + 1; j < k; j++)
                res[j] = (struct skiff_pkt_res){ .status = SKIFF_PKT_NOT_RUN };
            return i + 1;
        }
    }
    return k;
}

const struct skiff_pktio_ops skiff_pktio_uring = {
    .name = "io_uring",
    .read = uring_read,
    .write = uring_write,
};

void skiff_pktio_uring_init(struct skiff_pktio *p, int fd, const char *nic_name,
                            struct skiff_uring *ring, unsigned idx)
{
    *p = (struct skiff_pktio){
        .ops = &skiff_pktio_uring, .fd = fd, .nic_name = nic_name, .ring = ring, .ring_idx = idx
    };
}
