/*
 * exitcost: what one notification costs an hvt guest on this host, timed
 * with the guest's own clock (the TSC). Two loops of N each:
 *   hypercall  WALLTIME: an exit to the tender's vCPU thread and back
 *   kick       an OUT to the kick port, which an ioeventfd absorbs in the
 *              kernel (ring modes only: run with --io=event or poll)
 * One NIC ("net", attach anything: a TAP or an @FD socket) so the kick port
 * has an ioeventfd. Prints "exitcost: hypercall N ns, kick M ns".
 * Usage (guest arguments): [N]   default 20000.
 */
#include <stdint.h>

#include "skiff/abi.h"
#include "skiff/rt.h"
#include "solo5.h"

static void outl(uint16_t port, uint32_t v)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

int solo5_app_main(const struct solo5_start_info *si)
{
    uint64_t n = 0;
    for (const char *p = si->cmdline; *p >= '0' && *p <= '9'; p++)
        n = n * 10 + (uint64_t)(*p - '0');
    if (n == 0)
        n = 20000;
    struct solo5_net_info info;
    solo5_handle_t h;
    if (solo5_net_acquire("net", &h, &info) != SOLO5_R_OK) {
        skiff_printf("exitcost: cannot acquire NIC 'net'\n");
        return 1;
    }

    uint64_t t0 = solo5_clock_monotonic();
    for (uint64_t i = 0; i < n; i++)
        (void)solo5_clock_wall();
    uint64_t t1 = solo5_clock_monotonic();
    for (uint64_t i = 0; i < n; i++)
        outl(SKIFF_HVT_PIO_KICK, (uint32_t)h);
    uint64_t t2 = solo5_clock_monotonic();
    skiff_printf("exitcost: hypercall %llu ns, kick %llu ns (%llu each)\n",
                 (unsigned long long)((t1 - t0) / n), (unsigned long long)((t2 - t1) / n),
                 (unsigned long long)n);
    return 0;
}
