/*
 * router: an IPv4 router's packet logic, with no I/O of its own. The image
 * (main.c, nic.c) feeds it received frames and the time, and it hands the
 * frames it sends to an output callback; host unit tests drive it the same
 * way. Files, one job each: config (command line), route (longest-prefix
 * match), acl, arp + arp_cache (ARP messages; cache and frames waiting on
 * it), ipv4 (header checks), icmp (errors, echo, rate limit), frag
 * (fragmentation), forward (what to do with an IPv4 packet), output
 * (next hop, offloads, fragments, sending), counters, and this file's
 * router.c (set-up, Ethernet, ARP input, timers, report).
 */
#ifndef ROUTER_ROUTER_H
#define ROUTER_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl.h"
#include "arp_cache.h"
#include "config.h"
#include "counters.h"
#include "icmp.h"
#include "route.h"
#include "wire.h"

#define RT_NIC_NONE 0xffu /* "from no NIC": a frame of the router's own */

/* What the router learns of a NIC from its device. */
struct rt_nic_hw {
    uint8_t mac[RT_ETH_ALEN];
    size_t mtu; /* largest IPv4 packet */
    bool vnet;  /* frames carry a virtio-net header, both ways */
};

struct rt_nic {
    char name[RT_NAME_MAX + 1];
    uint8_t mac[RT_ETH_ALEN];
    uint32_t addr, mask, net, bcast;
    size_t mtu;
    bool vnet;
};

/* Where frames go: queue one frame (with its virtio-net header on a vnet
 * NIC) on a NIC; false if its queue refused it. */
struct rt_out {
    bool (*send)(void *ctx, unsigned nic, const uint8_t *buf, size_t len);
    void *ctx;
};

struct router {
    unsigned n_nics;
    struct rt_nic nic[RT_MAX_NICS];
    struct rt_table routes;
    struct rt_acl acl;
    struct rt_arp_cache arp;
    struct rt_ratelimit icmp_limit;
    struct rt_counters cnt;
    struct rt_out out;
    uint64_t next_tick; /* when router_tick() has work */
    uint16_t ip_id;     /* identification of the router's own packets */
    uint8_t *scratch;   /* segments, fragments, copies: frame_max + headroom */
    size_t frame_max;   /* largest buffer (vnet header + frame) */
    /* The router's own frames, with room for a vnet header: ICMP errors,
     * and (apart, as one may be sent while an error waits here) ARP. */
    uint8_t own[RT_VNET_HLEN + RT_ETH_HLEN + RT_ICMP_ERROR_BUF];
    uint8_t own_arp[RT_VNET_HLEN + RT_ARP_FRAME_LEN];
};

/* Working memory router_init() needs for buffers of frame_max bytes
 * (vnet header + frame): the ARP pool and a scratch buffer. */
size_t router_mem_size(size_t frame_max);

/* Set up from a checked configuration (cfg->nic[i] is NIC i) and the
 * NICs' devices; `mem` holds router_mem_size(frame_max) bytes. The router
 * keeps pointers into cfg (the ACL rules). */
void router_init(struct router *r, const struct rt_config *cfg, const struct rt_nic_hw *hw,
                 uint8_t *mem, size_t frame_max, const struct rt_out *out, uint64_t now);

/*
 * One frame received on NIC `nic`: `len` bytes at buf, a virtio-net
 * header first on a vnet NIC. The bytes are the router's to rewrite until
 * this returns (then it keeps no pointer to them), and `headroom` bytes
 * before buf are too.
 */
void router_input(struct router *r, unsigned nic, uint8_t *buf, size_t len, size_t headroom,
                  uint64_t now);

/* ARP retries and expiry. Returns the time it next has work
 * (RT_ARP_NEVER: none until frames come). */
uint64_t router_tick(struct router *r, uint64_t now);

/* The counters, as lines of text (no newline) handed to `line`. */
void router_report(const struct router *r, void (*line)(void *ctx, const char *text), void *ctx);

/* in == forwarded + local + queued + dropped on every NIC. */
bool router_balanced(const struct router *r);

#endif /* ROUTER_ROUTER_H */
