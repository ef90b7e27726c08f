/*
 * router: the Internet checksum (RFC 1071) and its incremental update
 * (RFC 1624), which forwarding uses to fix the IPv4 header checksum after
 * decrementing the TTL without summing the header again.
 */
#ifndef ROUTER_CSUM_H
#define ROUTER_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds the big-endian 16-bit words of p[0..n) to acc (an odd last byte is
 * padded with zero). Not folded: feed the result to rt_fold(). */
uint64_t rt_sum(const uint8_t *p, size_t n, uint64_t acc);

/* Folds a sum to 16 bits, ones' complement (end-around carry). */
uint16_t rt_fold(uint64_t sum);

/* The checksum to store: ~fold(sum of p[0..n)). Over data that includes a
 * correct checksum field the sum folds to 0xffff, so this returns 0. */
uint16_t rt_csum(const uint8_t *p, size_t n);

/* RFC 1624, eqn. 3: the new checksum HC' = ~(~HC + ~m + m') when one 16-bit
 * word of the covered data changes from m to m2. */
uint16_t rt_csum_adjust(uint16_t hc, uint16_t m, uint16_t m2);

#endif /* ROUTER_CSUM_H */
