/*
 * router: Internet checksum, full (RFC 1071) and incremental (RFC 1624).
 */
#include "csum.h"

uint64_t rt_sum(const uint8_t *p, size_t n, uint64_t acc)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < n)
        acc += (uint32_t)p[i] << 8;
    return acc;
}

uint16_t rt_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

uint16_t rt_csum(const uint8_t *p, size_t n)
{
    return (uint16_t)~rt_fold(rt_sum(p, n, 0));
}

uint16_t rt_csum_adjust(uint16_t hc, uint16_t m, uint16_t m2)
{
    /* Eqn. 3 rather than eqn. 2 (HC' = HC - ~m - m'): it never turns a
     * checksum into -0 where the full computation would give +0. */
    uint32_t sum = (uint32_t)(uint16_t)~hc + (uint16_t)~m + m2;
    return (uint16_t)~rt_fold(sum);
}
