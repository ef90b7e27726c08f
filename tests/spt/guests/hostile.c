/*
 * hostile: an spt guest that tries to get at its tender, one attempt per
 * run, so tests/spt/hostile.sh can check that each attempt kills the guest
 * process by the right signal and nothing else. Command line:
 *   fsread OFF      read 8 bytes at %fs:OFF (the tender's TLS, stack
 *                   canary at %fs:0x28, if %fs were still glibc's)
 *   read ADDR       read 8 bytes at ADDR
 *   write ADDR      write 8 bytes at ADDR
 *   exec ADDR       jump to ADDR
 *   sys NR [ARGS]   system call NR with up to six arguments (numbers,
 *                   decimal or 0x hex; "-1" for -1)
 *   int80 NR        32-bit system call NR through int $0x80
 *   x32 NR          x32 system call NR (the x32 bit set)
 *   fsbase          print the %fs base the guest starts with (rdfsbase)
 *   sleep           yield forever (for /proc inspection)
 * Each attempt that is not stopped prints "hostile: SURVIVED ..." and
 * returns 3, so a missing protection fails the test with a clear line.
 */
#include <stdbool.h>
#include <stdint.h>

#include "skiff/rt.h"
#include "solo5.h"

static const char *skip_space(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

/* Parse one number (decimal, 0x hex, optional leading '-'); NULL if none. */
static const char *number(const char *s, uint64_t *out)
{
    bool neg = false;
    uint64_t v = 0;
    s = skip_space(s);
    if (*s == '-') {
        neg = true;
        s++;
    }
    if (s[0] == '0' && s[1] == 'x') {
        s += 2;
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return NULL;
        for (; (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'); s++)
            v = v * 16 + (uint64_t)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
    } else {
        if (*s < '0' || *s > '9')
            return NULL;
        for (; *s >= '0' && *s <= '9'; s++)
            v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = neg ? (uint64_t)0 - v : v;
    return s;
}

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int survived(const char *what, uint64_t v)
{
    skiff_printf("hostile: SURVIVED %s (0x%llx)\n", what, (unsigned long long)v);
    return 3;
}

static long raw_syscall(uint64_t nr, const uint64_t a[6])
{
    long ret;
    register uint64_t r10 __asm__("r10") = a[3];
    register uint64_t r8 __asm__("r8") = a[4];
    register uint64_t r9 __asm__("r9") = a[5];
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *cmd = si->cmdline;
    uint64_t v = 0;

    if (starts(cmd, "fsread ") && number(cmd + 7, &v)) {
        uint64_t got;
        __asm__ volatile("movq %%fs:(%1), %0" : "=r"(got) : "r"(v) : "memory");
        return survived("read through %fs", got);
    }
    if (starts(cmd, "read ") && number(cmd + 5, &v))
        return survived("read", *(volatile uint64_t *)(uintptr_t)v);
    if (starts(cmd, "write ") && number(cmd + 6, &v)) {
        *(volatile uint64_t *)(uintptr_t)v = 0x4141414141414141ull;
        return survived("write", v);
    }
    if (starts(cmd, "exec ") && number(cmd + 5, &v)) {
        ((void (*)(void))(uintptr_t)v)();
        return survived("exec", v);
    }
    if (starts(cmd, "sys ")) {
        uint64_t a[6] = { 0, 0, 0, 0, 0, 0 };
        const char *p = number(cmd + 4, &v);
        for (unsigned i = 0; p && i < 6; i++)
            p = number(p, &a[i]);
        long r = raw_syscall(v, a);
        return survived("system call", (uint64_t)r);
    }
    if (starts(cmd, "int80 ") && number(cmd + 6, &v)) {
        long r;
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(v) : "memory");
        return survived("int $0x80", (uint64_t)r);
    }
    if (starts(cmd, "x32 ") && number(cmd + 4, &v)) {
        const uint64_t a[6] = { 0, 0, 0, 0, 0, 0 };
        long r = raw_syscall(v | 0x40000000u, a);
        return survived("x32 system call", (uint64_t)r);
    }
    if (strcmp(cmd, "fsbase") == 0) {
        uint64_t base;
        __asm__ volatile("rdfsbase %0" : "=r"(base));
        skiff_printf("hostile: fsbase 0x%llx\n", (unsigned long long)base);
        return base == 0 ? 0 : 3;
    }
    if (strcmp(cmd, "sleep") == 0)
        for (;;)
            solo5_yield(solo5_clock_monotonic() + 1000000000ull, NULL);
    skiff_printf("hostile: unknown action \"%s\"\n", cmd);
    return 99;
}
