/*
 * router: what its files pass between them on the way of one packet
 * (router.c -> forward.c -> output.c). Not for the image's main loop.
 */
#ifndef ROUTER_PATH_H
#define ROUTER_PATH_H

#include "ipv4.h"
#include "router.h"

/* An IPv4 packet on its way through the router. */
struct rt_pkt {
    uint8_t *buf;    /* vnet header (if `vnet`) + Ethernet frame */
    size_t len;      /* bytes at buf (Ethernet padding trimmed) */
    size_t headroom; /* writable bytes before buf */
    bool vnet;
    bool gso;        /* a TCP super-frame (vnet), cut into segments later */
    unsigned in_nic; /* RT_NIC_NONE: the router's own */
    struct rt_ip ip;
};

static inline uint8_t *rt_pkt_eth(const struct rt_pkt *p)
{
    return p->buf + (p->vnet ? RT_VNET_HLEN : 0);
}

static inline uint8_t *rt_pkt_ip(const struct rt_pkt *p)
{
    return rt_pkt_eth(p) + RT_ETH_HLEN;
}

/* forward.c: an IPv4 packet received on p->in_nic (Ethernet checked). */
void rt_forward_input(struct router *r, struct rt_pkt *p, uint64_t now);

/* forward.c: send an ICMP error about p (if RFC 1812 and the rate limit
 * allow one). */
void rt_icmp_send_error(struct router *r, const struct rt_pkt *p, uint8_t type, uint8_t code,
                        uint16_t mtu, uint64_t now);

/* output.c: send p out of NIC `out` to the next hop `nh` once its address
 * is known (waiting for ARP if need be), and count what became of it.
 * Every check (TTL, MTU and DF) is done; p's TTL is decremented. */
void rt_output(struct router *r, struct rt_pkt *p, unsigned out, uint32_t nh, uint64_t now);

/* output.c: send p out of NIC `out` to `mac`, adapted to the NIC (offloads,
 * fragments). true if every frame was queued. */
bool rt_emit(struct router *r, struct rt_pkt *p, unsigned out, const uint8_t *mac);

/* output.c: count what rt_emit() did with a packet that came in on NIC
 * in_nic (RT_NIC_NONE: the router's own). */
void rt_count_emit(struct router *r, unsigned in_nic, bool ok);

/* output.c: queue one frame of the router's own (at `frame`, with
 * RT_VNET_HLEN writable bytes before it) on NIC `out`. */
bool rt_send_own(struct router *r, unsigned out, uint8_t *frame, size_t len);

/* router.c: every frame waiting on e goes out (it just resolved). */
void rt_arp_drain(struct router *r, struct rt_arp_entry *e);

/* router.c: send an ARP request for e (broadcast, or unicast to its
 * known address when probing). */
void rt_arp_request(struct router *r, struct rt_arp_entry *e, uint64_t now);

#endif /* ROUTER_PATH_H */
