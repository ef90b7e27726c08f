/* spt: a system call outside the guest's allowlist kills it (SIGSYS). */
#include "util.h"

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    long ret;
    /* getppid: harmless, and never on a guest's allowlist */
    __asm__ __volatile__("syscall" : "=a"(ret) : "a"(110L) : "rcx", "r11", "memory");
    return verdict("seccomp", "forbidden system call returned");
}
