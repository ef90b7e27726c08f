/*
 * spt backend: the guest runs on its own thread of the tender process, under
 * a seccomp allowlist that names the guest's fds one by one. The filter is
 * compiled by libseccomp in main and only *loaded* on the guest thread, so
 * that thread makes no libc calls (allocation, frees) once it is confined.
 *
 * The guest thread ends in one of three ways, all through SYS_exit of that
 * thread alone: the guest exits itself (after writing status+1 to the exit
 * eventfd); a signal handler on the thread reports a forbidden system call
 * or a fault; or main cancels it with SIGUSR2. Handlers record what happened
 * in `fate` (async-signal-safe stores only) and main reports after joining.
 */
#include "backend.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <seccomp.h>

#include "guest_thread.h"
#include "spt_asm.h"

#define SPT_CANCEL_SIGNAL   SIGUSR2
#define SPT_ALTSTACK_BYTES  (64u * 1024u)
#define SPT_JOIN_TIMEOUT_MS 1000

/* Synchronous signals a guest can raise; they must stay unblocked on the
 * guest thread (the kernel kills the whole process otherwise). */
static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };

struct spt {
    pthread_t thread;
    bool joined;
    struct sock_fprog prog; /* compiled allowlist */
    void *altstack;         /* signal stack outside guest memory */
    uint64_t entry, stack_top, boot_gpa;
};

/* Written by handlers on the guest thread, read by main after joining. */
static struct {
    volatile sig_atomic_t kind; /* 0 = nothing recorded, else skiff_end_kind + 1 */
    volatile int signo;
    volatile uint64_t addr, detail;
    volatile uint32_t arch;
} fate;
static int fate_exit_fd = -1;
static struct sigaction old_fault_act[sizeof fault_signals / sizeof fault_signals[0]];

static _Thread_local volatile sig_atomic_t tls_in_guest;

/*
 * Code that runs on the confined guest thread. AddressSanitizer makes every
 * call to a noreturn function first call into its runtime, which issues
 * system calls (sigaltstack) the filter forbids; keep it out of these.
 */
#define GUEST_SIDE __attribute__((no_sanitize_address))

/* Tell main (exit eventfd readable) and end the guest thread. */
GUEST_SIDE static _Noreturn void guest_gone(bool notify)
{
    if (notify) {
        uint64_t one = 1;
        skiff_spt_raw_write(fate_exit_fd, &one, sizeof one);
    }
    skiff_spt_raw_exit_thread();
}

GUEST_SIDE static void record(enum skiff_end_kind k)
{
    if (!fate.kind)
        fate.kind = (sig_atomic_t)k + 1;
}

GUEST_SIDE static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (!tls_in_guest)
        return; /* sent by someone else: only the guest thread is filtered */
    if (!fate.kind) {
        fate.detail = (uint64_t)(unsigned)si->si_syscall;
        fate.arch = si->si_arch;
    }
    record(SKIFF_END_SYSCALL);
    guest_gone(true);
}

GUEST_SIDE static void on_fault(int sig, siginfo_t *si, void *uc)
{
    if (!tls_in_guest) {
        /* A tender bug, not the guest's: hand over to whoever handled this
         * before us (a sanitizer), or die the default way on return. */
        for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++) {
            if (fault_signals[i] != sig)
                continue;
            const struct sigaction *o = &old_fault_act[i];
            if ((o->sa_flags & SA_SIGINFO) && o->sa_sigaction) {
                o->sa_sigaction(sig, si, uc);
                return;
            }
            if (o->sa_handler != SIG_DFL && o->sa_handler != SIG_IGN) {
                o->sa_handler(sig);
                return;
            }
        }
        signal(sig, SIG_DFL);
        return;
    }
    if (!fate.kind) {
        const ucontext_t *u = uc;
        fate.signo = sig;
        fate.addr = (uint64_t)(uintptr_t)si->si_addr;
        fate.detail = (uint64_t)u->uc_mcontext.gregs[REG_RIP];
    }
    record(SKIFF_END_FAULT);
    guest_gone(true);
}

GUEST_SIDE static void on_cancel(int sig)
{
    (void)sig;
    if (!tls_in_guest)
        return;
    /* No exit-fd write: main asked for this (or an outsider sent SIGUSR2,
     * which main notices as the thread vanishing). */
    record(SKIFF_END_CANCELLED);
    guest_gone(false);
}

static int install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigfillset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;

    sa.sa_sigaction = on_sigsys;
    if (sigaction(SIGSYS, &sa, NULL) < 0)
        return -1;
    sa.sa_sigaction = on_fault;
    for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++)
        if (sigaction(fault_signals[i], &sa, &old_fault_act[i]) < 0)
            return -1;
    sa.sa_flags = SA_ONSTACK;
    sa.sa_handler = on_cancel;
    return sigaction(SPT_CANCEL_SIGNAL, &sa, NULL);
}

/* Argument `arg` equals v (spelled out: the SCMP_A* macros leave a field
 * to implicit zero, which clang's -Wextra rejects). */
static struct scmp_arg_cmp arg_eq(unsigned arg, scmp_datum_t v)
{
    struct scmp_arg_cmp c = { .arg = arg, .op = SCMP_CMP_EQ, .datum_a = v, .datum_b = 0 };
    return c;
}

static int allow_if(scmp_filter_ctx ctx, int sys, unsigned arg, scmp_datum_t v)
{
    struct scmp_arg_cmp c = arg_eq(arg, v);
    return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, sys, 1, &c);
}

static int allow_fd(scmp_filter_ctx ctx, int sys, int fd)
{
    return allow_if(ctx, sys, 0, (scmp_datum_t)fd);
}

/* Build the allowlist for this guest and compile it to BPF. */
static int build_filter(const struct skiff_vm *vm, struct sock_fprog *prog)
{
    int rc = -1;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx)
        return -1;
    /* 32-bit (int 0x80) and x32 calls: report them too, don't kill silently. */
    if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP) < 0)
        goto out;

    int r = 0;
    r |= allow_fd(ctx, SCMP_SYS(write), vm->console_fd);
    r |= allow_fd(ctx, SCMP_SYS(write), vm->exit_fd);
    r |= allow_fd(ctx, SCMP_SYS(timerfd_settime), vm->timer_fd);
    r |= allow_fd(ctx, SCMP_SYS(read), vm->timer_fd); /* consume expiries */
    r |= allow_fd(ctx, SCMP_SYS(epoll_wait), vm->epoll_fd);
    /* No signal mask: a guest must not unblock the tender's signals on its
     * thread or block the cancel signal while it sleeps. */
    struct scmp_arg_cmp pwait[2] = { arg_eq(0, (scmp_datum_t)vm->epoll_fd), arg_eq(4, 0) };
    r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(epoll_pwait), 2, pwait);
    r |= allow_if(ctx, SCMP_SYS(clock_gettime), 0, CLOCK_MONOTONIC);
    r |= allow_if(ctx, SCMP_SYS(clock_gettime), 0, CLOCK_REALTIME);
    r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit), 0);
    for (unsigned i = 0; i < vm->nic_count; i++) {
        const struct skiff_nic *n = &vm->nics[i];
        if (vm->io_mode == SKIFF_IO_DIRECT) {
            r |= allow_fd(ctx, SCMP_SYS(read), n->fd);
            r |= allow_fd(ctx, SCMP_SYS(write), n->fd);
            /* A closed NIC leaves the guest's poll set (hc_net_forget). */
            struct scmp_arg_cmp del[3] = { arg_eq(0, (scmp_datum_t)vm->epoll_fd),
                                           arg_eq(1, EPOLL_CTL_DEL),
                                           arg_eq(2, (scmp_datum_t)n->fd) };
            r |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(epoll_ctl), 3, del);
        } else {
            r |= allow_fd(ctx, SCMP_SYS(read), n->rx_wake_fd);
            r |= allow_fd(ctx, SCMP_SYS(write), n->tx_kick_fd);
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

GUEST_SIDE static void *guest_thread(void *arg)
{
    struct spt *s = arg;
    stack_t ss = { .ss_sp = s->altstack, .ss_size = SPT_ALTSTACK_BYTES };
    sigset_t mask;

    tls_in_guest = 1;
    /* Handlers must not run on the guest's stack: it is guest memory. */
    if (sigaltstack(&ss, NULL) < 0)
        goto failed;
    sigfillset(&mask);
    sigdelset(&mask, SIGSYS);
    sigdelset(&mask, SPT_CANCEL_SIGNAL);
    for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++)
        sigdelset(&mask, fault_signals[i]);
    if (pthread_sigmask(SIG_SETMASK, &mask, NULL) != 0)
        goto failed;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        goto failed;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &s->prog) < 0)
        goto failed;
    /* Confined from here on: no libc. */
    skiff_spt_enter(s->entry, s->stack_top, s->boot_gpa);

failed:
    fate.detail = (uint64_t)errno;
    record(SKIFF_END_FAILED);
    guest_gone(true);
}

static void spt_free(struct skiff_vm *vm)
{
    struct spt *s = vm->backend_priv;
    if (!s)
        return;
    if (s->altstack)
        munmap(s->altstack, SPT_ALTSTACK_BYTES);
    free(s->prog.filter);
    free(s);
    vm->backend_priv = NULL;
}

static int spt_start(struct skiff_vm *vm)
{
    struct spt *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "skiff: error: out of memory\n");
        return -1;
    }
    vm->backend_priv = s;
    s->joined = true; /* until a thread exists */
    s->entry = vm->img->entry;
    s->stack_top = vm->boot->stack_top;
    s->boot_gpa = vm->boot_gpa;
    memset((void *)&fate, 0, sizeof fate);
    fate_exit_fd = vm->exit_fd;

    if (build_filter(vm, &s->prog) < 0) {
        fprintf(stderr, "skiff: error: cannot build the guest's seccomp filter\n");
        spt_free(vm);
        return -1;
    }
    s->altstack =
        mmap(NULL, SPT_ALTSTACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s->altstack == MAP_FAILED) {
        s->altstack = NULL;
        fprintf(stderr, "skiff: error: mmap: %s\n", strerror(errno));
        spt_free(vm);
        return -1;
    }
    if (install_handlers() < 0) {
        fprintf(stderr, "skiff: error: sigaction: %s\n", strerror(errno));
        spt_free(vm);
        return -1;
    }
    int e = pthread_create(&s->thread, NULL, guest_thread, s);
    if (e) {
        fprintf(stderr, "skiff: error: cannot start the guest thread: %s\n", strerror(e));
        spt_free(vm);
        return -1;
    }
    s->joined = false;
    pthread_setname_np(s->thread, "skiff-guest"); /* for top -H, ps -L, benchmarks */
    return 0;
}

static bool spt_running(struct skiff_vm *vm)
{
    struct spt *s = vm->backend_priv;
    if (!s || s->joined)
        return false;
    if (pthread_tryjoin_np(s->thread, NULL) == 0)
        s->joined = true;
    return !s->joined;
}

static bool join_for(struct spt *s, int ms)
{
    if (skiff_join_for(s->thread, ms))
        s->joined = true;
    return s->joined;
}

static int spt_stop(struct skiff_vm *vm, bool cancel, struct skiff_end *end)
{
    struct spt *s = vm->backend_priv;
    int rc = 0;

    memset(end, 0, sizeof *end);
    if (s && !s->joined) {
        /* A guest that reported its exit gets a moment to finish SYS_exit. */
        if (cancel || !join_for(s, SPT_JOIN_TIMEOUT_MS)) {
            pthread_kill(s->thread, SPT_CANCEL_SIGNAL);
            if (!join_for(s, SPT_JOIN_TIMEOUT_MS))
                rc = -1;
        }
    }

    uint64_t v = 0;
    if (vm->exit_fd < 0 || read(vm->exit_fd, &v, sizeof v) != (ssize_t)sizeof v)
        v = 0;
    int kind = fate.kind ? fate.kind - 1 : -1;
    if (kind == SKIFF_END_SYSCALL || kind == SKIFF_END_FAULT || kind == SKIFF_END_FAILED) {
        end->kind = (enum skiff_end_kind)kind;
        end->signo = fate.signo;
        end->addr = fate.addr;
        end->detail = fate.detail;
        end->arch = fate.arch;
    } else if (v >= 1) {
        /* The guest reported a status (even if it then lingered). */
        end->kind = SKIFF_END_EXIT;
        end->status = v - 1 > 255 ? 255 : (int)(v - 1);
    } else if (cancel || kind == SKIFF_END_CANCELLED) {
        end->kind = SKIFF_END_CANCELLED;
    } else {
        end->kind = SKIFF_END_VANISHED;
    }

    if (s && s->joined)
        spt_free(vm); /* the thread is gone: its signal stack can go */
    return rc;
}

const struct skiff_backend skiff_backend_spt = {
    .name = "spt",
    .target = SKIFF_TARGET_SPT,
    .mem_at_gpa = true,
    .start = spt_start,
    .running = spt_running,
    .stop = spt_stop,
};
