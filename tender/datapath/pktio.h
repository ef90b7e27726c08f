/*
 * The packet-I/O seam: move a batch of frames on one NIC's packet fd and
 * say, frame by frame, what became of each. The datapath's RX and TX commit
 * loops (rx.c, tx.c) are written once against this interface; what is
 * behind it is one read(2)/write(2) per frame (pktio_rw.c) or one
 * io_uring_enter per batch (pktio_uring.c, on the ring of pktio_uring.h).
 *
 * Contract shared by both implementations:
 * - A batch runs in order and stops at the first frame that did not move
 *   in full: that frame gets its verdict, the frames behind it get
 *   SKIFF_PKT_NOT_RUN (never attempted; they stay the caller's to retry).
 *   Two exceptions, which the callers handle as any other verdicts:
 *   io_uring's RX batch runs every read (hard-linked) and may report
 *   frames behind a hole; the caller commits them in order either way.
 *   The per-frame TX batch goes on past a lost frame (DROP), as separate
 *   writes do: one bad frame must not send 31 others back to the ring.
 * - Nothing blocks: an empty (RX) or full (TX) fd is SKIFF_PKT_AGAIN.
 * - Results are classified here, once: the datapath never looks at errno.
 */
#ifndef SKIFF_PKTIO_H
#define SKIFF_PKTIO_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "datapath/pktio_uring.h"
#include "net/nic.h"
#include "skiff/closed.h"

/* Most frames one call moves. */
#define SKIFF_PKTIO_MAX 32u

enum skiff_pkt_status {
    SKIFF_PKT_OK,      /* moved: `len` bytes (RX: > 0; TX: the whole frame) */
    SKIFF_PKT_AGAIN,   /* nothing moved now: would block (err EAGAIN), or a
                        * transient read error (err ENOBUFS, ...) */
    SKIFF_PKT_GONE,    /* the fd is gone: end of file (err 0) or an error
                        * that means the device went away; a TX frame is
                        * dropped with reason `drop` */
    SKIFF_PKT_DROP,    /* TX: this frame is lost (err, `drop` says how the
                        * counters file it); the next one may fare better */
    SKIFF_PKT_NOT_RUN, /* not attempted: an earlier frame of the batch failed
                        * (or io_uring never took it: err ECANCELED) */
};

struct skiff_pkt_res {
    uint8_t status; /* enum skiff_pkt_status */
    uint8_t drop;   /* TX GONE/DROP: enum skiff_drop */
    int err;        /* errno behind AGAIN/GONE/DROP (0: end of file, short write) */
    uint32_t len;   /* OK: bytes moved */
};

struct skiff_pktio;

/* One implementation (kvmtool's net_dev_operations play the same part). */
struct skiff_pktio_ops {
    const char *name; /* "readv" or "io_uring" (--stats) */
    /*
     * Read up to k frames, frame i into the iov pair iov[2i], iov[2i+1]
     * (slot, then the one scratch byte that turns an over-long frame into
     * an over-long read). k <= SKIFF_PKTIO_MAX. Fills res[0..k-1]; returns how many reads ran.
     */
    unsigned (*read)(struct skiff_pktio *p, const struct iovec *iov, unsigned k,
                     struct skiff_pkt_res *res);
    /* Write k frames (buf[i], len[i] bytes each), in order. Fills
     * res[0..k-1]; returns how many writes ran. */
    unsigned (*write)(struct skiff_pktio *p, const void *const *buf, const uint32_t *len,
                      unsigned k, struct skiff_pkt_res *res);
};

/* One NIC's packet fd as the datapath sees it. */
struct skiff_pktio {
    const struct skiff_pktio_ops *ops;
    int fd;
    const char *nic_name;     /* for the one line if io_uring fails */
    struct skiff_uring *ring; /* io_uring only: the shared ring, */
    unsigned ring_idx;        /* and this fd's registered-file index */
};

extern const struct skiff_pktio_ops skiff_pktio_rw;
extern const struct skiff_pktio_ops skiff_pktio_uring;

/* One read/write per frame on `fd`. */
void skiff_pktio_rw_init(struct skiff_pktio *p, int fd, const char *nic_name);
/* Batches on `ring` (fd registered at index `idx`). If the ring fails, a
 * line says so and this pktio moves frames one by one from then on. */
void skiff_pktio_uring_init(struct skiff_pktio *p, int fd, const char *nic_name,
                            struct skiff_uring *ring, unsigned idx);

/* Does one call move a whole batch with one system call? (Batch sizing and
 * the tap_batches counter care; a failed ring no longer does.) */
static inline bool skiff_pktio_batched(const struct skiff_pktio *p)
{
    return p->ops == &skiff_pktio_uring && !p->ring->broken;
}

static inline unsigned skiff_pktio_read(struct skiff_pktio *p, const struct iovec *iov, unsigned k,
                                        struct skiff_pkt_res *res)
{
    return p->ops->read(p, iov, k, res);
}

static inline unsigned skiff_pktio_write(struct skiff_pktio *p, const void *const *buf,
                                         const uint32_t *len, unsigned k, struct skiff_pkt_res *res)
{
    return p->ops->write(p, buf, len, k, res);
}

/* Frames [from, k) of a batch were never attempted: an earlier frame failed
 * (per-frame I/O stops there; io_uring's linked writes were cancelled). */
static inline void skiff_pkt_not_run(struct skiff_pkt_res *res, unsigned from, unsigned k)
{
    for (unsigned i = from; i < k; i++)
        res[i] = (struct skiff_pkt_res){ .status = SKIFF_PKT_NOT_RUN };
}

/*
 * Classify one read's result (bytes, or -errno) and one write's (bytes
 * written of `want`, or -errno): the one place errno becomes a verdict.
 */
static inline void skiff_pkt_read_result(struct skiff_pkt_res *r, long n)
{
    r->drop = 0;
    r->len = 0;
    r->err = n < 0 ? (int)-n : 0;
    if (r->err == ECANCELED) {
        r->status = SKIFF_PKT_NOT_RUN; /* io_uring: never read */
        return;
    }
    switch (skiff_net_read_result(n)) { /* skiff/closed.h: every mode's mapping */
    case SKIFF_NET_OK:
        r->status = SKIFF_PKT_OK;
        r->len = (uint32_t)n;
        break;
    case SKIFF_NET_CLOSED:
        r->status = SKIFF_PKT_GONE; /* end of file; EBADFD: TAP deleted; ECONNRESET... */
        break;
    case SKIFF_NET_AGAIN:
    case SKIFF_NET_ERROR:
        r->status = SKIFF_PKT_AGAIN; /* EAGAIN, or transient (ENOBUFS, EINTR...) */
        break;
    }
}

static inline void skiff_pkt_write_result(struct skiff_pkt_res *r, long n, uint32_t want)
{
    r->drop = 0;
    r->len = 0;
    r->err = n < 0 ? (int)-n : 0;
    if (r->err == ECANCELED || r->err == EINTR) {
        r->status = SKIFF_PKT_NOT_RUN; /* io_uring: not written, back to the ring */
        return;
    }
    switch (skiff_net_write_result(n, want)) { /* skiff/closed.h: every mode's mapping */
    case SKIFF_NET_OK:
        r->status = SKIFF_PKT_OK;
        r->len = want;
        break;
    case SKIFF_NET_AGAIN: r->status = SKIFF_PKT_AGAIN; break;
    case SKIFF_NET_CLOSED: /* the device is gone: the frame is lost, the NIC closes */
        r->drop = (uint8_t)skiff_tx_drop_reason(r->err);
        r->status = SKIFF_PKT_GONE;
        break;
    case SKIFF_NET_ERROR: /* EIO (TAP down), EMSGSIZE, a short write...: this frame is lost */
        r->drop = (uint8_t)skiff_tx_drop_reason(r->err);
        r->status = SKIFF_PKT_DROP;
        break;
    }
}

/* An fd reported readable with nothing to read: hung up (or in error)? */
bool skiff_pktio_hung_up(const struct skiff_pktio *p);

#endif /* SKIFF_PKTIO_H */
