/*
 * urunc_seccomp: load the seccomp filter urunc puts on solo5-hvt, then
 * execute the rest of the command line under it.
 *
 *   urunc_seccomp PROGRAM [ARGS...]
 *
 * What urunc documents for its hvt monitor (pkg/unikontainers/hypervisors,
 * "seccomp" on by default): no_new_privs, the filter synchronised to every
 * thread (TSYNC), default action TRAP (a forbidden call raises SIGSYS, which
 * kills a process that does not catch it) and exactly these 43 system calls
 * allowed, with no argument checks. Built from that list, not urunc's code.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

static const char *const allowed[] = {
    "rt_sigaction",   "ioctl",       "pread64",         "mmap",
    "recvmsg",        "openat",      "sendto",          "mprotect",
    "write",          "epoll_ctl",   "epoll_create1",   "read",
    "open",           "close",       "fstat",           "stat",
    "munmap",         "brk",         "access",          "execve",
    "timerfd_create", "arch_prctl",  "lseek",           "personality",
    "socket",         "bind",        "getsockname",     "exit",
    "exit_group",     "getpid",      "tgkill",          "nanosleep",
    "futex",          "epoll_pwait", "rt_sigreturn",    "timerfd_settime",
    "pwrite64",       "newfstatat",  "set_tid_address", "set_robust_list",
    "rseq",           "prlimit64",   "getrandom",
};

_Static_assert(sizeof allowed / sizeof allowed[0] == 43, "urunc allows 43 system calls");

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: urunc_seccomp PROGRAM [ARGS...]\n");
        return 2;
    }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx) {
        fprintf(stderr, "urunc_seccomp: seccomp_init failed\n");
        return 2;
    }
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    for (size_t i = 0; rc == 0 && i < sizeof allowed / sizeof allowed[0]; i++) {
        int nr = seccomp_syscall_resolve_name(allowed[i]);
        if (nr == __NR_SCMP_ERROR) {
            fprintf(stderr, "urunc_seccomp: unknown system call %s\n", allowed[i]);
            return 2;
        }
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    }
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0) {
        fprintf(stderr, "urunc_seccomp: cannot load the filter: %s\n", strerror(-rc));
        return 2;
    }
    /* From here only the 43 calls: execve is one of them. */
    execv(argv[1], argv + 1);
    fprintf(stderr, "urunc_seccomp: %s: %s\n", argv[1], strerror(errno)); /* write: allowed */
    return 127;
}
