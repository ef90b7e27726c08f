/*
 * router: routing table (sorted array, longest prefix first).
 */
#include "route.h"

#include "wire.h"

void rt_table_init(struct rt_table *t)
{
    t->n = 0;
}

bool rt_table_add(struct rt_table *t, uint32_t prefix, unsigned len, unsigned nic, uint32_t via)
{
    uint32_t mask = rt_mask(len);
    unsigned at;

    if (t->n == RT_ROUTES_MAX || len > 32 || (prefix & ~mask) != 0)
        return false;
    for (unsigned i = 0; i < t->n; i++)
        if (t->r[i].len == len && t->r[i].prefix == prefix)
            return false;
    /* After every entry at least as long: equal lengths cannot overlap. */
    for (at = 0; at < t->n && t->r[at].len >= len; at++)
        ;
    for (unsigned i = t->n; i > at; i--)
        t->r[i] = t->r[i - 1];
    t->r[at] = (struct rt_route){ prefix, mask, (uint8_t)len, (uint8_t)nic, via };
    t->n++;
    return true;
}

const struct rt_route *rt_table_lookup(const struct rt_table *t, uint32_t dst)
{
    for (unsigned i = 0; i < t->n; i++)
        if ((dst & t->r[i].mask) == t->r[i].prefix)
            return &t->r[i];
    return NULL;
}
