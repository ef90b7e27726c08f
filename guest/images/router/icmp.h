/*
 * router: the ICMP messages it sends - errors about packets it cannot
 * forward (RFC 792, RFC 1812 4.3), echo replies to its own addresses - and
 * the token bucket that limits how many errors it sends.
 */
#ifndef ROUTER_ICMP_H
#define ROUTER_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest ICMP error IPv4 packet (RT_ICMP_ERROR_MAX). */
#define RT_ICMP_ERROR_BUF 576u

/* An ICMP type that is an error (no error is ever sent about one): every
 * type but the queries and their replies. */
bool rt_icmp_type_is_error(int type);

/*
 * Writes at `ip` (RT_ICMP_ERROR_BUF bytes) an IPv4 packet carrying an ICMP
 * error from src to dst about the packet `orig` (orig_len bytes from its IP
 * header), quoting as much of it as fits in 576 bytes. `mtu` goes in the
 * next-hop MTU field (fragmentation needed; 0 otherwise). Returns the
 * packet's length.
 */
size_t rt_icmp_error(uint8_t *ip, uint32_t src, uint32_t dst, uint16_t id, uint8_t type,
                     uint8_t code, uint16_t mtu, const uint8_t *orig, size_t orig_len);

/*
 * Turns the echo request at `ip` (header of hlen bytes, tot_len in all,
 * checked) into its reply in place: addresses swapped, options dropped,
 * TTL 64, new id, checksums updated. Returns the reply's length.
 */
size_t rt_icmp_echo_reply(uint8_t *ip, size_t hlen, size_t tot_len, uint16_t id);

/* Token bucket: `rate` messages per second, bursts of rate / 10 (at
 * least 1); rate 0 allows nothing. */
struct rt_ratelimit {
    uint64_t cost;   /* ns of credit per message */
    uint64_t cap;    /* most credit held */
    uint64_t credit; /* ns */
    uint64_t last;   /* when credit was last added */
};

void rt_ratelimit_init(struct rt_ratelimit *rl, uint32_t rate, uint64_t now);

/* true (and one message's credit spent) if a message may go now. */
bool rt_ratelimit_take(struct rt_ratelimit *rl, uint64_t now);

#endif /* ROUTER_ICMP_H */
