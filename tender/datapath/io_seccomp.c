/*
 * The I/O thread's seccomp allowlist, installed by the thread on itself
 * before it touches guest memory (other threads keep their own filters).
 * The list is what the thread was observed to need (syscall trace) in both
 * modes: data moves with read/write on its own fds only, it sleeps in epoll,
 * and the C library may allocate (libev grows its pending arrays lazily and
 * glibc gives a new thread its own malloc arena), never with PROT_EXEC.
 * Anything else kills the process: a compromised I/O thread must not reach
 * the rest of the host.
 */
#include "datapath/io_internal.h"
#include "sandbox/seccomp_rules.h"

#include <errno.h>
#include <seccomp.h>
#include <linux/io_uring.h>
#include <sys/mman.h>

/* Allowed without argument checks. Names missing on an architecture are
 * skipped (e.g. epoll_wait or poll on arm64, where glibc uses the p-forms). */
static const char *const plain_syscalls[] = {
    "epoll_wait",
    "epoll_pwait",
    "epoll_ctl",
    "poll",
    "ppoll", /* hang-up check on a packet fd */
    "clock_gettime",
    "gettimeofday", /* in case the vDSO falls back (libev
                     * reads the time both ways; seen with
                     * a non-TSC clocksource in a VM) */
    "futex",        /* semaphore and stdio locks */
    "munmap",
    "madvise",
    "brk",            /* malloc; thread stack release at exit */
    "rt_sigprocmask", /* glibc thread exit */
    "exit",           /* this thread ends */
#ifdef SKIFF_IO_SANITIZE
    /* Sanitizer runtime: allocator, thread teardown. */
    "sigaltstack",
    "prctl",
#endif
};

/* Only on the thread's own fds. */
static const char *const fd_syscalls[] = {
    "read",
    "write",
    "readv",
    "writev",
};

int skiff_io_seccomp_install(const int *fds, unsigned nfds, int ring_fd)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (ctx == NULL)
        return -ENOMEM;

    int rc = skiff_scmp_allow_names(ctx, plain_syscalls,
                                    sizeof plain_syscalls / sizeof plain_syscalls[0]);
    for (size_t i = 0; rc == 0 && i < sizeof fd_syscalls / sizeof fd_syscalls[0]; i++)
        rc = skiff_scmp_allow_fds(ctx, fd_syscalls[i], fds, nfds);
    /* The ring was set up (and restricted to READV/WRITE on the packet fds,
     * see pktio_uring.c) before this filter: only entering it is allowed. */
    if (rc == 0 && ring_fd >= 0) {
        struct scmp_arg_cmp a = {
            .arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)ring_fd, .datum_b = 0
        };
        rc = skiff_scmp_allow(ctx, "io_uring_enter", 1, &a);
        /* ...and, on the way out, dropping its packet fds. */
        struct scmp_arg_cmp unreg[2] = {
            a, { .arg = 1, .op = SCMP_CMP_EQ, .datum_a = IORING_UNREGISTER_FILES, .datum_b = 0 }
        };
        if (rc == 0)
            rc = skiff_scmp_allow(ctx, "io_uring_register", 2, unreg);
    }
    /* New mappings and protection changes, but never executable ones. */
    if (rc == 0)
        rc = skiff_scmp_allow_noexec_maps(ctx);
    return skiff_scmp_load_release(ctx, rc);
}
