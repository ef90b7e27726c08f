/*
 * hvt hypercall handlers, run on the vCPU thread while the vCPU is stopped.
 * The guest is untrusted: each argument block is copied out of guest memory
 * once, every gpa and length in it is checked against guest memory before
 * use, and results are written back as a whole. A bad argument ends the
 * guest with an error rather than being "fixed up".
 */
#include "hvt/hvt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "datapath/datapath.h"
#include "core/guest_mem.h"
#include "hvt/hvt_arch.h"
#include "net/direct.h"

#define PUTS_MAX      SKIFF_HC_PUTS_MAX         /* console bytes per PUTS; the rest is cut */
#define ABORT_MSG_MAX 512u                      /* bytes of a HALT abort message */
#define POLL_MAX_NS   (3600ull * 1000000000ull) /* longer sleeps are re-polled */

void skiff_hvt_end_exit(struct hvt *h, int status)
{
    if (h->end.kind != SKIFF_END_VANISHED)
        return;
    h->end.kind = SKIFF_END_EXIT;
    h->end.status = status;
}

static void end_error(struct hvt *h, int status, const char *fmt, va_list ap)
{
    if (h->end.kind != SKIFF_END_VANISHED)
        return;
    h->end.kind = SKIFF_END_ERROR;
    h->end.status = status;
    vsnprintf(h->end.msg, sizeof h->end.msg, fmt, ap);
}

void skiff_hvt_end_error(struct hvt *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    end_error(h, 255, fmt, ap);
    va_end(ap);
}

void skiff_hvt_end_status(struct hvt *h, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    end_error(h, status, fmt, ap);
    va_end(ap);
}

/* Solo5's hvt ends with status 1 and these words when a hypercall's
 * argument is not in guest memory. */
static enum hvt_hc_result bad_arg(struct hvt *h, unsigned nr, uint64_t gpa)
{
    skiff_hvt_end_status(h, 1,
                         "Invalid guest access: gpa=0x%llx (guest hypercall %u: argument "
                         "0x%llx outside guest memory)",
                         (unsigned long long)gpa, nr, (unsigned long long)gpa);
    return HVT_HC_END;
}

/* Copy the argument block in; NULL-safe bounds check first. */
static bool arg_in(struct hvt *h, uint64_t gpa, void *a, size_t len)
{
    const void *p = skiff_gpa_ptr(h->vm, gpa, len);
    if (!p)
        return false;
    memcpy(a, p, len);
    return true;
}

static void arg_out(struct hvt *h, uint64_t gpa, const void *a, size_t len)
{
    memcpy(skiff_gpa_ptr(h->vm, gpa, len), a, len); /* checked by arg_in */
}

static void console(struct hvt *h, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(h->vm->console_fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* best effort, like spt */
        p += n;
        len -= (size_t)n;
    }
}

static enum hvt_hc_result hc_walltime(struct hvt *h, uint64_t gpa)
{
    struct skiff_hc_walltime a;
    if (!arg_in(h, gpa, &a, sizeof a))
        return bad_arg(h, SKIFF_HC_WALLTIME, gpa);
    struct timespec ts;
    if (!h->single || skiff_hvt_single_wall(&ts) < 0)
        clock_gettime(CLOCK_REALTIME, &ts);
    a.nsecs = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    arg_out(h, gpa, &a, sizeof a);
    return HVT_HC_CONTINUE;
}

static enum hvt_hc_result hc_puts(struct hvt *h, uint64_t gpa)
{
    struct skiff_hc_puts a;
    if (!arg_in(h, gpa, &a, sizeof a))
        return bad_arg(h, SKIFF_HC_PUTS, gpa);
    const void *data = skiff_gpa_ptr(h->vm, a.data, a.len);
    if (!data)
        return bad_arg(h, SKIFF_HC_PUTS, a.data);
    console(h, data, a.len < PUTS_MAX ? a.len : PUTS_MAX);
    return HVT_HC_CONTINUE;
}

/*
 * Sleep on the spt readiness set: RX wake eventfds (ring modes) or packet
 * fds (direct), the timerfd for the timeout, and the cancel eventfd. POLL's
 * and NETIO's wait; returns the NICs with input.
 */
static uint64_t poll_ready(struct hvt *h, uint64_t timeout_nsecs)
{
    struct skiff_vm *vm = h->vm;
    struct epoll_event ev[SKIFF_MAX_NICS + 3];
    int timeout_ms = 0;
    uint64_t v, ready = 0;

    if (h->direct_closed) /* graceful stop (direct mode): every NIC reads as closed, now */
        return vm->nic_count ? ~0ull >> (64 - vm->nic_count) : 0;
    if (timeout_nsecs > 0) {
        /* A zero it_value would disarm the timer, hence the > 0 test. */
        uint64_t ns = timeout_nsecs < POLL_MAX_NS ? timeout_nsecs : POLL_MAX_NS;
        struct itimerspec its = {
            .it_value = { .tv_sec = (time_t)(ns / 1000000000ull),
                          .tv_nsec = (long)(ns % 1000000000ull) },
        };
        timerfd_settime(vm->timer_fd, 0, &its, NULL);
        timeout_ms = -1;
    }
    /* epoll_pwait, not epoll_wait: the one launchers' filters allow. */
    int n = epoll_pwait(vm->epoll_fd, ev, SKIFF_MAX_NICS + 3, 0, NULL);
    if (n == 0 && timeout_ms != 0) {
        SKIFF_STAT_ADD(vm->exits.poll_sleeps, 1);
        n = epoll_pwait(vm->epoll_fd, ev, SKIFF_MAX_NICS + 3, timeout_ms, NULL);
    }
    for (int i = 0; i < n; i++) {
        uint64_t tag = ev[i].data.u64;
        if (tag == SKIFF_SPT_TAG_TIMER) {
            (void)!read(vm->timer_fd, &v, sizeof v); /* expired: consume */
        } else if (tag == SKIFF_SPT_TAG_CLOSED) {
            /* Direct mode, graceful stop: every NIC reads as closed. */
            h->direct_closed = true;
            ready |= vm->nic_count ? ~0ull >> (64 - vm->nic_count) : 0;
        } else if (tag < vm->nic_count) {
            if (vm->io_mode == SKIFF_IO_DIRECT && vm->nics[tag].closed) {
                /* Closed and reported: out of the set (a graceful stop may
                 * have put a closed pipe back in). */
                (void)epoll_ctl(vm->epoll_fd, EPOLL_CTL_DEL, vm->nics[tag].fd, NULL);
                continue;
            }
            ready |= 1ull << tag;
            /* Ring modes: the guest cannot read host fds, so drain the wake
             * eventfd here; direct: the frame stays for NETREAD. */
            if (vm->io_mode != SKIFF_IO_DIRECT)
                (void)!read(vm->nics[tag].rx_wake_fd, &v, sizeof v);
        }
        /* SKIFF_HVT_CANCEL_TAG: the vCPU loop sees h->cancel next. */
    }
    return ready;
}

static enum hvt_hc_result hc_poll(struct hvt *h, uint64_t gpa)
{
    struct skiff_hc_poll a;
    if (!arg_in(h, gpa, &a, sizeof a))
        return bad_arg(h, SKIFF_HC_POLL, gpa);
    a.ready_set = poll_ready(h, a.timeout_nsecs);
    a.ret = 0;
    arg_out(h, gpa, &a, sizeof a);
    return HVT_HC_CONTINUE;
}

/* The NIC a direct-mode net hypercall names, or NULL. */
static struct skiff_nic *net_nic(struct hvt *h, uint64_t handle)
{
    if (h->vm->io_mode != SKIFF_IO_DIRECT || handle >= h->vm->nic_count)
        return NULL;
    return &h->vm->nics[handle];
}

/* One frame out, one frame in: NETWRITE's and NETREAD's I/O, and NETIO's
 * for each op. */
static enum skiff_net_result net_write(struct hvt *h, uint64_t handle, const void *data,
                                       uint64_t len)
{
    struct skiff_nic *nic = net_nic(h, handle);
    return !nic || h->direct_closed ? SKIFF_NET_ERROR : skiff_direct_write(nic, data, len);
}

static enum skiff_net_result net_read(struct hvt *h, uint64_t handle, void *data, uint64_t size,
                                      uint64_t *len)
{
    struct skiff_nic *nic = net_nic(h, handle);
    if (!nic)
        return SKIFF_NET_ERROR;
    if (h->direct_closed)
        return SKIFF_NET_CLOSED;
    size_t got = 0;
    const char *why = NULL;
    enum skiff_net_result r = skiff_direct_read(nic, data, size, &got, &why);
    if (r == SKIFF_NET_OK)
        *len = got;
    else if (r == SKIFF_NET_CLOSED)
        skiff_direct_forget(h->vm, nic, why);
    return r;
}

static enum hvt_hc_result hc_netwrite(struct hvt *h, uint64_t gpa)
{
    struct skiff_hc_net a;
    if (!arg_in(h, gpa, &a, sizeof a))
        return bad_arg(h, SKIFF_HC_NETWRITE, gpa);
    const void *data = skiff_gpa_ptr(h->vm, a.data, a.len);
    if (!data)
        return bad_arg(h, SKIFF_HC_NETWRITE, a.data);
    a.ret = net_write(h, a.handle, data, a.len);
    arg_out(h, gpa, &a, sizeof a);
    return HVT_HC_CONTINUE;
}

static enum hvt_hc_result hc_netread(struct hvt *h, uint64_t gpa)
{
    struct skiff_hc_net a;
    if (!arg_in(h, gpa, &a, sizeof a))
        return bad_arg(h, SKIFF_HC_NETREAD, gpa);
    void *data = skiff_gpa_ptr(h->vm, a.data, a.len);
    if (!data)
        return bad_arg(h, SKIFF_HC_NETREAD, a.data);
    a.ret = net_read(h, a.handle, data, a.len, &a.len);
    arg_out(h, gpa, &a, sizeof a);
    return HVT_HC_CONTINUE;
}

/*
 * NETIO (abi.h): the batch is copied in once and every op checked before
 * any I/O, so a guest rewriting it meanwhile changes nothing; a bad op
 * (unknown kind, buffer outside guest memory) ends the guest as a bad
 * NETREAD would, before anything moved. A frame the packet fd refuses
 * (would block) is one the guest counts as sent: the tender counts it lost.
 */
static enum hvt_hc_result hc_netio(struct hvt *h, uint64_t gpa)
{
    struct skiff_hc_netio a;
    static struct skiff_hc_netio_op op[SKIFF_NETIO_MAX]; /* vCPU thread only */
    void *buf[SKIFF_NETIO_MAX];

    if (h->vm->io_mode != SKIFF_IO_DIRECT) { /* not offered (boot info is guest memory) */
        skiff_hvt_end_status(h, 1, "Invalid guest hypercall: num=%u (NETIO is for --io=direct)",
                             SKIFF_HC_NETIO);
        return HVT_HC_END;
    }
    if (!arg_in(h, gpa, &a, sizeof a))
        return bad_arg(h, SKIFF_HC_NETIO, gpa);
    if (a.count > SKIFF_NETIO_MAX) {
        skiff_hvt_end_status(h, 1, "Invalid guest hypercall argument: NETIO of %u ops (at most %u)",
                             a.count, SKIFF_NETIO_MAX);
        return HVT_HC_END;
    }
    if (a.count > 0 && !arg_in(h, a.ops, op, (size_t)a.count * sizeof op[0]))
        return bad_arg(h, SKIFF_HC_NETIO, a.ops);
    for (uint32_t i = 0; i < a.count; i++) {
        if (op[i].op != SKIFF_NETIO_WRITE && op[i].op != SKIFF_NETIO_READ) {
            skiff_hvt_end_status(h, 1,
                                 "Invalid guest hypercall argument: NETIO op %u is of kind %u "
                                 "(%u write, %u read)",
                                 i, op[i].op, SKIFF_NETIO_WRITE, SKIFF_NETIO_READ);
            return HVT_HC_END;
        }
        buf[i] = skiff_gpa_ptr(h->vm, op[i].data, op[i].len);
        if (!buf[i])
            return bad_arg(h, SKIFF_HC_NETIO, op[i].data);
    }
    for (uint32_t i = 0; i < a.count; i++) {
        if (op[i].op != SKIFF_NETIO_WRITE)
            continue;
        op[i].ret = net_write(h, op[i].handle, buf[i], op[i].len);
        if (op[i].ret == SKIFF_NET_AGAIN) {
            struct skiff_nic *nic = net_nic(h, op[i].handle);
            SKIFF_STAT_ADD(nic->stats.tx_drops[SKIFF_DROP_TAP_ERROR], 1);
            op[i].ret = SKIFF_NET_ERROR;
        }
    }
    uint64_t want = ~0ull, stop = 0; /* NICs to read; NICs read dry (or closed) */
    int64_t last[SKIFF_MAX_NICS] = { 0 };
    a.ready_set = 0;
    if (a.flags & SKIFF_NETIO_F_POLL)
        want = a.ready_set = poll_ready(h, a.timeout_nsecs);
    for (uint32_t i = 0; i < a.count; i++) {
        if (op[i].op != SKIFF_NETIO_READ)
            continue;
        uint64_t nic = op[i].handle;
        if (nic >= SKIFF_MAX_NICS) {
            op[i].ret = SKIFF_NET_ERROR;
        } else if (!(want & (1ull << nic))) {
            op[i].ret = SKIFF_NET_AGAIN;
        } else if (stop & (1ull << nic)) {
            op[i].ret = last[nic] == SKIFF_NET_CLOSED ? SKIFF_NET_CLOSED : SKIFF_NET_AGAIN;
        } else {
            op[i].ret = net_read(h, nic, buf[i], op[i].len, &op[i].len);
            if (op[i].ret != SKIFF_NET_OK) {
                stop |= 1ull << nic;
                last[nic] = op[i].ret;
            }
        }
    }
    if (a.count > 0)
        arg_out(h, a.ops, op, (size_t)a.count * sizeof op[0]);
    arg_out(h, gpa, &a, sizeof a);
    return HVT_HC_CONTINUE;
}

static enum hvt_hc_result hc_halt(struct hvt *h, uint64_t gpa)
{
    struct skiff_hc_halt a;
    if (!arg_in(h, gpa, &a, sizeof a))
        return bad_arg(h, SKIFF_HC_HALT, gpa);
    if (a.cookie != 0) {
        /* The message may end anywhere before the end of memory. */
        if (a.cookie < h->vm->mem_lo || a.cookie >= h->vm->mem_size)
            return bad_arg(h, SKIFF_HC_HALT, a.cookie);
        uint64_t room = h->vm->mem_size - a.cookie;
        size_t max = room < ABORT_MSG_MAX ? (size_t)room : ABORT_MSG_MAX;
        const char *msg = skiff_gpa_ptr(h->vm, a.cookie, max);
        size_t len = strnlen(msg, max);
        console(h, msg, len);
        console(h, "\n", 1);
    }
    skiff_hvt_end_exit(h, a.exit_status > 255 ? 255 : (int)a.exit_status);
    return HVT_HC_END;
}

/* The TLS base: the guest cannot write MSR_FS_BASE at CPL 3, and without
 * FSGSBASE (PVM hosts) has no wrfsbase either. */
static enum hvt_hc_result hc_set_tls(struct hvt *h, uint64_t gpa)
{
    struct skiff_hc_set_tls a;
    if (!arg_in(h, gpa, &a, sizeof a))
        return bad_arg(h, SKIFF_HC_SET_TLS, gpa);
    uint64_t top = a.base >> 47; /* canonical: bits 63..47 all equal */
    a.ret =
        (top == 0 || top == 0x1ffff) && skiff_hvt_arch_set_tls(h->vcpu_fd, a.base) == 0 ? 0 : -1;
    arg_out(h, gpa, &a, sizeof a);
    return HVT_HC_CONTINUE;
}

/* Block I/O: the argument block read once; device, alignment, size, range
 * and the guest buffer all checked before one positional read or write. */
static enum hvt_hc_result hc_block(struct hvt *h, uint64_t gpa, bool write_op)
{
    unsigned nr = write_op ? SKIFF_HC_BLOCK_WRITE : SKIFF_HC_BLOCK_READ;
    struct skiff_hc_block a;
    if (!arg_in(h, gpa, &a, sizeof a))
        return bad_arg(h, nr, gpa);
    a.ret = -1;
    const struct skiff_block *b = a.index < h->vm->block_count ? &h->vm->blocks[a.index] : NULL;
    void *data = skiff_gpa_ptr(h->vm, a.data, a.len);
    if (b != NULL && data != NULL && a.len > 0 && a.len <= SKIFF_BLOCK_IO_MAX &&
        a.len % b->block_size == 0 && a.offset % b->block_size == 0 && a.offset <= b->capacity &&
        a.len <= b->capacity - a.offset) {
        a.ret = 0;
        if (write_op && b->read_only)
            a.ret = -2;
        for (uint64_t done = 0; a.ret == 0 && done < a.len;) {
            ssize_t n = write_op ? pwrite(b->fd, (const char *)data + done, a.len - done,
                                          (off_t)(a.offset + done))
                                 : pread(b->fd, (char *)data + done, a.len - done,
                                         (off_t)(a.offset + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                a.ret = -2; /* I/O error, or the file shrank */
            else
                done += (uint64_t)n;
        }
    }
    arg_out(h, gpa, &a, sizeof a);
    return HVT_HC_CONTINUE;
}

enum hvt_hc_result skiff_hvt_hypercall(struct hvt *h, unsigned nr, uint64_t gpa)
{
    switch (nr) {
    case SKIFF_HC_WALLTIME: return hc_walltime(h, gpa);
    case SKIFF_HC_PUTS: return hc_puts(h, gpa);
    case SKIFF_HC_POLL: return hc_poll(h, gpa);
    case SKIFF_HC_NETWRITE: return hc_netwrite(h, gpa);
    case SKIFF_HC_NETREAD: return hc_netread(h, gpa);
    case SKIFF_HC_HALT: return hc_halt(h, gpa);
    case SKIFF_HC_SET_TLS: return hc_set_tls(h, gpa);
    case SKIFF_HC_BLOCK_READ: return hc_block(h, gpa, false);
    case SKIFF_HC_BLOCK_WRITE: return hc_block(h, gpa, true);
    case SKIFF_HC_NETIO: return hc_netio(h, gpa);
    default:
        skiff_hvt_end_status(h, 1, "Invalid guest hypercall: num=%u (no such hypercall)", nr);
        return HVT_HC_END;
    }
}
