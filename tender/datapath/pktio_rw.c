/*
 * The per-frame packet-I/O implementation (pktio.h): one readv(2) or
 * write(2) per frame, the fd non-blocking.
 */
#include "datapath/pktio.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

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
            skiff_pkt_not_run(res, i + 1, k);
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
        /* A lost frame (EIO while the link is down, EMSGSIZE...) says
         * nothing about the next one: only "would block" and "gone" stop. */
        if (res[i].status == SKIFF_PKT_AGAIN || res[i].status == SKIFF_PKT_GONE) {
            skiff_pkt_not_run(res, i + 1, k);
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
