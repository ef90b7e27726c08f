/*
 * router: what happened to every frame, per NIC and per reason. Each frame
 * received on a NIC ends in exactly one of: forwarded, for the router
 * itself (local), waiting for ARP (queued), or dropped for one reason, so
 *
 *     in = forwarded + local + queued + sum of dropped[reason]
 *
 * holds for every NIC at any moment between frames. Frames sent are
 * counted on the NIC they leave by (out, and out_failed when its queue
 * refused one); the router's own frames (ARP, ICMP) are also counted in
 * `own`.
 */
#ifndef ROUTER_COUNTERS_H
#define ROUTER_COUNTERS_H

#include <stdint.h>

#include "config.h"

#define RT_DROP_REASONS(X)                                                                         \
    X(SHORT, "short")             /* truncated: frame shorter than its headers say */              \
    X(VNET, "vnet")               /* bad or unsupported virtio-net header */                       \
    X(NOT_OURS, "not-ours")       /* unicast to another Ethernet address */                        \
    X(L2_SRC, "l2-src")           /* Ethernet source multicast or the router's own */              \
    X(ETHERTYPE, "ethertype")     /* neither IPv4 nor ARP */                                       \
    X(ARP_BAD, "arp-bad")         /* malformed ARP */                                              \
    X(ARP_IGNORED, "arp-ignored") /* ARP not for the router */                                     \
    X(IP_VERSION, "ip-version")   /* IP version not 4 */                                           \
    X(IP_HLEN, "ip-hlen")         /* header length below 20 */                                     \
    X(IP_LEN, "ip-len")           /* total length below the header length */                       \
    X(IP_CSUM, "ip-csum")         /* header checksum */                                            \
    X(IP_OPTIONS, "ip-options")   /* malformed options, source route */                            \
    X(IP_FRAG, "ip-frag")         /* fragment fields out of range */                               \
    X(L4, "l4")                   /* transport header malformed or cut */                          \
    X(L2_BCAST, "l2-bcast")       /* IPv4 in an Ethernet broadcast/multicast */                    \
    X(BCAST, "bcast")             /* IP broadcast (limited or a subnet's) */                       \
    X(MCAST, "mcast")             /* IP multicast (not routed) */                                  \
    X(MARTIAN_SRC, "martian-src") /* impossible or spoofed source */                               \
    X(MARTIAN_DST, "martian-dst") /* impossible destination */                                     \
    X(LOCAL_BAD, "local-bad")     /* for the router: fragment, bad ICMP */                         \
    X(ACL, "acl")                 /* denied by the ACL */                                          \
    X(NO_ROUTE, "no-route")       /* net unreachable */                                            \
    X(TTL, "ttl")                 /* time exceeded */                                              \
    X(FRAG_NEEDED, "frag-needed") /* DF set, above the egress MTU */                               \
    X(TOO_BIG, "too-big")         /* above the egress MTU, cannot fragment */                      \
    X(ARP_TIMEOUT, "arp-timeout") /* next hop never answered ARP */                                \
    X(ARP_FULL, "arp-full")       /* no room to wait for ARP */                                    \
    X(TX_FULL, "tx-full")         /* the egress queue refused it */

enum rt_drop {
#define RT_DROP_ENUM(name, str) RT_DROP_##name,
    RT_DROP_REASONS(RT_DROP_ENUM)
#undef RT_DROP_ENUM
        RT_DROP_COUNT
};

extern const char *const rt_drop_names[RT_DROP_COUNT];

struct rt_nic_counters {
    uint64_t in, forwarded, local, queued;
    uint64_t dropped[RT_DROP_COUNT];
    uint64_t out, out_failed, own; /* frames leaving by this NIC */
};

struct rt_counters {
    struct rt_nic_counters nic[RT_MAX_NICS];
    uint64_t icmp_echo_replies, icmp_errors, icmp_limited;
    uint64_t own_failed; /* the router's own frames lost (no route, no ARP) */
    uint64_t arp_requests, arp_replies, arp_resolved, arp_timeouts;
    uint64_t fragmented, fragments; /* packets cut to fit an MTU; pieces */
};

/* The sum of a NIC's drop counters. */
uint64_t rt_counters_dropped(const struct rt_nic_counters *c);

#endif /* ROUTER_COUNTERS_H */
