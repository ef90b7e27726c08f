/*
 * bridge: vnet -> plain conversion. A frame with NEEDS_CSUM carries, at
 * csum_start + csum_offset, the folded sum of the pseudo-header only; the
 * Internet checksum over [csum_start, end) including that field, inverted,
 * completes it. A TCP GSO super-frame is cut into MSS-sized segments, each
 * with its own IP length/id/checksum and TCP sequence number/checksum: what
 * the kernel does in software before handing it to a device without TSO.
 */
#include "vnet.h"

#include "skiff/rt.h"
#include "solo5.h"

#define GSO_TCPV4    1u
#define GSO_TCPV6    4u
#define GSO_ECN      0x80u
#define IPPROTO_TCP_ 6u
#define TCP_FIN      0x01u
#define TCP_PSH      0x08u
#define TCP_CWR      0x80u

/* Ones' complement sum of big-endian 16-bit words (not folded). */
static uint64_t sum16(const uint8_t *p, size_t n, uint64_t sum)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < n)
        sum += (uint32_t)p[i] << 8; /* odd length: pad with a zero byte */
    return sum;
}

static uint16_t fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

enum bridge_vnet bridge_vnet_to_plain(uint8_t *buf, size_t len)
{
    struct solo5_net_vnet_hdr h;

    if (len <= SOLO5_NET_VNET_HLEN)
        return BRIDGE_VNET_BAD;
    memcpy(&h, buf, sizeof h);
    if (h.gso_type != SOLO5_NET_VNET_GSO_NONE)
        return BRIDGE_VNET_GSO; /* segments get fresh checksums anyway */
    if (h.flags & SOLO5_NET_VNET_F_NEEDS_CSUM) {
        uint8_t *f = buf + SOLO5_NET_VNET_HLEN;
        size_t flen = len - SOLO5_NET_VNET_HLEN;
        size_t at = (size_t)h.csum_start + h.csum_offset;
        if (h.csum_start >= flen || at + 2 > flen)
            return BRIDGE_VNET_BAD;
        uint16_t c = (uint16_t)~fold(sum16(f + h.csum_start, flen - h.csum_start, 0));
        if (c == 0)
            c = 0xffff; /* same value in ones' complement; UDP reserves 0 */
        put16(f + at, c);
    }
    return BRIDGE_VNET_PLAIN;
}

bool bridge_gso_init(struct bridge_gso *g, const uint8_t *buf, size_t len)
{
    struct solo5_net_vnet_hdr h;

    if (len <= SOLO5_NET_VNET_HLEN)
        return false;
    memcpy(&h, buf, sizeof h);
    memset(g, 0, sizeof *g);
    g->f = buf + SOLO5_NET_VNET_HLEN;
    g->flen = len - SOLO5_NET_VNET_HLEN;
    const uint8_t *f = g->f;
    unsigned type = h.gso_type & ~GSO_ECN;

    /* Every offset below is checked against flen before it is read. */
    g->l3 = SOLO5_NET_HLEN;
    if (g->flen < g->l3 + 4)
        return false;
    uint16_t ethertype = get16(f + 12);
    if (ethertype == 0x8100) { /* one VLAN tag */
        ethertype = get16(f + 16);
        g->l3 += 4;
    }
    if (type == GSO_TCPV4 && ethertype == 0x0800) {
        if (g->flen < g->l3 + 20)
            return false;
        size_t ihl = (size_t)(f[g->l3] & 0xf) * 4;
        if ((f[g->l3] >> 4) != 4 || ihl < 20 || f[g->l3 + 9] != IPPROTO_TCP_)
            return false;
        g->v4 = true;
        g->l4 = g->l3 + ihl;
        g->ip_id = get16(f + g->l3 + 4);
    } else if (type == GSO_TCPV6 && ethertype == 0x86dd) {
        if (g->flen < g->l3 + 40 || f[g->l3 + 6] != IPPROTO_TCP_)
            return false;
        g->l4 = g->l3 + 40;
    } else {
        return false;
    }
    if (g->flen < g->l4 + 20)
        return false;
    g->hl = g->l4 + (size_t)(f[g->l4 + 12] >> 4) * 4;
    if (g->hl < g->l4 + 20 || g->hl >= g->flen) /* no payload: not GSO */
        return false;
    g->mss = h.gso_size;
    if (g->mss == 0)
        return false;
    g->seq = (uint32_t)get16(f + g->l4 + 4) << 16 | get16(f + g->l4 + 6);
    return true;
}

size_t bridge_gso_next(struct bridge_gso *g, uint8_t *out)
{
    size_t payload = g->flen - g->hl;
    if (g->off >= payload)
        return 0;
    size_t n = payload - g->off < g->mss ? payload - g->off : g->mss;
    bool first = g->off == 0, last = g->off + n >= payload;
    size_t seg = g->hl + n;
    uint8_t *ip = out + g->l3, *tcp = out + g->l4;

    memcpy(out, g->f, g->hl);
    memcpy(out + g->hl, g->f + g->hl + g->off, n);
    if (g->v4) {
        size_t ihl = g->l4 - g->l3;
        put16(ip + 2, (uint32_t)(seg - g->l3));
        put16(ip + 4, (uint32_t)(g->ip_id + g->off / g->mss));
        put16(ip + 10, 0);
        put16(ip + 10, (uint16_t)~fold(sum16(ip, ihl, 0)));
    } else {
        put16(ip + 4, (uint32_t)(seg - g->l4));
    }
    uint32_t seq = g->seq + (uint32_t)g->off;
    put16(tcp + 4, seq >> 16);
    put16(tcp + 6, seq);
    if (!last)
        tcp[13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
    if (!first)
        tcp[13] &= (uint8_t)~TCP_CWR;
    put16(tcp + 16, 0);
    /* Pseudo-header: addresses, protocol, TCP length. */
    uint64_t s = g->v4 ? sum16(ip + 12, 8, 0) : sum16(ip + 8, 32, 0);
    s += IPPROTO_TCP_ + (seg - g->l4);
    s = sum16(tcp, seg - g->l4, s);
    put16(tcp + 16, (uint16_t)~fold(s));
    g->off += n;
    return seg;
}
