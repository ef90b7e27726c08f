/*
 * Helpers for whatever runs the guest: compiling a seccomp allowlist into a
 * BPF program (spt: sent to the guest process's loader; hvt: loaded by the
 * vCPU thread on itself), and joining hvt's vCPU thread with a deadline.
 */
#ifndef SKIFF_GUEST_THREAD_H
#define SKIFF_GUEST_THREAD_H

#include <linux/filter.h>
#include <pthread.h>
#include <stdbool.h>

#include <seccomp.h>

/*
 * Compile ctx into *prog (malloc'd filter; free prog->filter). Whoever runs
 * the guest then loads it with seccomp(SECCOMP_SET_MODE_FILTER), a single
 * system call and no library code, so nothing runs between the filter and
 * the guest.
 * Returns 0 or -1.
 */
int skiff_seccomp_compile(scmp_filter_ctx ctx, struct sock_fprog *prog);

/* Join `thread` if it ends within `ms` milliseconds; true if joined. */
bool skiff_join_for(pthread_t thread, int ms);

#endif /* SKIFF_GUEST_THREAD_H */
