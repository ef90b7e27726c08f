/* SSE floating point works (the platform enabled it and keeps its state). */
#include "util.h"

static volatile double seed = 2.0;

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    /* Newton's iteration for sqrt(2), then check x*x against 2. */
    double x = seed;
    for (int i = 0; i < 20; i++)
        x = 0.5 * (x + seed / x);
    double err = x * x - 2.0;
    if (err < 0)
        err = -err;
    float f = (float)x * 1000.0f;
    if (err > 1e-12 || (int)f != 1414)
        return verdict("fpu", "wrong result");
    solo5_yield(solo5_clock_monotonic() + 1000000, NULL); /* state kept across a wait */
    if (x * x - 2.0 != err && 2.0 - x * x != err)
        return verdict("fpu", "state lost across solo5_yield");
    return verdict("fpu", NULL);
}
