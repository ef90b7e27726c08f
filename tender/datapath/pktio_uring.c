/*
 * The io_uring packet-I/O implementation (pktio.h): a batch of reads
 * (hard-linked: each runs whatever the previous found) or writes (linked: a
 * write that fails cancels the rest, so frames never reach the fd out of
 * order) with one io_uring_enter. A ring that fails says so once and leaves
 * this NIC (and, as the ring is shared and marked broken, every NIC) to the
 * per-frame implementation.
 *
 * The ring (pktio_uring.h) starts disabled
 * (IORING_SETUP_R_DISABLED) so the restrictions are in force before any
 * request can be queued: READV and WRITE only, on registered files only
 * (IOSQE_FIXED_FILE required), with links; no further register operations.
 * Seccomp never sees the operations a ring carries, so this is what keeps
 * the I/O thread's allowlist claim true with io_uring_enter allowed. A
 * kernel that refuses non-blocking requests on a packet fd (probe_nowait)
 * fails the set-up: the caller then moves frames one read/write at a time.
 */
#include "datapath/pktio_uring.h"
#include "datapath/pktio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Two directions of one batch never share the ring (each batch is waited
 * for in full), so one batch's worth of entries is enough; twice that
 * leaves room. */
#define SKIFF_URING_ENTRIES 64u

static int fail(char *why, size_t why_len, const char *what, int rc)
{
    snprintf(why, why_len, "%s: %s", what, strerror(-rc));
    return rc;
}

/*
 * Every request is RWF_NOWAIT (an empty fd must say -EAGAIN at once, see
 * ring_readv), and a kernel refuses that flag with EOPNOTSUPP, on
 * every request, for a file it does not mark FMODE_NOWAIT: TAP fds before
 * Linux 6.4 (sockets too on 6.1). The ring would then carry no frame at
 * all, so ask each packet fd once with a read of 0 bytes, which takes
 * nothing from it (TAPs, sockets and pipes return 0 for an empty read
 * before looking for data). 0, or -EOPNOTSUPP with `why` saying so.
 */
static int ring_readv(struct skiff_uring *u, unsigned idx, const struct iovec *iov, unsigned k,
                      int *res);

static int probe_nowait(struct skiff_uring *u, const int *fds, unsigned n, char *why,
                        size_t why_len)
{
    static char none;
    const struct iovec empty[2] = { { &none, 0 }, { &none, 0 } };

    for (unsigned i = 0; i < n; i++) {
        int res = 0;
        if (fds[i] < 0)
            continue;
        int rc = ring_readv(u, i, empty, 1, &res);
        if (rc < 0)
            return fail(why, why_len, "io_uring probe read", rc);
        if (res == -EOPNOTSUPP) {
            snprintf(why, why_len,
                     "RWF_NOWAIT refused on the packet fds (EOPNOTSUPP): TAPs take "
                     "non-blocking io_uring reads and writes from Linux 6.4");
            return res;
        }
    }
    return 0;
}

int skiff_uring_init(struct skiff_uring *u, const int *fds, unsigned n, char *why, size_t why_len)
{
    memset(u, 0, sizeof(*u));
    u->ring.ring_fd = -1;
    int rc = io_uring_queue_init(SKIFF_URING_ENTRIES, &u->ring, IORING_SETUP_R_DISABLED);
    if (rc < 0) {
        u->ring.ring_fd = -1;
        return fail(why, why_len, "io_uring_setup", rc);
    }
    if (n > 0) {
        rc = io_uring_register_files(&u->ring, fds, n);
        if (rc < 0) {
            skiff_uring_fini(u);
            return fail(why, why_len, "io_uring_register_files", rc);
        }
    }
    struct io_uring_restriction res[5];
    memset(res, 0, sizeof(res));
    res[0].opcode = IORING_RESTRICTION_SQE_OP;
    res[0].sqe_op = IORING_OP_READV;
    res[1].opcode = IORING_RESTRICTION_SQE_OP;
    res[1].sqe_op = IORING_OP_WRITE;
    res[2].opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED;
    res[2].sqe_flags = IOSQE_FIXED_FILE | IOSQE_IO_LINK | IOSQE_IO_HARDLINK;
    res[3].opcode = IORING_RESTRICTION_SQE_FLAGS_REQUIRED;
    res[3].sqe_flags = IOSQE_FIXED_FILE;
    res[4].opcode = IORING_RESTRICTION_REGISTER_OP;
    res[4].register_op = IORING_UNREGISTER_FILES; /* skiff_uring_release_files */
    /* The raw register call: Debian's liburing 2.3 declares
     * io_uring_register_restrictions/io_uring_enable_rings but does not
     * export them. */
    rc = io_uring_register((unsigned)u->ring.ring_fd, IORING_REGISTER_RESTRICTIONS, res, 5);
    if (rc < 0) {
        skiff_uring_fini(u);
        return fail(why, why_len, "io_uring_register_restrictions", rc);
    }
    rc = io_uring_register((unsigned)u->ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
    if (rc < 0) {
        skiff_uring_fini(u);
        return fail(why, why_len, "io_uring_enable_rings", rc);
    }
    rc = probe_nowait(u, fds, n, why, why_len);
    if (rc < 0)
        skiff_uring_fini(u);
    return rc;
}

void skiff_uring_release_files(struct skiff_uring *u)
{
    if (u->ring.ring_fd >= 0)
        (void)io_uring_register((unsigned)u->ring.ring_fd, IORING_UNREGISTER_FILES, NULL, 0);
}

void skiff_uring_fini(struct skiff_uring *u)
{
    if (u->ring.ring_fd >= 0)
        io_uring_queue_exit(&u->ring);
    u->ring.ring_fd = -1;
}

int skiff_uring_fd(const struct skiff_uring *u)
{
    return u->ring.ring_fd;
}

/*
 * Submit the queued batch of k and collect every result by index. Returns
 * 0 when res[0..k-1] say what became of each request, or -errno when the
 * ring failed with nothing submitted (nothing ran: the caller moves the
 * batch another way). What the kernel took runs whatever happens next (a
 * cut link chain too), so its results are always collected: moving those
 * frames again would send them twice (TX) or lose the ones it read (RX). A
 * request it did not take (a partial submit: the kernel stops at one it
 * cannot allocate and leaves the rest queued) is -ECANCELED, never run, as
 * a cancelled link is. Either failure marks the ring broken (u->err says
 * why): what stayed queued must never be submitted by a later batch.
 */
static int run(struct skiff_uring *u, unsigned k, int *res)
{
    int rc;
    do
        rc = io_uring_submit_and_wait(&u->ring, k);
    while (rc == -EINTR || rc == -EAGAIN || rc == -EBUSY);
    if (rc <= 0 || (unsigned)rc > k) {
        u->broken = true;
        u->err = rc < 0 ? rc : -EIO;
        return u->err;
    }
    unsigned took = (unsigned)rc;
    if (took < k) {
        u->broken = true;
        u->err = -EAGAIN; /* what the kernel says when it has no request to spare */
    }
    /* Never taken, or (if a wait fails below) never reported: not run. */
    for (unsigned i = 0; i < k; i++)
        res[i] = -ECANCELED;
    unsigned seen = 0;
    while (seen < took) {
        struct io_uring_cqe *cqe;
        rc = io_uring_wait_cqe(&u->ring, &cqe);
        if (rc == -EINTR)
            continue;
        if (rc < 0) {
            u->broken = true;
            u->err = rc;
            break;
        }
        uint64_t i = io_uring_cqe_get_data64(cqe);
        if (i < k)
            res[i] = cqe->res;
        io_uring_cqe_seen(&u->ring, cqe);
        seen++;
    }
    return 0;
}

/* One readv per iov pair (iov[2*i], iov[2*i+1]) on fixed file `idx`, in
 * order and hard-linked (a short or failed read does not stop the next);
 * res[i] gets each read's bytes or -errno (-ECANCELED: not run). 0, or
 * -errno if the ring failed with nothing read (see run). */
static int ring_readv(struct skiff_uring *u, unsigned idx, const struct iovec *iov, unsigned k,
                      int *res)
{
    if (u->broken)
        return -EIO;
    for (unsigned i = 0; i < k; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
        io_uring_prep_readv(sqe, (int)idx, &iov[2 * i], 2, 0);
        /* Offset -1: the fd's position, which packet fds ignore anyway.
         * RWF_NOWAIT: nothing to read is -EAGAIN at once; io_uring would
         * otherwise park the read until a frame came, O_NONBLOCK or not. */
        sqe->off = (uint64_t)-1;
        sqe->rw_flags = RWF_NOWAIT;
        sqe->flags = IOSQE_FIXED_FILE | (i + 1 < k ? IOSQE_IO_HARDLINK : 0);
        io_uring_sqe_set_data64(sqe, i);
    }
    return run(u, k, res);
}

/* One write per buffer on fixed file `idx`, in order and linked: a write
 * that fails or is short cancels the rest (-ECANCELED). As ring_readv. */
static int ring_write(struct skiff_uring *u, unsigned idx, const void *const *buf,
                      const uint32_t *len, unsigned k, int *res)
{
    if (u->broken)
        return -EIO;
    for (unsigned i = 0; i < k; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
        io_uring_prep_write(sqe, (int)idx, buf[i], len[i], (uint64_t)-1);
        sqe->rw_flags = RWF_NOWAIT; /* a full fd is -EAGAIN, as for write(2) */
        sqe->flags = IOSQE_FIXED_FILE | (i + 1 < k ? IOSQE_IO_LINK : 0);
        io_uring_sqe_set_data64(sqe, i);
    }
    return run(u, k, res);
}

/* ------------------------------------------------ the pktio implementation */

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
    bool was_broken = p->ring->broken;
    int rc = was_broken ? 0 : ring_readv(p->ring, p->ring_idx, iov, k, raw);
    if (rc < 0 || was_broken) {
        fall_back(p, rc);
        return skiff_pktio_rw.read(p, iov, k, res);
    }
    if (p->ring->broken) /* this batch's results hold; the next goes per frame */
        fall_back(p, p->ring->err);
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
    bool was_broken = p->ring->broken;
    int rc = was_broken ? 0 : ring_write(p->ring, p->ring_idx, buf, len, k, raw);
    if (rc < 0 || was_broken) {
        fall_back(p, rc);
        return skiff_pktio_rw.write(p, buf, len, k, res);
    }
    if (p->ring->broken) /* this batch's results hold; the next goes per frame */
        fall_back(p, p->ring->err);
    for (unsigned i = 0; i < k; i++) {
        skiff_pkt_write_result(&res[i], raw[i], len[i]);
        if (res[i].status != SKIFF_PKT_OK) {
            /* Linked: whatever follows was cancelled (-ECANCELED). */
            skiff_pkt_not_run(res, i + 1, k);
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
