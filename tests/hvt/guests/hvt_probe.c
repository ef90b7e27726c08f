/*
 * hvt_probe: a test guest that misbehaves on request, so the hvt backend's
 * argument checks and exit handling can be checked end to end. The command
 * line picks one action:
 *   exit N     return N                 echo ARGS  print ARGS, return 0
 *   badarg     PUTS with its argument block outside guest memory
 *   baddata    PUTS whose data pointer lies outside guest memory
 *   badhalt    HALT whose message pointer lies outside guest memory
 *   badport    OUT to a port that is not a hypercall
 *   fault      write below 1 MiB (unmapped)
 *   wx         write to its own code (read-only page)
 *   hlt        halt the CPU without the HALT hypercall
 *   abort      exit 255 with an abort message
 *   wall       print whether the wall clock looks sane
 *   sleep      yield forever
 */
#include <stdint.h>

#include "skiff/abi.h"
#include "skiff/rt.h"
#include "solo5.h"

static void outl(uint16_t port, uint32_t v)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static void hypercall(unsigned nr, uint64_t gpa)
{
    outl((uint16_t)(SKIFF_HVT_PIO_BASE + nr), (uint32_t)gpa);
}

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *cmd = si->cmdline;
    static volatile struct skiff_hc_puts puts_arg;
    static volatile struct skiff_hc_halt halt_arg;

    if (starts(cmd, "exit ")) {
        int n = 0;
        for (const char *p = cmd + 5; *p >= '0' && *p <= '9'; p++)
            n = n * 10 + (*p - '0');
        return n;
    }
    if (starts(cmd, "echo")) {
        skiff_printf("hvt_probe: cmdline \"%s\"\n", cmd);
        return 0;
    }
    if (strcmp(cmd, "badarg") == 0)
        hypercall(SKIFF_HC_PUTS, 0xfffff000u); /* beyond any test --mem */
    if (strcmp(cmd, "baddata") == 0) {
        puts_arg.data = 0xfff00000u;
        puts_arg.len = 16;
        hypercall(SKIFF_HC_PUTS, (uintptr_t)&puts_arg);
    }
    if (strcmp(cmd, "badhalt") == 0) {
        halt_arg.exit_status = 3;
        halt_arg.cookie = 0xfff00000u;
        hypercall(SKIFF_HC_HALT, (uintptr_t)&halt_arg);
    }
    if (strcmp(cmd, "badport") == 0)
        outl(SKIFF_HVT_PIO_BASE + 0x40, 0);
    if (strcmp(cmd, "fault") == 0) {
        volatile uintptr_t low = 0x10; /* opaque, so the compiler lets us */
        *(volatile int *)low = 1;
    }
    if (strcmp(cmd, "wx") == 0)
        *(volatile uint8_t *)(uintptr_t)&solo5_app_main = 0xc3;
    if (strcmp(cmd, "hlt") == 0)
        __asm__ __volatile__("cli\n\thlt");
    if (strcmp(cmd, "abort") == 0)
        solo5_abort();
    if (strcmp(cmd, "wall") == 0) {
        /* After 2020-01-01 and a monotonic clock that moves. */
        uint64_t t0 = solo5_clock_monotonic();
        int ok = solo5_clock_wall() > 1577836800ull * 1000000000ull;
        solo5_yield(t0 + 20000000ull, NULL);
        ok = ok && solo5_clock_monotonic() - t0 >= 20000000ull;
        skiff_printf("hvt_probe: clocks %s\n", ok ? "ok" : "WRONG");
        return ok ? 0 : 1;
    }
    if (strcmp(cmd, "sleep") == 0)
        for (;;)
            solo5_yield(solo5_clock_monotonic() + 1000000000ull, NULL);
    skiff_printf("hvt_probe: unknown action \"%s\"\n", cmd);
    return 99;
}
