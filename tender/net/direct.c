/*
 * Direct mode's tender side (direct.h): the hvt hypercalls' frame I/O, the
 * main thread's watch on the packet fds, and the graceful stop's close pipe.
 */
#include "net/direct.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <sys/epoll.h>

#include "capture/capture.h"
#include "datapath/datapath.h"
#include "skiff/closed.h"

int skiff_direct_open_close_pipe(struct skiff_vm *vm)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    vm->closed_rd = p[0];
    vm->closed_wr = p[1];
    return 0;
}

void skiff_direct_close(struct skiff_vm *vm)
{
    for (unsigned i = 0; i < vm->nic_count; i++)
        vm->nics[i].gone_reported = true; /* closed on purpose */
    if (vm->closed_wr >= 0)
        close(vm->closed_wr);
    vm->closed_wr = -1;
}

/*
 * poll() rather than epoll: a deleted TAP wakes its waiters as "readable",
 * which main must not ask for on a busy fd.
 */
void skiff_direct_check_nics(struct skiff_vm *vm)
{
    if (vm->io_mode != SKIFF_IO_DIRECT)
        return;
    for (unsigned i = 0; i < vm->nic_count; i++) {
        struct skiff_nic *nic = &vm->nics[i];
        if (nic->gone_reported)
            continue;
        struct pollfd p = { .fd = nic->fd, .events = POLLRDHUP };
        if (poll(&p, 1, 0) != 1)
            continue;
        /* A deleted TAP reports POLLERR; a socket whose peer closed, RDHUP. */
        if (p.revents & (POLLERR | POLLNVAL))
            skiff_nic_report_gone(nic, "error");
        else if (p.revents & (POLLHUP | POLLRDHUP))
            skiff_nic_report_gone(nic, "end of file");
    }
}

enum skiff_net_result skiff_direct_write(struct skiff_nic *nic, const void *data, size_t len)
{
    ssize_t n;
    do
        n = write(nic->fd, data, len);
    while (n < 0 && errno == EINTR);
    int err = n < 0 ? errno : 0;
    enum skiff_net_result r = skiff_net_write_result(n < 0 ? -err : n, len);
    switch (r) {
    case SKIFF_NET_OK:
        skiff_capture_frame(nic->capture, data, (uint32_t)len);
        SKIFF_STAT_ADD(nic->stats.tx_frames, 1);
        SKIFF_STAT_ADD(nic->stats.tx_bytes, len);
        break;
    case SKIFF_NET_CLOSED: /* the device is gone: the frame is dropped */
        SKIFF_STAT_ADD(nic->stats.tx_drops[SKIFF_DROP_TAP_ERROR], 1);
        break;
    case SKIFF_NET_ERROR: /* EIO (TAP down), EMSGSIZE...: this frame is lost */
        SKIFF_STAT_ADD(nic->stats.tx_drops[skiff_tx_drop_reason(err)], 1);
        break;
    case SKIFF_NET_AGAIN: break;
    }
    return r;
}

enum skiff_net_result skiff_direct_read(struct skiff_nic *nic, void *data, size_t size, size_t *len,
                                        const char **why)
{
    ssize_t n = 0;
    while (!nic->closed && (n = read(nic->fd, data, size)) < 0 && errno == EINTR)
        ;
    int err = n < 0 ? errno : 0;
    if (nic->closed) {
        *why = "end of file";
        return SKIFF_NET_CLOSED;
    }
    enum skiff_net_result r = skiff_net_read_result(n < 0 ? -err : n);
    if (r == SKIFF_NET_CLOSED) {
        *why = n == 0 ? "end of file" : strerror(err);
    } else if (r == SKIFF_NET_OK) {
        *len = (size_t)n;
        skiff_capture_frame(nic->capture, data, (uint32_t)n);
        SKIFF_STAT_ADD(nic->stats.rx_frames, 1);
        SKIFF_STAT_ADD(nic->stats.rx_bytes, (uint64_t)n);
    }
    return r;
}

void skiff_direct_forget(struct skiff_vm *vm, struct skiff_nic *nic, const char *why)
{
    nic->closed = true;
    (void)epoll_ctl(vm->epoll_fd, EPOLL_CTL_DEL, nic->fd, NULL);
    if (vm->single)
        skiff_nic_report_gone(nic, why);
}
