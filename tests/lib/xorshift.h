/*
 * xorshift64*: the tests' pseudo-random numbers (hostile guests picking
 * attacks, ring tests picking values). Small, freestanding (C11 and
 * <stdint.h> only, so test guests include it too), and good enough for
 * choosing inputs; *s must start non-zero.
 */
#ifndef SKIFF_TESTS_XORSHIFT_H
#define SKIFF_TESTS_XORSHIFT_H

#include <stdint.h>

static inline uint64_t xorshift64s(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

#endif /* SKIFF_TESTS_XORSHIFT_H */
