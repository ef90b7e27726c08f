/*
 * spt hypercall layer: each request is one or two raw system calls on fds the
 * tender created and listed in the boot info. The guest runs in a process
 * of its own whose seccomp filter admits exactly these calls.
 */
#include <stdbool.h>

#include "../bindings.h"
#include "../hc.h"
#include "capture_spt.h"
#include "skiff/closed.h"
#include "syscall.h"

#define NSEC_PER_SEC 1000000000ull

/* What the calls need from the boot info, copied once at start. */
static struct {
    int console_fd, epoll_fd, timer_fd, exit_fd;
    unsigned nic_count;
    bool direct;
    bool closed;    /* direct mode: the tender closed every NIC */
    uint64_t armed; /* deadline the timerfd is armed for and has not fired, 0 if none */
    /* The kernel vDSO's clock_gettime in this process, or NULL. */
    long (*vdso_clock_gettime)(long clock, struct spt_timespec *ts);
    int tx_kick_fd[SKIFF_MAX_NICS];
    int direct_fd[SKIFF_MAX_NICS];
} spt;

const char *hc_init(const struct skiff_boot_info *bi)
{
    spt.console_fd = bi->spt_console_fd;
    spt.epoll_fd = bi->spt_epoll_fd;
    spt.timer_fd = bi->spt_timer_fd;
    spt.exit_fd = bi->spt_exit_fd;
    spt.direct = bi->io_mode == SKIFF_IO_DIRECT;
    spt.nic_count = bi->nic_count <= SKIFF_MAX_NICS ? bi->nic_count : 0;
    spt.vdso_clock_gettime =
        (long (*)(long, struct spt_timespec *))(uintptr_t)bi->spt_vdso_clock_gettime;
    for (unsigned i = 0; i < spt.nic_count; i++) {
        spt.tx_kick_fd[i] = bi->nics[i].spt_tx_kick_fd;
        spt.direct_fd[i] = bi->nics[i].spt_direct_fd;
    }
    if (bi->abi_version == SKIFF_ABI_VERSION)
        gcap_init(bi);
    return NULL;
}

static long sys_read(int fd, void *buf, size_t len)
{
    return spt_syscall3(SPT_SYS_read, fd, (long)buf, (long)len);
}

static long sys_write(int fd, const void *buf, size_t len)
{
    return spt_syscall3(SPT_SYS_write, fd, (long)buf, (long)len);
}

void hc_console_write(const char *buf, size_t len)
{
    /* Best effort: finish partial writes, give up on any error. */
    while (len > 0) {
        long n = sys_write(spt.console_fd, buf, len);
        if (n == -SPT_EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

static uint64_t clock_ns(long clock)
{
    struct spt_timespec ts;

    /* The vDSO reads the kernel's clock data from a page mapped into this
     * process: about 20 ns instead of a system call through the seccomp
     * filter (it falls back to the system call itself where the clock
     * source needs one). */
    long r = spt.vdso_clock_gettime != NULL
                 ? spt.vdso_clock_gettime(clock, &ts)
                 : spt_syscall3(SPT_SYS_clock_gettime, clock, (long)&ts, 0);
    if (r != 0)
        hc_exit(255, "skiff: clock_gettime failed"); /* seccomp bug */
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t hc_clock_monotonic(void)
{
    return clock_ns(SPT_CLOCK_MONOTONIC);
}

uint64_t hc_clock_wall(void)
{
    return clock_ns(SPT_CLOCK_REALTIME);
}

/* Arm the timerfd to fire at `deadline` on CLOCK_MONOTONIC, the clock
 * solo5_clock_monotonic() reads, so no conversion is needed. Re-arming also
 * resets any stale expiry count from an earlier deadline. */
static void arm_timer(uint64_t deadline)
{
    struct spt_itimerspec its = {
        .it_interval = { 0, 0 },
        .it_value = { (int64_t)(deadline / NSEC_PER_SEC), (int64_t)(deadline % NSEC_PER_SEC) },
    };
    spt_syscall4(SPT_SYS_timerfd_settime, spt.timer_fd, SPT_TFD_TIMER_ABSTIME, (long)&its, 0);
}

uint64_t hc_wait(uint64_t deadline)
{
    struct spt_epoll_event ev[SKIFF_MAX_NICS + 2];
    uint64_t ready = 0, value;

    for (;;) {
        long timeout_ms = -1;
        bool fired = false;
        /* A zero it_value would disarm the timer and sleep forever, so
         * deadline 0 polls instead of arming. Any other deadline is armed as
         * is (one already past fires at once: no clock read needed) - unless
         * the timer is still armed for this deadline or an earlier one, as
         * with a guest whose every wait ends "now + constant": its expiry
         * then comes first and is checked below, which saves the
         * timerfd_settime of every wake-up but one per deadline passed. */
        if (deadline == 0)
            timeout_ms = 0;
        else if (spt.armed == 0 || spt.armed > deadline) {
            arm_timer(deadline);
            spt.armed = deadline;
        }
        long n = spt_syscall6(SPT_SYS_epoll_pwait, spt.epoll_fd, (long)ev, SKIFF_MAX_NICS + 2,
                              timeout_ms, 0, 8);
        for (long i = 0; i < n; i++) {
            uint64_t data = ev[i].data;
            if (data == SKIFF_SPT_TAG_TIMER) {
                /* Timer expired: consume it so it stops being readable. */
                sys_read(spt.timer_fd, &value, sizeof value);
                spt.armed = 0;
                fired = true;
            } else if (data == SKIFF_SPT_TAG_CLOSED) {
                /* Graceful stop in direct mode: every NIC is closed now. */
                spt.closed = true;
                ready |= spt.nic_count ? ~0ull >> (64 - spt.nic_count) : 0;
            } else if (data < spt.nic_count) {
                /* Ring modes: the RX wake eventfd is edge-triggered in this
                 * set (each tender write is one event), so it is not read
                 * back. Direct mode: the readable fd is the packet fd; the
                 * frame stays for hc_net_read(). */
                ready |= 1ull << data;
            }
        }
        /* n < 0 (EINTR): report nothing; the caller treats it as a timeout.
         * A timer that fired for an earlier deadline than ours: wait on. */
        if (ready != 0 || n <= 0 || !fired || hc_clock_monotonic() >= deadline)
            return ready;
    }
}

void hc_kick(unsigned nic)
{
    uint64_t one = 1;

    if (nic < spt.nic_count)
        sys_write(spt.tx_kick_fd[nic], &one, sizeof one);
}

enum skiff_net_result hc_net_write(unsigned nic, const void *buf, size_t len)
{
    long n;

    if (spt.closed)
        return SKIFF_NET_ERROR;
    do
        n = sys_write(spt.direct_fd[nic], buf, len);
    while (n == -SPT_EINTR);
    enum skiff_net_result r = skiff_net_write_result(n, len);
    if (r == SKIFF_NET_OK)
        gcap_frame(nic, SKIFF_CAP_DIR_TX, buf, len);
    return r;
}

enum skiff_net_result hc_net_read(unsigned nic, void *buf, size_t size, size_t *len)
{
    long n;

    if (spt.closed)
        return SKIFF_NET_CLOSED;
    do
        n = sys_read(spt.direct_fd[nic], buf, size);
    while (n == -SPT_EINTR);
    enum skiff_net_result r = skiff_net_read_result(n);
    if (r == SKIFF_NET_OK) {
        *len = (size_t)n;
        gcap_frame(nic, SKIFF_CAP_DIR_RX, buf, (size_t)n);
    }
    return r;
}

void hc_net_forget(unsigned nic)
{
    /* The tender's filter allows exactly this: EPOLL_CTL_DEL of a NIC's
     * packet fd from the guest's epoll set. ENOENT (already gone) is fine. */
    if (spt.direct && nic < spt.nic_count)
        spt_syscall4(SPT_SYS_epoll_ctl, spt.epoll_fd, SPT_EPOLL_CTL_DEL, spt.direct_fd[nic], 0);
}

void hc_net_watch(unsigned nic, int on)
{
    /* The tender's filter allows adding and removing exactly this fd. */
    struct spt_epoll_event ev = { .events = SPT_EPOLLIN, .data = nic };
    if (nic < spt.nic_count)
        spt_syscall4(SPT_SYS_epoll_ctl, spt.epoll_fd, on ? SPT_EPOLL_CTL_ADD : SPT_EPOLL_CTL_DEL,
                     spt.direct_fd[nic], (long)&ev);
}

/* One block per system call: the seccomp filter allows exactly that size
 * on this device's fd, at offsets inside it. */
int hc_block_io(unsigned index, int write, uint64_t offset, void *buf, size_t len)
{
    const struct skiff_boot_block *b = &skiff_boot->blocks[index];
    size_t bs = b->block_size;
    for (size_t done = 0; done < len; done += bs) {
        long r;
        do
            r = spt_syscall4(write ? SPT_SYS_pwrite64 : SPT_SYS_pread64, b->spt_fd,
                             (long)((char *)buf + done), (long)bs, (long)(offset + done));
        while (r == -SPT_EINTR);
        if (r != (long)bs)
            return -1; /* a file shrunk under us, or an I/O error */
    }
    return 0;
}

int hc_set_tls_base(uintptr_t base)
{
    /* The guest owns its process's %fs: nothing else runs there. */
    return spt_syscall3(SPT_SYS_arch_prctl, SPT_ARCH_SET_FS, (long)base, 0) == 0 ? 0 : -1;
}

_Noreturn void hc_exit(int status, const char *msg)
{
    /* The tender reads status + 1 from the exit eventfd (0 would not be a
     * valid eventfd write), then reaps this process. */
    uint64_t code = (uint64_t)(status & 0xff) + 1;

    if (msg != NULL) {
        hc_console_write(msg, __builtin_strlen(msg));
        hc_console_write("\n", 1);
    }
    sys_write(spt.exit_fd, &code, sizeof code);
    for (;;)
        spt_syscall3(SPT_SYS_exit, status, 0, 0);
}

_Noreturn void hc_early_fail(void)
{
    /* No trustworthy exit fd: just end. The tender sees the process gone
     * without an exit status and fails the run. */
    for (;;)
        spt_syscall3(SPT_SYS_exit, 255, 0, 0);
}
