/*
 * router: IPv4 fragmentation (RFC 791), for packets without DF that are
 * larger than the egress MTU. Each fragment is a complete IPv4 packet
 * written to a buffer of the caller's; a packet that is itself a fragment
 * is cut into fragments of the same original datagram.
 */
#ifndef ROUTER_FRAG_H
#define ROUTER_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rt_frag {
    const uint8_t *ip;    /* the packet (checked by rt_ip_parse) */
    size_t hlen, payload; /* its header length, payload bytes */
    size_t mtu;
    size_t off;        /* payload bytes done */
    size_t later_hlen; /* header length of fragments after the first */
    uint8_t later_opts[40];
    size_t base;  /* the packet's own fragment offset, bytes */
    bool base_mf; /* the packet's own MF */
};

/* false if mtu cannot hold the header and 8 bytes of payload. */
bool rt_frag_init(struct rt_frag *f, const uint8_t *ip, size_t hlen, size_t tot_len, size_t mtu);

/* Writes the next fragment (at most mtu bytes) to `out`; returns its
 * length, 0 after the last. */
size_t rt_frag_next(struct rt_frag *f, uint8_t *out);

#endif /* ROUTER_FRAG_H */
