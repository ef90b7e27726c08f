/*
 * clock: an spt guest that reads its clocks many times, for
 * tests/spt/vdso_clock.sh: the reads must go through the kernel's vDSO
 * (no system call each) and still behave as clocks. Command line: the
 * number of monotonic reads (default 100000).
 */
#include <stdint.h>

#include "skiff/rt.h"
#include "solo5.h"

int solo5_app_main(const struct solo5_start_info *si)
{
    uint64_t n = 0;
    for (const char *p = si->cmdline; *p >= '0' && *p <= '9'; p++)
        n = n * 10 + (uint64_t)(*p - '0');
    if (n == 0)
        n = 100000;

    solo5_time_t first = solo5_clock_monotonic(), prev = first;
    for (uint64_t i = 0; i < n; i++) {
        solo5_time_t now = solo5_clock_monotonic();
        if (now < prev) {
            skiff_printf("clock: FAILED: monotonic clock went back after %llu reads\n",
                         (unsigned long long)i);
            return 1;
        }
        prev = now;
    }
    /* 2020-01-01 .. 2100-01-01 */
    solo5_time_t wall = solo5_clock_wall();
    if (wall < 1577836800ull * 1000000000ull || wall > 4102444800ull * 1000000000ull) {
        skiff_printf("clock: FAILED: wall clock implausible\n");
        return 1;
    }
    skiff_printf("clock: %llu reads in %llu ns: OK\n", (unsigned long long)n,
                 (unsigned long long)(prev - first));
    return 0;
}
