/*
 * router: counter names and sums.
 */
#include "counters.h"

const char *const rt_drop_names[RT_DROP_COUNT] = {
#define RT_DROP_NAME(name, str) str,
    RT_DROP_REASONS(RT_DROP_NAME)
#undef RT_DROP_NAME
};

uint64_t rt_counters_dropped(const struct rt_nic_counters *c)
{
    uint64_t n = 0;

    for (int i = 0; i < RT_DROP_COUNT; i++)
        n += c->dropped[i];
    return n;
}
