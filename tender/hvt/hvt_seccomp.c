/*
 * The vCPU thread's seccomp allowlist. Compiled by libseccomp on main (so
 * the confined thread never allocates for it) and loaded by the vCPU thread
 * on itself once KVM is set up. The list is what the thread was observed to
 * call (syscall trace): KVM_RUN on its own vCPU, the hypercall handlers' fds
 * one by one, the clock, and what glibc needs to end a thread. A tender bug
 * that strays outside it kills the process: this thread handles guest input.
 */
#include "hvt/hvt.h"

#include "sandbox/guest_thread.h"
#include "sandbox/seccomp_rules.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/futex.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include <seccomp.h>

static int allow_ioctl(scmp_filter_ctx ctx, int fd, unsigned long req)
{
    struct scmp_arg_cmp c[2] = { skiff_scmp_eq(0, (scmp_datum_t)fd),
                                 skiff_scmp_eq(1, (scmp_datum_t)req) };
    return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2, c);
}

/* Without argument checks. Names an architecture lacks are skipped. */
static const char *const plain[] = {
    "clock_gettime", /* WALLTIME, if the vDSO falls back */
    "rt_sigreturn",  /* the cancel signal's handler returns */
    "exit",          /* the thread ends */
    "rt_sigprocmask",
    "madvise", /* glibc thread exit */
#ifdef SKIFF_HVT_SANITIZE
    /* sanitizer runtime (its thread teardown, error reports) */
    "sigaltstack",
    "munmap",
    "mmap",
    "futex",
    "prctl",
    "getpid",
    "gettid",
#endif
};

int skiff_hvt_seccomp_build(struct hvt *h)
{
    const struct skiff_vm *vm = h->vm;
    int rc = -1;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx)
        return -1;

    int r = 0;
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        int nr = seccomp_syscall_resolve_name(plain[i]);
        if (nr != __NR_SCMP_ERROR && nr >= 0)
            r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    }
    /* glibc's thread exit takes the thread's exit lock, which pthread_kill
     * (main cancelling us) holds at the same moment now and then: a
     * contended lock waits and wakes through private futexes. */
    static const scmp_datum_t futex_ops[] = {
        FUTEX_WAIT | FUTEX_PRIVATE_FLAG,
        FUTEX_WAKE | FUTEX_PRIVATE_FLAG,
        FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG,
        FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG,
    };
    for (size_t i = 0; i < sizeof futex_ops / sizeof futex_ops[0]; i++) {
        struct scmp_arg_cmp c = skiff_scmp_eq(1, futex_ops[i]);
        r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(futex), 1, &c);
    }
    r |= allow_ioctl(ctx, h->vcpu_fd, KVM_RUN);
    r |= allow_ioctl(ctx, h->vcpu_fd, KVM_GET_REGS);  /* fault reports */
    r |= allow_ioctl(ctx, h->vcpu_fd, KVM_GET_SREGS); /* fault reports (cr2) */
    r |= allow_ioctl(ctx, h->vcpu_fd, KVM_SET_MSRS);  /* SET_TLS: FS base */
    r |= skiff_scmp_allow_fd(ctx, "epoll_wait", vm->epoll_fd);
    r |= skiff_scmp_allow_fd(ctx, "epoll_pwait", vm->epoll_fd);
    r |= skiff_scmp_allow_fd(ctx, "timerfd_settime", vm->timer_fd);
    r |= skiff_scmp_allow_fd(ctx, "read", vm->timer_fd);
    r |= skiff_scmp_allow_fd(ctx, "write", vm->console_fd);
    r |= skiff_scmp_allow_fd(ctx, "write", vm->exit_fd);
    for (unsigned i = 0; i < vm->block_count; i++) {
        r |= skiff_scmp_allow_fd(ctx, "pread64", vm->blocks[i].fd);
        if (!vm->blocks[i].read_only)
            r |= skiff_scmp_allow_fd(ctx, "pwrite64", vm->blocks[i].fd);
    }
    for (unsigned i = 0; i < vm->nic_count; i++) {
        const struct skiff_nic *n = &vm->nics[i];
        if (vm->io_mode == SKIFF_IO_DIRECT) {
            r |= skiff_scmp_allow_fd(ctx, "read", n->fd);
            r |= skiff_scmp_allow_fd(ctx, "write", n->fd);
            /* A closed NIC leaves the POLL set (hvt_hypercall.c). */
            struct scmp_arg_cmp del[3] = { skiff_scmp_eq(0, (scmp_datum_t)vm->epoll_fd),
                                           skiff_scmp_eq(1, EPOLL_CTL_DEL),
                                           skiff_scmp_eq(2, (scmp_datum_t)n->fd) };
            r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(epoll_ctl), 3, del);
        } else {
            r |= skiff_scmp_allow_fd(ctx, "read", n->rx_wake_fd);
        }
    }
    if (r)
        goto out;

    if (skiff_seccomp_compile(ctx, &h->prog) < 0)
        goto out;
    rc = 0;
out:
    seccomp_release(ctx);
    return rc;
}

int skiff_hvt_main_rules(const struct skiff_vm *vm, scmp_filter_ctx ctx)
{
    const struct hvt *h = vm->backend_priv;
    if (!h)
        return -1;
    /* Cancel: the cancel eventfd, and SIGUSR2 to a thread of this process. */
    struct scmp_arg_cmp c = skiff_scmp_eq(0, (scmp_datum_t)h->cancel_fd);
    int r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, &c);
    struct scmp_arg_cmp kick[2] = { skiff_scmp_eq(0, (scmp_datum_t)getpid()),
                                    skiff_scmp_eq(2, SIGUSR2) };
    r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 2, kick);
    return r ? -1 : 0;
}
