/*
 * router: the routing table, longest-prefix match over the connected
 * subnets and the static routes. Tables are small (at most 72 entries), so
 * the entries are kept sorted by prefix length, longest first, and the
 * first match is the longest: a short scan over one array.
 */
#ifndef ROUTER_ROUTE_H
#define ROUTER_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define RT_ROUTES_MAX (RT_MAX_ROUTES + RT_MAX_NICS)

struct rt_route {
    uint32_t prefix, mask;
    uint8_t len;
    uint8_t nic;  /* egress NIC */
    uint32_t via; /* next hop; 0: connected (the destination itself) */
};

struct rt_table {
    unsigned n;
    struct rt_route r[RT_ROUTES_MAX];
};

void rt_table_init(struct rt_table *t);

/* Adds a route (prefix without host bits); false if the table is full or
 * holds that prefix already. */
bool rt_table_add(struct rt_table *t, uint32_t prefix, unsigned len, unsigned nic, uint32_t via);

/* The longest prefix containing dst, or NULL. */
const struct rt_route *rt_table_lookup(const struct rt_table *t, uint32_t dst);

/* The next hop towards dst by route r. */
static inline uint32_t rt_route_next_hop(const struct rt_route *r, uint32_t dst)
{
    return r->via != 0 ? r->via : dst;
}

#endif /* ROUTER_ROUTE_H */
