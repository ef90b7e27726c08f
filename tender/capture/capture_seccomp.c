/*
 * The capture writer thread's seccomp allowlist, installed by the thread on
 * itself before it reads a ring. It writes its own files (and stderr, for
 * the one line a failed write prints), sleeps in ppoll, reads clocks, and
 * ends; it opens nothing (the files are opened before the guest runs)
 * except, with --pcap-limit, the next file in the same folder.
 */
#include "capture/capture.h"
#include "sandbox/seccomp_rules.h"

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

/* --pcap-limit rotation (pcap_writer.c): NAME -> NAME.1 and a new NAME,
 * within the file's folder only, and the new file onto the old fd number. */
static int allow_rotation(scmp_filter_ctx ctx, int dir, int fd)
{
    struct scmp_arg_cmp both[2] = {
        { .arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)dir, .datum_b = 0 },
        { .arg = 2, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)dir, .datum_b = 0 },
    };
    int rc = skiff_scmp_allow(ctx, "renameat", 2, both);
    if (rc == 0)
        rc = skiff_scmp_allow(ctx, "renameat2", 2, both);
    if (rc == 0)
        rc = skiff_scmp_allow(ctx, "openat", 1, both);
    struct scmp_arg_cmp onto = {
        .arg = 1, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)fd, .datum_b = 0
    };
    if (rc == 0)
        rc = skiff_scmp_allow(ctx, "dup3", 1, &onto);
    return rc;
}

int skiff_capture_seccomp_install(const int *fds, unsigned nfds, const int *dirs,
                                  const int *rot_fds, unsigned nrot)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (ctx == NULL)
        return -ENOMEM;
    int rc = skiff_scmp_allow_names(ctx, plain_syscalls,
                                    sizeof plain_syscalls / sizeof plain_syscalls[0]);
    if (rc == 0)
        rc = skiff_scmp_allow_fds(ctx, "write", fds, nfds);
    for (unsigned k = 0; rc == 0 && k < nrot; k++)
        rc = allow_rotation(ctx, dirs[k], rot_fds[k]);
    /* The new file's own fd, once it is dup3'd onto the old number. */
    if (rc == 0 && nrot > 0)
        rc = skiff_scmp_allow(ctx, "close", 0, NULL);
    if (rc == 0)
        rc = skiff_scmp_allow_noexec_maps(ctx);
    return skiff_scmp_load_release(ctx, rc);
}
