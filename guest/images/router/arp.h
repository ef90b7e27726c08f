/*
 * router: ARP messages (RFC 826, Ethernet and IPv4 only): checking a
 * received one field by field, and writing requests and replies.
 */
#ifndef ROUTER_ARP_H
#define ROUTER_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct rt_arp_msg {
    uint16_t op; /* RT_ARP_OP_REQUEST or RT_ARP_OP_REPLY */
    uint8_t sha[RT_ETH_ALEN], tha[RT_ETH_ALEN];
    uint32_t spa, tpa;
};

/* The ARP body after the Ethernet header (len bytes, at least 28; a frame
 * may be padded). false unless hardware type Ethernet, protocol IPv4,
 * address lengths 6 and 4, a request or a reply, and a unicast sender. */
bool rt_arp_parse(const uint8_t *body, size_t len, struct rt_arp_msg *m);

/* Writes a 42-byte Ethernet ARP frame to `frame`; returns its length. */
size_t rt_arp_write(uint8_t *frame, const uint8_t *eth_dst, const struct rt_arp_msg *m);

#endif /* ROUTER_ARP_H */
