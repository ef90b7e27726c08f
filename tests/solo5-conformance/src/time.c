/* Clocks: monotonic never goes back, solo5_yield sleeps until its deadline,
 * the wall clock is a plausible date. */
#include "util.h"

#define MS 1000000ull

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    solo5_time_t prev = solo5_clock_monotonic();
    for (int i = 0; i < 10000; i++) {
        solo5_time_t now = solo5_clock_monotonic();
        if (now < prev)
            return verdict("time", "monotonic clock went back");
        prev = now;
    }
    for (int i = 0; i < 5; i++) {
        solo5_time_t t0 = solo5_clock_monotonic();
        solo5_handle_set_t ready = 1;
        solo5_yield(t0 + 100 * MS, &ready);
        solo5_time_t slept = solo5_clock_monotonic() - t0;
        if (slept < 100 * MS)
            return verdict("time", "solo5_yield returned before its deadline");
        if (slept > 5000 * MS)
            return verdict("time", "solo5_yield slept far past its deadline");
        if (ready != 0)
            return verdict("time", "ready set not cleared without devices");
    }
    /* 2020-01-01 .. 2100-01-01 */
    solo5_time_t wall = solo5_clock_wall();
    if (wall < 1577836800ull * 1000000000ull || wall > 4102444800ull * 1000000000ull)
        return verdict("time", "wall clock implausible");
    return verdict("time", NULL);
}
