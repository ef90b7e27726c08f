/*
 * The per-frame packet-I/O implementation: one readv(2) or write(2) per
 * frame, the fd non-blocking. Also the one place where a system call's
 * result becomes a verdict (pktio.h), for every implementation.
 */
#include "datapath/pktio.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "net/nic.h"
#include "skiff/closed.h"

void skiff_pkt_read_result(struct skiff_pkt_res *r, long n)
{
    r->drop = 0;
    r->len = 0;
    r->err = n < 0 ? (int)-n : 0;
    if (n > 0) {
        r->status = SKIFF_PKT_OK;
        r->len = (uint32_t)n;
    } else if (n == 0 || skiff_read_err_closed(r->err)) {
        r->status = SKIFF_PKT_GONE; /* end of file; EBADFD: TAP deleted; ECONNRESET... */
    } else {
        r->status = SKIFF_PKT_AGAIN; /* EAGAIN, or transient (ENOBUFS, EINTR...) */
    }
}

void skiff_pkt_write_result(struct skiff_pkt_res *r, long n, uint32_t want)
{
    r->drop = 0;
    r->len = 0;
    r->err = n < 0 ? (int)-n : 0;
    if (n >= 0 && (unsigned long)n == want) {
        r->status = SKIFF_PKT_OK;
        r->len = want;
    } else if (r->err == EAGAIN || r->err == EWOULDBLOCK) {
        r->status = SKIFF_PKT_AGAIN;
    } else if (r->err == ECANCELED || r->err == EINTR) {
        r->status = SKIFF_PKT_NOT_RUN; /* io_uring: not written, back to the ring */
    } else {
        /* EIO (TAP down), EMSGSIZE, a short write...: this frame is lost;
         * an error that means the device is gone closes the NIC too. */
        r->drop = (uint8_t)skiff_tx_drop_reason(r->err);
        r->status = skiff_write_err_closed(r->err) ? SKIFF_PKT_GONE : SKIFF_PKT_DROP;
    }
}

static void not_run(struct skiff_pkt_res *res, unsigned from, unsigned k)
{
    for (unsigned i = from; i < k; i++)
        res[i] = (struct skiff_pkt_res){ .status = SKIFF_PKT_NOT_RUN };
}

static unsigned rw_read(struct skiff_pktio *p, const struct iovec *iov, unsigned k,
                        struct skiff_pkt_res *res)
{
    for (unsigned i = 0; i < k; i++) {
        ssize_t n;
        do
            n = readv(p->fd, &iov[2 * i], 2);
        while (n < 0 && errno == EINTR);
        skiff_pkt_read_result(&res[i], n < 0 ? -(long)errno : (long)n);
        if (res[i].status != SKIFF_PKT_OK) {
            not_run(res, i + 1, k);
            return i + 1;
        }
    }
    return k;
}

static unsigned rw_write(struct skiff_pktio *p, const void *const *buf, const uint32_t *len,
                         unsigned k, struct skiff_pkt_res *res)
{
    for (unsigned i = 0; i < k; i++) {
        ssize_t n;
        do
            n = write(p->fd, buf[i], len[i]);
        while (n < 0 && errno == EINTR);
        skiff_pkt_write_result(&res[i], n < 0 ? -(long)errno : (long)n, len[i]);
        if (res[i].status != SKIFF_PKT_OK) {
            not_run(res, i + 1, k);
            return i + 1;
        }
    }
    return k;
}

const struct skiff_pktio_ops skiff_pktio_rw = {
    .name = "readv",
    .read = rw_read,
    .write = rw_write,
};

void skiff_pktio_rw_init(struct skiff_pktio *p, int fd, const char *nic_name)
{
    *p = (struct skiff_pktio){ .ops = &skiff_pktio_rw, .fd = fd, .nic_name = nic_name };
}

bool skiff_pktio_hung_up(const struct skiff_pktio *p)
{
    struct pollfd pf = { .fd = p->fd, .events = POLLIN };
    if (poll(&pf, 1, 0) != 1)
        return false;
    return (pf.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0 && !(pf.revents & POLLIN);
}
