/*
 * Stack protector support for application code (the toolchain compiles it
 * with -fstack-protector-strong and a global guard): the guard, seeded at
 * start from the time-stamp counter before any protected function runs, and
 * the failure path, which ends the guest as Solo5 does (an "ABORT" line,
 * exit status 255).
 */
#include <stdint.h>

#include "skiff/rt.h"
#include "solo5.h"

#include "../bindings/bindings.h"
#include "../bindings/hc.h"

/* A terminator canary until seeded: a string overflow stops at its NULs. */
uintptr_t __stack_chk_guard = 0x00000aff0a0d0000ull;

_Noreturn void __stack_chk_fail(void);

void skiff_ssp_init(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t x = ((uint64_t)hi << 32 | lo) ^ (uint64_t)(uintptr_t)&lo;
    /* splitmix64 finaliser: spread the counter's low-entropy bits. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    /* Low byte zero: string overflows still stop at the canary. */
    __stack_chk_guard = (uintptr_t)(x & ~0xffull);
}

_Noreturn void __stack_chk_fail(void)
{
    hc_exit(SOLO5_EXIT_ABORT, "skiff: ABORT: stack smashing detected");
}
