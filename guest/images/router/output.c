/*
 * router: the way out. rt_output() finds the next hop's Ethernet address
 * (or parks the packet until ARP finds it); rt_emit() fits the packet to
 * the egress NIC and queues it:
 *
 *   - between two NICs of the same kind the frame goes as it is, virtio-net
 *     header and all (a TCP super-frame stays one frame, the host's TAP
 *     segments it);
 *   - from a vnet NIC to a plain one, a pending checksum is completed and a
 *     super-frame is cut into segments (the bridge image's code); the other
 *     way an empty header is put in front;
 *   - a packet without DF above the egress MTU leaves as fragments.
 *
 * Only the headers change: the rest is copied once, by the output queue.
 */
#include "frag.h"
#include "path.h"
#include "skiff/rt.h"
#include "solo5.h"

#ifdef SKIFF_SOLO5_EXTENSIONS
#include "vnet.h" /* guest/images/bridge: vnet -> plain conversion */
#endif

static bool send(struct router *r, const struct rt_pkt *p, unsigned out, const uint8_t *buf,
                 size_t len)
{
    struct rt_nic_counters *c = &r->cnt.nic[out];
    bool ok = r->out.send(r->out.ctx, out, buf, len);

    if (!ok) {
        c->out_failed++;
        return false;
    }
    c->out++;
    if (p == NULL || p->in_nic == RT_NIC_NONE)
        c->own++;
    return true;
}

bool rt_send_own(struct router *r, unsigned out, uint8_t *frame, size_t len)
{
    if (r->nic[out].vnet) {
        memset(frame - RT_VNET_HLEN, 0, RT_VNET_HLEN);
        return send(r, NULL, out, frame - RT_VNET_HLEN, len + RT_VNET_HLEN);
    }
    return send(r, NULL, out, frame, len);
}

/* vnet -> plain conversions need the bridge's code, built with skiff's
 * API only; against Solo5's no NIC has a vnet header. */
static bool complete_csum(struct rt_pkt *p)
{
#ifdef SKIFF_SOLO5_EXTENSIONS
    return bridge_vnet_to_plain(p->buf, p->len) == BRIDGE_VNET_PLAIN;
#else
    (void)p;
    return false;
#endif
}

static bool segments(struct router *r, struct rt_pkt *p, unsigned out)
{
#ifdef SKIFF_SOLO5_EXTENSIONS
    struct bridge_gso g;
    size_t n;
    bool ok = true;

    if (!bridge_gso_init(&g, p->buf, p->len) || bridge_gso_seg_max(&g) > r->frame_max)
        return false;
    while ((n = bridge_gso_next(&g, r->scratch)) != 0)
        ok = send(r, p, out, r->scratch, n) && ok;
    return ok;
#else
    (void)r, (void)p, (void)out;
    return false;
#endif
}

static bool fragments(struct router *r, struct rt_pkt *p, unsigned out, const uint8_t *eth)
{
    const struct rt_nic *n = &r->nic[out];
    const uint8_t *ip = eth + RT_ETH_HLEN;
    size_t vh = n->vnet ? RT_VNET_HLEN : 0, len;
    struct rt_frag f;
    bool ok = true;

    if (p->vnet && (p->buf[RT_VNET_OFF_FLAGS] & RT_VNET_F_NEEDS_CSUM) && !complete_csum(p))
        return false;
    if (!rt_frag_init(&f, ip, (size_t)(ip[0] & 0xf) * 4, rd16(ip + 2), n->mtu))
        return false;
    memset(r->scratch, 0, vh);
    memcpy(r->scratch + vh, eth, RT_ETH_HLEN);
    r->cnt.fragmented++;
    while ((len = rt_frag_next(&f, r->scratch + vh + RT_ETH_HLEN)) != 0) {
        r->cnt.fragments++;
        ok = send(r, p, out, r->scratch, vh + RT_ETH_HLEN + len) && ok;
    }
    return ok;
}

bool rt_emit(struct router *r, struct rt_pkt *p, unsigned out, const uint8_t *mac)
{
    const struct rt_nic *n = &r->nic[out];
    uint8_t *eth = rt_pkt_eth(p);
    const uint8_t *ip = eth + RT_ETH_HLEN;

    rt_mac_copy(eth, mac);
    rt_mac_copy(eth + 6, n->mac);
    if (p->vnet && (p->buf[RT_VNET_OFF_GSO_TYPE] & ~RT_VNET_GSO_ECN) != RT_VNET_GSO_NONE)
        return n->vnet ? send(r, p, out, p->buf, p->len) : segments(r, p, out);
    if (rd16(ip + 2) > n->mtu)
        return fragments(r, p, out, eth);
    if (p->vnet == n->vnet)
        return send(r, p, out, p->buf, p->len);
    if (p->vnet)
        return complete_csum(p) && send(r, p, out, eth, p->len - RT_VNET_HLEN);
    /* plain -> vnet: an empty header in front, in place if there is room. */
    uint8_t *b = p->buf - RT_VNET_HLEN;
    if (p->headroom < RT_VNET_HLEN) {
        b = r->scratch;
        memcpy(b + RT_VNET_HLEN, p->buf, p->len);
    }
    memset(b, 0, RT_VNET_HLEN);
    return send(r, p, out, b, p->len + RT_VNET_HLEN);
}

void rt_count_emit(struct router *r, unsigned in_nic, bool ok)
{
    if (in_nic == RT_NIC_NONE) {
        if (!ok)
            r->cnt.own_failed++;
    } else if (ok) {
        r->cnt.nic[in_nic].forwarded++;
    } else {
        r->cnt.nic[in_nic].dropped[RT_DROP_TX_FULL]++;
    }
}

void rt_output(struct router *r, struct rt_pkt *p, unsigned out, uint32_t nh, uint64_t now)
{
    struct rt_arp_entry *e = rt_arp_find(&r->arp, out, nh);
    struct rt_nic_counters *c = p->in_nic == RT_NIC_NONE ? NULL : &r->cnt.nic[p->in_nic];

    if (e != NULL && e->state != RT_ARP_INCOMPLETE) {
        /* Known. Past its time, still used while a probe confirms it. */
        bool probe = e->state == RT_ARP_REACHABLE && now >= e->expires;
        rt_count_emit(r, p->in_nic, rt_emit(r, p, out, e->mac));
        if (probe) {
            e->state = RT_ARP_PROBE;
            e->tries = 0;
            rt_arp_request(r, e, now);
        }
        return;
    }
    bool fresh = e == NULL;
    if (fresh)
        e = rt_arp_create(&r->arp, out, nh);
    if (e != NULL && rt_arp_enqueue(&r->arp, e, p->buf, p->len, p->vnet, p->in_nic)) {
        if (c != NULL)
            c->queued++;
    } else if (c != NULL) {
        c->dropped[RT_DROP_ARP_FULL]++;
    } else {
        r->cnt.own_failed++;
    }
    if (fresh && e != NULL)
        rt_arp_request(r, e, now);
}
