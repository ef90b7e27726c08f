/*
 * spt allowlists: the guest process's (compiled here with libseccomp, loaded
 * by the loader just before the guest's first instruction), and the rules
 * main's own filter needs to wait for, stop and hear from that process.
 *
 * The guest may use each of its fds for exactly what the bindings do with
 * it (guest/bindings/spt/hc_spt.c), read two clocks, set its TLS base, and
 * end. Anything else, and any 32-bit or x32 system call, traps: SIGSYS,
 * which the loader reports and then dies of.
 */
#include "spt/spt_seccomp.h"

#include <signal.h>
#include <time.h>

#include <asm/prctl.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include "sandbox/guest_thread.h"
#include "sandbox/seccomp_rules.h"

static int allow_if(scmp_filter_ctx ctx, int sys, unsigned arg, scmp_datum_t v)
{
    struct scmp_arg_cmp c = skiff_scmp_eq(arg, v);
    return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, sys, 1, &c);
}

static int allow_fd(scmp_filter_ctx ctx, int sys, int fd)
{
    return allow_if(ctx, sys, 0, (scmp_datum_t)fd);
}

/* The signals the loader's handlers re-raise (see loader.c). */
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS };

int skiff_spt_filter_build(const struct skiff_vm *vm, pid_t pid, int report_fd,
                           struct sock_fprog *prog)
{
    int rc = -1;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx)
        return -1;
    /* 32-bit (int 0x80) and x32 calls: reported like any other. */
    if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP) < 0)
        goto out;

    int r = 0;
    r |= allow_fd(ctx, SCMP_SYS(write), vm->console_fd);
    r |= allow_fd(ctx, SCMP_SYS(write), vm->exit_fd);
    r |= allow_fd(ctx, SCMP_SYS(write), report_fd); /* the loader's fatal-signal report */
    r |= allow_fd(ctx, SCMP_SYS(timerfd_settime), vm->timer_fd);
    r |= allow_fd(ctx, SCMP_SYS(read), vm->timer_fd); /* consume expiries */
    r |= allow_fd(ctx, SCMP_SYS(epoll_wait), vm->epoll_fd);
    /* No signal mask: the guest may not change which signals reach it. */
    struct scmp_arg_cmp pwait[2] = { skiff_scmp_eq(0, (scmp_datum_t)vm->epoll_fd),
                                     skiff_scmp_eq(4, 0) };
    r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(epoll_pwait), 2, pwait);
    r |= allow_if(ctx, SCMP_SYS(clock_gettime), 0, CLOCK_MONOTONIC);
    r |= allow_if(ctx, SCMP_SYS(clock_gettime), 0, CLOCK_REALTIME);
    r |= allow_if(ctx, SCMP_SYS(arch_prctl), 0, ARCH_SET_FS); /* solo5_set_tls_base */
    r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit), 0);
    r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0);
    /* The loader's handlers end the process by its own fatal signal. */
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) {
        struct scmp_arg_cmp self[3] = { skiff_scmp_eq(0, (scmp_datum_t)pid),
                                        skiff_scmp_eq(1, (scmp_datum_t)pid),
                                        skiff_scmp_eq(2, (scmp_datum_t)fatal_signals[i]) };
        r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 3, self);
    }
    /* Block devices: one whole block at a time, inside the device; writes
     * only if the file was opened for them. */
    for (unsigned i = 0; i < vm->block_count; i++) {
        const struct skiff_block *b = &vm->blocks[i];
        if (b->capacity < b->block_size)
            continue; /* no block to read or write */
        struct scmp_arg_cmp io[3] = {
            skiff_scmp_eq(0, (scmp_datum_t)b->fd),
            skiff_scmp_eq(2, b->block_size),
            { .arg = 3, .op = SCMP_CMP_LE, .datum_a = b->capacity - b->block_size, .datum_b = 0 },
        };
        r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(pread64), 3, io);
        if (!b->read_only)
            r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(pwrite64), 3, io);
    }
    for (unsigned i = 0; i < vm->nic_count; i++) {
        const struct skiff_nic *n = &vm->nics[i];
        if (vm->io_mode == SKIFF_IO_DIRECT) {
            r |= allow_fd(ctx, SCMP_SYS(read), n->fd);
            r |= allow_fd(ctx, SCMP_SYS(write), n->fd);
            /* A closed NIC leaves the guest's poll set (hc_net_forget). */
            struct scmp_arg_cmp del[3] = { skiff_scmp_eq(0, (scmp_datum_t)vm->epoll_fd),
                                           skiff_scmp_eq(1, EPOLL_CTL_DEL),
                                           skiff_scmp_eq(2, (scmp_datum_t)n->fd) };
            r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(epoll_ctl), 3, del);
        } else {
            r |= allow_fd(ctx, SCMP_SYS(read), n->rx_wake_fd);
            r |= allow_fd(ctx, SCMP_SYS(write), n->tx_kick_fd);
            /* Event mode: frames the guest sends itself while the I/O
             * thread sleeps, and frames it reads itself while the I/O
             * thread left it the fd (it then polls the fd in its own epoll
             * set: add and remove, nothing else). */
            if (skiff_nic_tx_bypass(n, vm->io_mode, SKIFF_TARGET_SPT))
                r |= allow_fd(ctx, SCMP_SYS(write), n->fd);
            if (skiff_nic_rx_handoff(n, vm->io_mode, SKIFF_TARGET_SPT)) {
                r |= allow_fd(ctx, SCMP_SYS(read), n->fd);
                static const int ops[] = { EPOLL_CTL_ADD, EPOLL_CTL_DEL };
                for (size_t k = 0; k < 2; k++) {
                    int op = ops[k];
                    struct scmp_arg_cmp ctl[3] = { skiff_scmp_eq(0, (scmp_datum_t)vm->epoll_fd),
                                                   skiff_scmp_eq(1, (scmp_datum_t)op),
                                                   skiff_scmp_eq(2, (scmp_datum_t)n->fd) };
                    r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(epoll_ctl), 3, ctl);
                }
            }
        }
    }
    if (r)
        goto out;
    if (skiff_seccomp_compile(ctx, prog) < 0)
        goto out;
    rc = 0;
out:
    seccomp_release(ctx);
    return rc;
}

int skiff_spt_main_rules(scmp_filter_ctx ctx, int pidfd, int report_fd, int exit_fd)
{
    int r = 0;
    /* Reap it (only this child, only through its pidfd). */
    struct scmp_arg_cmp reap[2] = { skiff_scmp_eq(0, SKIFF_P_PIDFD),
                                    skiff_scmp_eq(1, (scmp_datum_t)pidfd) };
    r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(waitid), 2, reap);
    /* Stop it: SIGKILL, nothing else, to it alone. */
    struct scmp_arg_cmp kill9[2] = { skiff_scmp_eq(0, (scmp_datum_t)pidfd),
                                     skiff_scmp_eq(1, SIGKILL) };
    r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(pidfd_send_signal), 2, kill9);
    /* Wait a bounded time for it to end (poll on the pidfd). */
    r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(poll), 0);
    r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ppoll), 0);
    r |= allow_fd(ctx, SCMP_SYS(read), report_fd);
    r |= allow_fd(ctx, SCMP_SYS(read), exit_fd);
    return r ? -1 : 0;
}
