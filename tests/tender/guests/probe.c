/*
 * probe: a test guest that misbehaves on request, so the tender's spt
 * confinement and exit paths can be checked end to end. The command line
 * picks one action: those of every probe (tests/lib/probe: exit N, echo,
 * fault, wx, sleep), or
 *   syscall   make a forbidden call    sigmask    epoll_pwait with a mask
 *   vanish    end the thread silently
 */
#include <stdint.h>

#include "probe.h"
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

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *cmd = si->cmdline;
    int status;

    if (probe_common("probe", si, &status)) /* exit, echo, fault, wx, sleep */
        return status;
    if (strcmp(cmd, "syscall") == 0)
        raw_syscall6(39 /* getpid */, 0, 0, 0, 0, 0, 0);
    if (strcmp(cmd, "sigmask") == 0) {
        uint64_t mask = 0, ev[2];
        raw_syscall6(281 /* epoll_pwait */, 3, (long)ev, 1, 0, (long)&mask, 8);
    }
    if (strcmp(cmd, "vanish") == 0)
        for (;;)
            raw_syscall6(60 /* exit */, 0, 0, 0, 0, 0, 0);
    skiff_printf("probe: unknown action \"%s\"\n", cmd);
    return 99;
}
