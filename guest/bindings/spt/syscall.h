/*
 * Raw Linux x86_64 system calls for the spt guest (and the loader that starts
 * its process, tender/spt/loader). There is no libc: the
 * guest enters the kernel directly, and the seccomp filter of its process
 * decides what is allowed. Kernel ABI: number in rax, arguments in rdi, rsi,
 * rdx, r10, r8, r9; the kernel clobbers rcx and r11; result in rax, -errno
 * on failure.
 */
#ifndef SKIFF_SPT_SYSCALL_H
#define SKIFF_SPT_SYSCALL_H

#include <stdint.h>

#define SPT_SYS_read            0
#define SPT_SYS_write           1
#define SPT_SYS_pread64         17
#define SPT_SYS_pwrite64        18
#define SPT_SYS_exit            60
#define SPT_SYS_arch_prctl      158
#define SPT_SYS_clock_gettime   228
#define SPT_SYS_epoll_ctl       233
#define SPT_SYS_epoll_pwait     281
#define SPT_SYS_timerfd_settime 286

#define SPT_ARCH_SET_FS 0x1002

#define SPT_EINTR  4
#define SPT_EAGAIN 11

#define SPT_EPOLL_CTL_ADD 1
#define SPT_EPOLL_CTL_DEL 2
#define SPT_EPOLLIN       0x001u

#define SPT_CLOCK_REALTIME    0
#define SPT_CLOCK_MONOTONIC   1
#define SPT_TFD_TIMER_ABSTIME 1

/* Kernel structures, x86_64 layout. */
struct spt_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};
struct spt_itimerspec {
    struct spt_timespec it_interval;
    struct spt_timespec it_value;
};
/* struct epoll_event is packed on x86_64 (12 bytes). */
struct spt_epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct spt_epoll_event) == 12, "x86_64 epoll_event");

static inline long spt_syscall3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a), "S"(b), "d"(c)
                         : "rcx", "r11", "memory");
    return ret;
}

static inline long spt_syscall4(long nr, long a, long b, long c, long d)
{
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                         : "rcx", "r11", "memory");
    return ret;
}

static inline long spt_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
    return ret;
}

#endif /* SKIFF_SPT_SYSCALL_H */
