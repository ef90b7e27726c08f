/*
 * probe: a test guest that misbehaves on request, so the tender's spt
 * confinement and exit paths can be checked end to end. The command line
 * picks one action:
 *   exit N    return N                 echo ARGS  print ARGS, return 0
 *   syscall   make a forbidden call    sigmask    epoll_pwait with a mask
 *   fault     write below 1 MiB        wx         write to its own code
 *   vanish    end the thread silently  sleep      yield forever
 */
#include <stdint.h>

#include "skiff/rt.h"
#include "solo5.h"

static long raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *cmd = si->cmdline;

    if (starts(cmd, "exit ")) {
        int n = 0;
        for (const char *p = cmd + 5; *p >= '0' && *p <= '9'; p++)
            n = n * 10 + (*p - '0');
        return n;
    }
    if (starts(cmd, "echo")) {
        skiff_printf("probe: cmdline \"%s\" heap %zu\n", cmd, si->heap_size);
        return 0;
    }
    if (strcmp(cmd, "syscall") == 0)
        raw_syscall6(39 /* getpid */, 0, 0, 0, 0, 0, 0);
    if (strcmp(cmd, "sigmask") == 0) {
        uint64_t mask = 0, ev[2];
        raw_syscall6(281 /* epoll_pwait */, 3, (long)ev, 1, 0, (long)&mask, 8);
    }
    if (strcmp(cmd, "fault") == 0) {
        volatile uintptr_t low = 0x10; /* opaque, so the compiler lets us */
        *(volatile int *)low = 1;
    }
    if (strcmp(cmd, "wx") == 0)
        *(volatile uint8_t *)(uintptr_t)&solo5_app_main = 0xc3;
    if (strcmp(cmd, "vanish") == 0)
        for (;;)
            raw_syscall6(60 /* exit */, 0, 0, 0, 0, 0, 0);
    if (strcmp(cmd, "sleep") == 0)
        for (;;)
            solo5_yield(solo5_clock_monotonic() + 1000000000ull, NULL);
    skiff_printf("probe: unknown action \"%s\"\n", cmd);
    return 99;
}
