/*
 * router: the stateless ACL on forwarded packets. Rules (config.h) are
 * tried in order; the first that matches decides, and counts the match;
 * a packet no rule matches is allowed.
 */
#ifndef ROUTER_ACL_H
#define ROUTER_ACL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* What a rule can look at in one packet. */
struct rt_flow {
    unsigned nic; /* ingress */
    uint8_t proto;
    uint32_t src, dst;
    bool ports; /* TCP or UDP with its ports (not a later fragment) */
    uint16_t sport, dport;
};

struct rt_acl {
    unsigned n;
    const struct rt_acl_rule *rule;
    uint64_t hits[RT_MAX_ACL];
    uint64_t no_match; /* packets no rule matched (allowed) */
};

void rt_acl_init(struct rt_acl *acl, const struct rt_acl_rule *rules, unsigned n);

/* true if the packet may be forwarded. A rule with ports never matches a
 * packet without them (a later fragment): only its first fragment carries
 * them, and without it the rest cannot be reassembled. */
bool rt_acl_allows(struct rt_acl *acl, const struct rt_flow *f);

#endif /* ROUTER_ACL_H */
