/*
 * The capture writer thread's seccomp allowlist, installed by the thread on
 * itself before it reads a ring. It writes its own files (and stderr, for
 * the one line a failed write prints), sleeps in ppoll, reads clocks, and
 * ends; it opens nothing (the files are opened before the guest runs).
 */
#include "capture.h"
#include "seccomp_rules.h"

#include <errno.h>
#include <seccomp.h>
#include <sys/mman.h>

static const char *const plain_syscalls[] = {
    "ppoll",       "poll",           "clock_gettime", "gettimeofday", /* vDSO fallback */
    "futex",                                                          /* stdio lock */
    "munmap",      "madvise",        /* thread stack release at exit */
    "brk",         "rt_sigprocmask", /* glibc thread exit */
    "exit",
#ifdef SKIFF_IO_SANITIZE
    "sigaltstack", "prctl",
#endif
};

int skiff_capture_seccomp_install(const int *fds, unsigned nfds)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (ctx == NULL)
        return -ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(plain_syscalls) / sizeof(plain_syscalls[0]); i++)
        rc = skiff_scmp_allow(ctx, plain_syscalls[i], 0, NULL);
    for (unsigned k = 0; rc == 0 && k < nfds; k++) {
        struct scmp_arg_cmp a = {
            .arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)fds[k], .datum_b = 0
        };
        rc = skiff_scmp_allow(ctx, "write", 1, &a);
    }
    if (rc == 0) {
        struct scmp_arg_cmp noexec = {
            .arg = 2, .op = SCMP_CMP_MASKED_EQ, .datum_a = PROT_EXEC, .datum_b = 0
        };
        rc = skiff_scmp_allow(ctx, "mmap", 1, &noexec);
        if (rc == 0)
            rc = skiff_scmp_allow(ctx, "mprotect", 1, &noexec);
    }
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc;
}
