/*
 * Helpers both backends use for the thread that runs the guest (spt's guest
 * thread, hvt's vCPU thread): compiling its seccomp allowlist into a BPF
 * program that the thread loads itself, and joining it with a deadline.
 */
#ifndef SKIFF_GUEST_THREAD_H
#define SKIFF_GUEST_THREAD_H

#include <linux/filter.h>
#include <pthread.h>
#include <stdbool.h>

#include <seccomp.h>

/*
 * Compile ctx into *prog (malloc'd filter; free prog->filter). The thread
 * then loads it with seccomp(SECCOMP_SET_MODE_FILTER), a single system call
 * and no library code, so nothing runs between the filter and the guest.
 * Returns 0 or -1.
 */
int skiff_seccomp_compile(scmp_filter_ctx ctx, struct sock_fprog *prog);

/* Join `thread` if it ends within `ms` milliseconds; true if joined. */
bool skiff_join_for(pthread_t thread, int ms);

#endif /* SKIFF_GUEST_THREAD_H */
