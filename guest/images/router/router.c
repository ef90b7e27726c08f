/*
 * router: set-up, the Ethernet layer, ARP input, timers and the report.
 */
#include "router.h"

#include <stdarg.h>

#include "arp.h"
#include "path.h"
#include "skiff/rt.h"

size_t router_mem_size(size_t frame_max)
{
    return (size_t)RT_ARP_POOL * (frame_max + RT_VNET_HLEN) + frame_max + RT_VNET_HLEN;
}

void router_init(struct router *r, const struct rt_config *cfg, const struct rt_nic_hw *hw,
                 uint8_t *mem, size_t frame_max, const struct rt_out *out, uint64_t now)
{
    memset(r, 0, sizeof *r);
    r->n_nics = cfg->n_nics;
    rt_table_init(&r->routes);
    for (unsigned i = 0; i < cfg->n_nics; i++) {
        struct rt_nic *n = &r->nic[i];
        memcpy(n->name, cfg->nic[i].name, sizeof n->name);
        rt_mac_copy(n->mac, hw[i].mac);
        n->addr = cfg->nic[i].addr;
        n->mask = rt_mask(cfg->nic[i].len);
        n->net = n->addr & n->mask;
        n->bcast = n->net | ~n->mask;
        n->mtu = hw[i].mtu;
        n->vnet = hw[i].vnet;
        rt_table_add(&r->routes, n->net, cfg->nic[i].len, i, 0);
    }
    /* The configuration is checked: every gateway is on a connected
     * subnet, so the route to it is a connected one. */
    for (unsigned i = 0; i < cfg->n_routes; i++) {
        const struct rt_route *to_gw = rt_table_lookup(&r->routes, cfg->route[i].via);
        if (to_gw != NULL)
            rt_table_add(&r->routes, cfg->route[i].dst.addr, cfg->route[i].dst.len, to_gw->nic,
                         cfg->route[i].via);
    }
    rt_acl_init(&r->acl, cfg->acl, cfg->n_acl);
    rt_arp_cache_init(&r->arp, mem, frame_max + RT_VNET_HLEN, RT_VNET_HLEN);
    r->scratch = mem + (size_t)RT_ARP_POOL * (frame_max + RT_VNET_HLEN) + RT_VNET_HLEN;
    r->frame_max = frame_max;
    rt_ratelimit_init(&r->icmp_limit, cfg->icmp_rate, now);
    r->out = *out;
    r->next_tick = RT_ARP_NEVER;
    r->ip_id = (uint16_t)(now >> 10);
}

/* ------------------------------------------------------------------ ARP */

static bool own_address(const struct router *r, uint32_t a)
{
    for (unsigned i = 0; i < r->n_nics; i++)
        if (r->nic[i].addr == a)
            return true;
    return false;
}

void rt_arp_request(struct router *r, struct rt_arp_entry *e, uint64_t now)
{
    static const uint8_t bcast[RT_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    const struct rt_nic *n = &r->nic[e->nic];
    struct rt_arp_msg m = { .op = RT_ARP_OP_REQUEST, .spa = n->addr, .tpa = e->ip };
    uint8_t *f = r->own_arp + RT_VNET_HLEN;
    bool probe = e->state == RT_ARP_PROBE;

    rt_mac_copy(m.sha, n->mac);
    /* A probe asks the address it knows (RFC 1122 2.3.2.1). */
    size_t len = rt_arp_write(f, probe ? e->mac : bcast, &m);
    e->tries++;
    e->deadline = now + RT_ARP_RETRY_NS;
    if (e->deadline < r->next_tick)
        r->next_tick = e->deadline;
    r->cnt.arp_requests++;
    rt_send_own(r, e->nic, f, len);
}

void rt_arp_drain(struct router *r, struct rt_arp_entry *e)
{
    int idx;

    while ((idx = rt_arp_dequeue(&r->arp, e)) >= 0) {
        struct rt_arp_pending *w = &r->arp.p[idx];
        struct rt_pkt p = {
            .buf = w->buf,
            .len = w->len,
            .headroom = RT_VNET_HLEN,
            .vnet = w->vnet,
            .in_nic = w->in_nic,
        };
        if (w->in_nic != RT_NIC_NONE)
            r->cnt.nic[w->in_nic].queued--;
        rt_count_emit(r, w->in_nic, rt_emit(r, &p, e->nic, e->mac));
        rt_arp_put(&r->arp, idx);
    }
}

/* Is `a` an address a neighbour on NIC n may have? */
static bool on_subnet(const struct rt_nic *n, uint32_t a)
{
    return (a & n->mask) == n->net && a != n->net && a != n->bcast;
}

/* Returns the drop reason, or -1 if the frame was the router's (local). */
static int arp_input(struct router *r, unsigned in, const uint8_t *body, size_t len, uint64_t now)
{
    const struct rt_nic *n = &r->nic[in];
    struct rt_arp_msg m;

    if (!rt_arp_parse(body, len, &m))
        return RT_DROP_ARP_BAD;
    if (own_address(r, m.spa) || rt_mac_equal(m.sha, n->mac))
        return RT_DROP_ARP_IGNORED; /* someone claims our address */
    bool learnable = on_subnet(n, m.spa);
    bool for_us = m.tpa == n->addr;
    struct rt_arp_entry *e = learnable ? rt_arp_find(&r->arp, in, m.spa) : NULL;
    bool learned = false;

    /* RFC 826: update an entry we have from any ARP that names it; make
     * one only from ARP addressed to us. */
    bool was_waiting = e != NULL && e->state == RT_ARP_INCOMPLETE;
    if (e == NULL && learnable && for_us)
        e = rt_arp_create(&r->arp, in, m.spa);
    if (e != NULL) {
        rt_arp_confirm(e, m.sha, now);
        if (was_waiting)
            r->cnt.arp_resolved++;
        rt_arp_drain(r, e);
        learned = true;
    }
    if (for_us && m.op == RT_ARP_OP_REQUEST) {
        struct rt_arp_msg reply = { .op = RT_ARP_OP_REPLY, .spa = n->addr, .tpa = m.spa };
        rt_mac_copy(reply.sha, n->mac);
        rt_mac_copy(reply.tha, m.sha);
        uint8_t *f = r->own_arp + RT_VNET_HLEN;
        size_t flen = rt_arp_write(f, m.sha, &reply);
        r->cnt.arp_replies++;
        rt_send_own(r, in, f, flen);
        return -1;
    }
    return for_us || learned ? -1 : RT_DROP_ARP_IGNORED;
}

uint64_t router_tick(struct router *r, uint64_t now)
{
    uint64_t next = RT_ARP_NEVER;

    if (now < r->next_tick)
        return r->next_tick;
    r->next_tick = RT_ARP_NEVER; /* lowered again by requests sent below */
    for (int i = 0; i < RT_ARP_ENTRIES; i++) {
        struct rt_arp_entry *e = &r->arp.e[i];
        if (e->state != RT_ARP_INCOMPLETE && e->state != RT_ARP_PROBE)
            continue;
        if (e->deadline > now) {
            if (e->deadline < next)
                next = e->deadline;
            continue;
        }
        if (e->tries < RT_ARP_TRIES) {
            rt_arp_request(r, e, now);
            continue;
        }
        /* Unanswered: forget it, and drop what waited on it - telling
         * each sender its host is unreachable (RFC 1812 4.3.3.1). */
        struct rt_arp_entry dead = *e;
        int idx;
        rt_arp_forget(&r->arp, e);
        if (dead.state == RT_ARP_INCOMPLETE)
            r->cnt.arp_timeouts++;
        while ((idx = rt_arp_dequeue(&r->arp, &dead)) >= 0) {
            struct rt_arp_pending *w = &r->arp.p[idx];
            if (w->in_nic == RT_NIC_NONE) {
                r->cnt.own_failed++;
                rt_arp_put(&r->arp, idx);
                continue;
            }
            struct rt_nic_counters *c = &r->cnt.nic[w->in_nic];
            c->queued--;
            c->dropped[RT_DROP_ARP_TIMEOUT]++;
            struct rt_pkt p = {
                .buf = w->buf, .len = w->len, .vnet = w->vnet, .in_nic = w->in_nic
            };
            const uint8_t *ip = rt_pkt_ip(&p);
            if (rt_ip_parse(ip, p.len - (size_t)(ip - p.buf), &p.ip) == RT_IPCHK_OK)
                rt_icmp_send_error(r, &p, RT_ICMP_UNREACH, RT_ICMP_UNREACH_HOST, 0, now);
            rt_arp_put(&r->arp, idx);
        }
    }
    if (next < r->next_tick)
        r->next_tick = next;
    return r->next_tick;
}

/* ------------------------------------------------------------- Ethernet */

void router_input(struct router *r, unsigned in, uint8_t *buf, size_t len, size_t headroom,
                  uint64_t now)
{
    const struct rt_nic *n = &r->nic[in];
    struct rt_nic_counters *c = &r->cnt.nic[in];
    size_t vh = n->vnet ? RT_VNET_HLEN : 0;
    int drop;

    c->in++;
    if (len < vh + RT_ETH_HLEN) {
        c->dropped[RT_DROP_SHORT]++;
        return;
    }
    uint8_t *eth = buf + vh;
    if (rt_mac_is_group(eth + 6) || rt_mac_equal(eth + 6, n->mac)) {
        c->dropped[RT_DROP_L2_SRC]++;
        return;
    }
    if (!rt_mac_is_group(eth) && !rt_mac_equal(eth, n->mac)) {
        c->dropped[RT_DROP_NOT_OURS]++;
        return;
    }
    switch (rd16(eth + 12)) {
    case RT_ETHERTYPE_IP: {
        if (rt_mac_is_group(eth)) { /* RFC 1812 5.3.4 */
            c->dropped[RT_DROP_L2_BCAST]++;
            return;
        }
        struct rt_pkt p = {
            .buf = buf,
            .len = len,
            .headroom = headroom,
            .vnet = n->vnet,
            .in_nic = in,
        };
        rt_forward_input(r, &p, now);
        return;
    }
    case RT_ETHERTYPE_ARP:
        drop = arp_input(r, in, eth + RT_ETH_HLEN, len - vh - RT_ETH_HLEN, now);
        if (drop < 0)
            c->local++;
        else
            c->dropped[drop]++;
        return;
    default: c->dropped[RT_DROP_ETHERTYPE]++; return;
    }
}

/* --------------------------------------------------------------- report */

struct line {
    char buf[512];
    size_t len;
};

__attribute__((format(printf, 2, 3))) static void add(struct line *l, const char *fmt, ...)
{
    va_list ap;

    if (l->len >= sizeof l->buf)
        return;
    va_start(ap, fmt);
    int n = skiff_vsnprintf(l->buf + l->len, sizeof l->buf - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n;
}

static unsigned long long u(uint64_t v)
{
    return (unsigned long long)v;
}

void router_report(const struct router *r, void (*line)(void *ctx, const char *text), void *ctx)
{
    struct line l;

    for (unsigned i = 0; i < r->n_nics; i++) {
        const struct rt_nic_counters *c = &r->cnt.nic[i];
        l.len = 0;
        add(&l,
            "router: %s in=%llu forwarded=%llu local=%llu queued=%llu dropped=%llu out=%llu "
            "out-failed=%llu own=%llu",
            r->nic[i].name, u(c->in), u(c->forwarded), u(c->local), u(c->queued),
            u(rt_counters_dropped(c)), u(c->out), u(c->out_failed), u(c->own));
        line(ctx, l.buf);
        if (rt_counters_dropped(c) == 0)
            continue;
        l.len = 0;
        add(&l, "router: %s dropped", r->nic[i].name);
        for (int k = 0; k < RT_DROP_COUNT; k++)
            if (c->dropped[k] != 0)
                add(&l, " %s=%llu", rt_drop_names[k], u(c->dropped[k]));
        line(ctx, l.buf);
    }
    const struct rt_counters *t = &r->cnt;
    l.len = 0;
    add(&l, "router: icmp echo-replies=%llu errors=%llu rate-limited=%llu own-lost=%llu",
        u(t->icmp_echo_replies), u(t->icmp_errors), u(t->icmp_limited), u(t->own_failed));
    line(ctx, l.buf);
    l.len = 0;
    add(&l, "router: arp requests=%llu replies=%llu resolved=%llu timeouts=%llu waiting=%u",
        u(t->arp_requests), u(t->arp_replies), u(t->arp_resolved), u(t->arp_timeouts),
        r->arp.waiting);
    line(ctx, l.buf);
    l.len = 0;
    add(&l, "router: fragmented packets=%llu fragments=%llu", u(t->fragmented), u(t->fragments));
    line(ctx, l.buf);
    for (unsigned i = 0; i < r->acl.n; i++) {
        l.len = 0;
        add(&l, "router: acl %u %s matched=%llu", i + 1, r->acl.rule[i].allow ? "allow" : "deny",
            u(r->acl.hits[i]));
        line(ctx, l.buf);
    }
}

bool router_balanced(const struct router *r)
{
    for (unsigned i = 0; i < r->n_nics; i++) {
        const struct rt_nic_counters *c = &r->cnt.nic[i];
        if (c->in != c->forwarded + c->local + c->queued + rt_counters_dropped(c))
            return false;
    }
    return true;
}
