/*
 * router: what becomes of one IPv4 packet. In order: the header checks
 * (ipv4.c), the virtio-net header, martian and broadcast sources and
 * destinations (RFC 1812 5.3.7, 4.2.3.1), delivery to the router's own
 * addresses, then the ACL, the route, the TTL and the egress MTU; a
 * packet that passes them all leaves with its TTL decremented.
 */
#include "csum.h"
#include "path.h"
#include "skiff/rt.h"

static const uint8_t ip_drop[] = {
    [RT_IPCHK_SHORT] = RT_DROP_SHORT,  [RT_IPCHK_VERSION] = RT_DROP_IP_VERSION,
    [RT_IPCHK_HLEN] = RT_DROP_IP_HLEN, [RT_IPCHK_LEN] = RT_DROP_IP_LEN,
    [RT_IPCHK_CSUM] = RT_DROP_IP_CSUM, [RT_IPCHK_OPTIONS] = RT_DROP_IP_OPTIONS,
    [RT_IPCHK_FRAG] = RT_DROP_IP_FRAG, [RT_IPCHK_L4] = RT_DROP_L4,
};

static void drop(struct router *r, const struct rt_pkt *p, enum rt_drop why)
{
    r->cnt.nic[p->in_nic].dropped[why]++;
}

/* Addresses no packet may come from or go to anywhere (RFC 1812 5.3.7,
 * RFC 3927 7: this network, loopback, link-local, class E). */
static bool unroutable(uint32_t a)
{
    uint32_t top = a >> 24;
    return top == 0 || top == 127 || (a >> 16) == 0xa9fe || top >= 240;
}

static bool is_multicast(uint32_t a)
{
    return a >> 28 == 0xe;
}

static enum rt_drop check_source(const struct router *r, unsigned in, uint32_t src)
{
    if (unroutable(src) || is_multicast(src))
        return RT_DROP_MARTIAN_SRC;
    for (unsigned i = 0; i < r->n_nics; i++) {
        const struct rt_nic *n = &r->nic[i];
        /* Our own address, a subnet's broadcast, or a host of another
         * NIC's subnet arriving here: spoofed. */
        if (src == n->addr || src == n->bcast || ((src & n->mask) == n->net && i != in))
            return RT_DROP_MARTIAN_SRC;
    }
    return RT_DROP_COUNT;
}

/* The virtio-net header: only what a forwarder can pass on - no offload,
 * or a TCP/IPv4 super-frame, and checksum offsets inside the frame. */
static bool vnet_ok(struct rt_pkt *p)
{
    const uint8_t *h = p->buf;
    size_t flen = p->len - RT_VNET_HLEN;
    unsigned gso = h[RT_VNET_OFF_GSO_TYPE] & ~RT_VNET_GSO_ECN;

    if (h[RT_VNET_OFF_FLAGS] & RT_VNET_F_NEEDS_CSUM) {
        size_t start = rd16le(h + RT_VNET_OFF_CSUM_START);
        size_t at = start + rd16le(h + RT_VNET_OFF_CSUM_OFFSET);
        if (start < RT_ETH_HLEN + p->ip.hlen || at + 2 > flen)
            return false;
    }
    if (gso == RT_VNET_GSO_NONE)
        return (h[RT_VNET_OFF_GSO_TYPE] & RT_VNET_GSO_ECN) == 0;
    if (gso != RT_VNET_GSO_TCPV4 || p->ip.proto != RT_PROTO_TCP || p->ip.mf || p->ip.offset != 0 ||
        rd16le(h + RT_VNET_OFF_GSO_SIZE) == 0)
        return false;
    p->gso = true;
    return true;
}

void rt_icmp_send_error(struct router *r, const struct rt_pkt *p, uint8_t type, uint8_t code,
                        uint16_t mtu, uint64_t now)
{
    /* RFC 1812 4.3.2.7: never about an ICMP error, a later fragment, or
     * the router's own packet (broadcasts and martians are gone by now). */
    if (p->in_nic == RT_NIC_NONE || p->ip.offset != 0 ||
        (p->ip.proto == RT_PROTO_ICMP && rt_icmp_type_is_error(p->ip.icmp_type)))
        return;
    if (!rt_ratelimit_take(&r->icmp_limit, now)) {
        r->cnt.icmp_limited++;
        return;
    }
    const struct rt_route *back = rt_table_lookup(&r->routes, p->ip.src);
    if (back == NULL) {
        r->cnt.own_failed++;
        return;
    }
    /* From the address of the NIC the error leaves by (RFC 1812 4.3.2.4). */
    uint8_t *eth = r->own + RT_VNET_HLEN;
    size_t len = rt_icmp_error(eth + RT_ETH_HLEN, r->nic[back->nic].addr, p->ip.src, r->ip_id++,
                               type, code, mtu, rt_pkt_ip(p), p->ip.tot_len);
    wr16(eth + 12, RT_ETHERTYPE_IP);
    struct rt_pkt e = {
        .buf = eth,
        .len = RT_ETH_HLEN + len,
        .headroom = RT_VNET_HLEN,
        .in_nic = RT_NIC_NONE,
    };
    r->cnt.icmp_errors++;
    rt_output(r, &e, back->nic, rt_route_next_hop(back, p->ip.src), now);
}

/* A packet to one of the router's addresses. */
static void local_input(struct router *r, struct rt_pkt *p, uint64_t now)
{
    struct rt_nic_counters *c = &r->cnt.nic[p->in_nic];
    uint8_t *ip = rt_pkt_ip(p);

    if (p->ip.mf || p->ip.offset != 0 || p->gso) { /* no reassembly here */
        drop(r, p, RT_DROP_LOCAL_BAD);
        return;
    }
    switch (p->ip.proto) {
    case RT_PROTO_ICMP:
        if (p->ip.icmp_type != RT_ICMP_ECHO)
            break; /* replies and errors: nothing to do */
        if (ip[p->ip.hlen + 1] != 0 || rt_csum(ip + p->ip.hlen, p->ip.tot_len - p->ip.hlen) != 0 ||
            (p->vnet && (p->buf[RT_VNET_OFF_FLAGS] & RT_VNET_F_NEEDS_CSUM))) {
            drop(r, p, RT_DROP_LOCAL_BAD);
            return;
        }
        {
            const struct rt_route *back = rt_table_lookup(&r->routes, p->ip.src);
            uint32_t to = p->ip.src;
            size_t len = rt_icmp_echo_reply(ip, p->ip.hlen, p->ip.tot_len, r->ip_id++);
            c->local++;
            if (back == NULL) {
                r->cnt.own_failed++;
                return;
            }
            /* The reply is built in place; the request's vnet header
             * becomes headroom. */
            uint8_t *eth = rt_pkt_eth(p);
            struct rt_pkt e = {
                .buf = eth,
                .len = RT_ETH_HLEN + len,
                .headroom = p->headroom + (size_t)(eth - p->buf),
                .in_nic = RT_NIC_NONE,
            };
            r->cnt.icmp_echo_replies++;
            rt_output(r, &e, back->nic, rt_route_next_hop(back, to), now);
        }
        return;
    case RT_PROTO_TCP: break; /* no TCP service: silence, as a filtered port */
    case RT_PROTO_UDP:
        rt_icmp_send_error(r, p, RT_ICMP_UNREACH, RT_ICMP_UNREACH_PORT, 0, now);
        break;
    default: rt_icmp_send_error(r, p, RT_ICMP_UNREACH, RT_ICMP_UNREACH_PROTO, 0, now); break;
    }
    c->local++;
}

void rt_forward_input(struct router *r, struct rt_pkt *p, uint64_t now)
{
    size_t vh = p->vnet ? RT_VNET_HLEN : 0;
    uint8_t *ip = p->buf + vh + RT_ETH_HLEN;
    enum rt_ip_check chk = rt_ip_parse(ip, p->len - vh - RT_ETH_HLEN, &p->ip);

    if (chk != RT_IPCHK_OK) {
        drop(r, p, ip_drop[chk]);
        return;
    }
    p->len = vh + RT_ETH_HLEN + p->ip.tot_len; /* without Ethernet padding */
    if (p->vnet && !vnet_ok(p)) {
        drop(r, p, RT_DROP_VNET);
        return;
    }

    enum rt_drop why = check_source(r, p->in_nic, p->ip.src);
    if (why != RT_DROP_COUNT) {
        drop(r, p, why);
        return;
    }
    uint32_t dst = p->ip.dst;
    if (is_multicast(dst)) {
        drop(r, p, RT_DROP_MCAST);
        return;
    }
    if (dst == 0xffffffffu) {
        drop(r, p, RT_DROP_BCAST);
        return;
    }
    if (unroutable(dst)) {
        drop(r, p, RT_DROP_MARTIAN_DST);
        return;
    }
    for (unsigned i = 0; i < r->n_nics; i++) {
        if (dst == r->nic[i].bcast) { /* directed broadcast (RFC 2644) */
            drop(r, p, RT_DROP_BCAST);
            return;
        }
        if (dst == r->nic[i].addr) {
            local_input(r, p, now);
            return;
        }
    }

    struct rt_flow f = { p->in_nic,   p->ip.proto, p->ip.src,  dst,
                         p->ip.ports, p->ip.sport, p->ip.dport };
    if (!rt_acl_allows(&r->acl, &f)) {
        drop(r, p, RT_DROP_ACL);
        return;
    }
    const struct rt_route *rt = rt_table_lookup(&r->routes, dst);
    if (rt == NULL) {
        rt_icmp_send_error(r, p, RT_ICMP_UNREACH, RT_ICMP_UNREACH_NET, 0, now);
        drop(r, p, RT_DROP_NO_ROUTE);
        return;
    }
    if (p->ip.ttl <= 1) {
        rt_icmp_send_error(r, p, RT_ICMP_TIME_EXCEEDED, 0, 0, now);
        drop(r, p, RT_DROP_TTL);
        return;
    }
    /* A super-frame leaves as segments of hlen + TCP header + gso_size. */
    size_t mtu = r->nic[rt->nic].mtu;
    size_t size =
        p->gso ? p->ip.hlen + p->ip.l4_hlen + rd16le(p->buf + RT_VNET_OFF_GSO_SIZE) : p->ip.tot_len;
    if (size > mtu) {
        if (p->ip.df) {
            rt_icmp_send_error(r, p, RT_ICMP_UNREACH, RT_ICMP_UNREACH_NEEDFRAG,
                               (uint16_t)(mtu > 0xffff ? 0xffff : mtu), now);
            drop(r, p, RT_DROP_FRAG_NEEDED);
            return;
        }
        if (p->gso || mtu < p->ip.hlen + 8) {
            drop(r, p, RT_DROP_TOO_BIG);
            return;
        }
    }
    rt_ip_dec_ttl(ip);
    rt_output(r, p, rt->nic, rt_route_next_hop(rt, dst), now);
}
