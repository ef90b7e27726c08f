/*
 * spt allowlists (spt_seccomp.c): the guest process's filter, and the rules
 * main's filter needs for the guest process.
 */
#ifndef SKIFF_SPT_SECCOMP_H
#define SKIFF_SPT_SECCOMP_H

#include <linux/filter.h>
#include <sys/types.h>

#include <seccomp.h>

#include "core/vm.h"

/* waitid()'s idtype for a pidfd (Linux 5.4; older C libraries lack it). */
#define SKIFF_P_PIDFD 3

/*
 * Compile the guest process's allowlist into *prog (malloc'd filter, free
 * prog->filter): the guest's fds from vm, the report pipe's write end, and
 * tgkill on `pid` itself for the loader's fatal-signal handlers.
 * Returns 0 or -1.
 */
int skiff_spt_filter_build(const struct skiff_vm *vm, pid_t pid, int report_fd,
                           struct sock_fprog *prog);

/* Add to main's filter what it does with the guest process once it runs:
 * reap it through pidfd, SIGKILL it, read its report and exit fds. */
int skiff_spt_main_rules(scmp_filter_ctx ctx, int pidfd, int report_fd, int exit_fd);

#endif /* SKIFF_SPT_SECCOMP_H */
