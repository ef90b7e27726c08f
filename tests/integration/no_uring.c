/*
 * Run a command where io_uring is forbidden, as a container's seccomp
 * profile or kernel.io_uring_disabled would forbid it: io_uring_setup fails
 * with EPERM (the filter is inherited across exec). Lets a test check that
 * the tender falls back to one read/write per frame and says why, without
 * touching a machine-wide sysctl.
 * Usage: no_uring PROGRAM [ARGS...]
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: no_uring PROGRAM [ARGS...]\n");
        return 2;
    }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL ||
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(io_uring_setup), 0) < 0 ||
        seccomp_load(ctx) < 0) {
        fprintf(stderr, "no_uring: cannot install the seccomp filter\n");
        return 2;
    }
    seccomp_release(ctx);
    execv(argv[1], argv + 1);
    fprintf(stderr, "no_uring: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
