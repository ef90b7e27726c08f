/*
 * Main's seccomp allowlist. Until the guest runs, main needs the whole set-up
 * vocabulary (open TAPs by name, create KVM VMs, fork the spt guest); after
 * that it only waits, prints, stops and tears down. This filter is that
 * second list, loaded by main on itself (filters are per thread: the I/O
 * thread and hvt's vCPU thread load their own). A tender bug that strays
 * outside it kills the process, and with it the guest (spt: PDEATHSIG).
 *
 * The list was taken from what main was observed to call (syscall traces
 * of every test) and is written down in docs/architecture.md.
 */
#include "sandbox/main_seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <seccomp.h>

#include "core/backend.h"
#include "sandbox/seccomp_rules.h"

/* Without argument checks. */
static const char *const plain[] = {
    "close",           /* teardown */
    "exit",            /* (a thread of ours ending) */
    "exit_group",      /* main returns */
    "futex",           /* pthread_join, stdio and allocator locks */
    "clock_gettime",   /* if the vDSO falls back */
    "gettimeofday",    /* idem */
    "restart_syscall", /* a wait interrupted by SIGSTOP/SIGCONT */
    "getpid",          /* pthread_kill */
    "gettid",
    "rt_sigprocmask", /* pthread_kill blocks signals around its tgkill */
    "munmap",         /* guest memory, thread stacks, allocator */
    "madvise",
    "brk",
    "fstat", /* stdio's first write to a stream */
    "lseek",
#ifdef SKIFF_MAIN_SANITIZE
    /* LeakSanitizer at exit stops the world from a helper task (a clone of
     * main, so under this filter) that lists /proc/self/task and attaches
     * to every thread with ptrace. Sanitizer builds only. */
    "clone",
    "prctl",
    "sched_yield",
    "wait4",
    "getppid",
    "sigaltstack",
    "rt_sigaction",
    "open",
    "openat",
    "getdents",
    "getdents64",
    "ptrace",
    "read",
#endif
};

int skiff_main_seccomp_install(const struct skiff_vm *vm, const struct skiff_main_fds *f)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) {
        fprintf(stderr, "skiff: error: cannot build main's seccomp filter: out of memory\n");
        return -1;
    }
    int r = 0;
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        r |= skiff_scmp_allow(ctx, plain[i], 0, NULL);

    /* Memory for the allocator, never executable; anonymous only. */
    struct scmp_arg_cmp anon_noexec[2] = {
        { .arg = 2, .op = SCMP_CMP_MASKED_EQ, .datum_a = PROT_EXEC, .datum_b = 0 },
        skiff_scmp_eq(4, (scmp_datum_t)-1),
    };
    r |= skiff_scmp_allow(ctx, "mmap", 2, anon_noexec);
    r |= skiff_scmp_allow(ctx, "mprotect", 1, anon_noexec);
    /* fstat() as glibc does it: on an fd, no path. */
    struct scmp_arg_cmp fd_only = {
        .arg = 3, .op = SCMP_CMP_MASKED_EQ, .datum_a = AT_EMPTY_PATH, .datum_b = AT_EMPTY_PATH
    };
    r |= skiff_scmp_allow(ctx, "newfstatat", 1, &fd_only);

    /* Its own fds: wait, signals, output, the I/O thread, the guest's exit. */
    r |= skiff_scmp_allow_fd(ctx, "epoll_wait", f->wait_fd);
    r |= skiff_scmp_allow_fd(ctx, "epoll_pwait", f->wait_fd);
    r |= skiff_scmp_allow_fd(ctx, "read", f->signal_fd);
    r |= skiff_scmp_allow_fd(ctx, "write", STDOUT_FILENO);
    r |= skiff_scmp_allow_fd(ctx, "write", STDERR_FILENO);
    r |= skiff_scmp_allow_fd(ctx, "write", f->io_stop_fd);
    r |= skiff_scmp_allow_fd(ctx, "write", f->stats_fd);
    /* --stats=FILE: written to FILE.tmp, then renamed within its folder
     * (or removed); both opened before this filter. */
    if (f->stats_dir >= 0) {
        struct scmp_arg_cmp dirs[2] = { skiff_scmp_eq(0, (scmp_datum_t)f->stats_dir),
                                        skiff_scmp_eq(2, (scmp_datum_t)f->stats_dir) };
        r |= skiff_scmp_allow(ctx, "renameat", 2, dirs);
        r |= skiff_scmp_allow(ctx, "renameat2", 2, dirs);
        r |= skiff_scmp_allow(ctx, "unlinkat", 1, dirs);
    }
    /* A TAP configured with offloads is set back to plain at exit. */
    for (unsigned i = 0; i < vm->nic_count; i++) {
        const struct skiff_nic *n = &vm->nics[i];
        if (n->fd < 0 || !n->vnet || n->inherited)
            continue;
        struct scmp_arg_cmp off[2] = { skiff_scmp_eq(0, (scmp_datum_t)n->fd),
                                       skiff_scmp_eq(1, (scmp_datum_t)TUNSETOFFLOAD) };
        r |= skiff_scmp_allow(ctx, "ioctl", 2, off);
    }
    /* The end by a signal (main.c, die_by_signal: an spt guest's death, or
     * a stop signal as solo5-spt): that signal's default action, no core
     * dump of the tender, the signal unblocked (rt_sigprocmask, above) and
     * sent to itself. */
#ifndef SKIFF_MAIN_SANITIZE /* (allowed without conditions there already) */
    r |= skiff_scmp_allow(ctx, "rt_sigaction", 0, NULL);
    struct scmp_arg_cmp nodump[2] = { skiff_scmp_eq(0, PR_SET_DUMPABLE), skiff_scmp_eq(1, 0) };
    r |= skiff_scmp_allow(ctx, "prctl", 2, nodump);
#endif
    struct scmp_arg_cmp self = skiff_scmp_eq(0, (scmp_datum_t)getpid());
    r |= skiff_scmp_allow(ctx, "kill", 1, &self);
    /* Direct mode: main polls the packet fds for a device that went away
     * (net/direct.c, skiff_direct_check_nics). */
    if (vm->io_mode == SKIFF_IO_DIRECT && vm->nic_count > 0) {
        r |= skiff_scmp_allow(ctx, "poll", 0, NULL);
        r |= skiff_scmp_allow(ctx, "ppoll", 0, NULL);
    }
    if (vm->backend->confine_main)
        r |= vm->backend->confine_main(vm, ctx);

    int rc = r ? -EINVAL : seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0) {
        fprintf(stderr, "skiff: error: cannot load main's seccomp filter: %s\n", strerror(-rc));
        return -1;
    }
    return 0;
}
