/*
 * router: IPv4 header checks and the TTL/checksum update.
 */
#include "ipv4.h"

#include "csum.h"
#include "wire.h"

#define OPT_EOL  0
#define OPT_NOP  1
#define OPT_COPY 0x80
#define OPT_LSRR 0x83
#define OPT_SSRR 0x89

/* Options are type-length-value except EOL and NOP; a source route makes
 * the router a tool for reaching what routing would not (refused, as
 * Linux does by default). */
static bool options_ok(const uint8_t *o, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t t = o[i];
        if (t == OPT_EOL)
            return true;
        if (t == OPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i)
            return false;
        if (t == OPT_LSRR || t == OPT_SSRR)
            return false;
        i += o[i + 1];
    }
    return true;
}

static enum rt_ip_check transport(const uint8_t *ip, struct rt_ip *h)
{
    const uint8_t *l4 = ip + h->hlen;
    size_t n = h->tot_len - h->hlen;
    bool whole = !h->mf && h->offset == 0;

    if (h->offset != 0) {
        /* RFC 1858: a TCP fragment at offset 8 can rewrite the flags of
         * the first one; nothing legitimate sends it. */
        return h->proto == RT_PROTO_TCP && h->offset == 8 ? RT_IPCHK_L4 : RT_IPCHK_OK;
    }
    switch (h->proto) {
    case RT_PROTO_TCP:
        if (n < RT_TCP_HLEN)
            return RT_IPCHK_L4;
        h->l4_hlen = (size_t)(l4[12] >> 4) * 4;
        if (h->l4_hlen < RT_TCP_HLEN || h->l4_hlen > n)
            return RT_IPCHK_L4;
        break;
    case RT_PROTO_UDP: {
        if (n < RT_UDP_HLEN)
            return RT_IPCHK_L4;
        size_t ulen = rd16(l4 + 4);
        if (ulen < RT_UDP_HLEN || (whole && ulen > n))
            return RT_IPCHK_L4;
        break;
    }
    case RT_PROTO_ICMP:
        if (n < RT_ICMP_HLEN)
            return RT_IPCHK_L4;
        h->icmp_type = l4[0];
        return RT_IPCHK_OK;
    default: return RT_IPCHK_OK;
    }
    h->ports = true;
    h->sport = rd16(l4);
    h->dport = rd16(l4 + 2);
    return RT_IPCHK_OK;
}

enum rt_ip_check rt_ip_parse(const uint8_t *ip, size_t avail, struct rt_ip *h)
{
    if (avail < RT_IP_HLEN)
        return RT_IPCHK_SHORT;
    if (ip[0] >> 4 != 4)
        return RT_IPCHK_VERSION;
    h->hlen = (size_t)(ip[0] & 0xf) * 4;
    if (h->hlen < RT_IP_HLEN)
        return RT_IPCHK_HLEN;
    if (h->hlen > avail)
        return RT_IPCHK_SHORT;
    h->tot_len = rd16(ip + 2);
    if (h->tot_len < h->hlen)
        return RT_IPCHK_LEN;
    if (h->tot_len > avail)
        return RT_IPCHK_SHORT;
    if (rt_csum(ip, h->hlen) != 0)
        return RT_IPCHK_CSUM;
    if (h->hlen > RT_IP_HLEN && !options_ok(ip + RT_IP_HLEN, h->hlen - RT_IP_HLEN))
        return RT_IPCHK_OPTIONS;

    uint16_t frag = rd16(ip + 6);
    h->df = (frag & RT_IP_DF) != 0;
    h->mf = (frag & RT_IP_MF) != 0;
    h->offset = (size_t)(frag & RT_IP_OFFMASK) * 8;
    size_t payload = h->tot_len - h->hlen;
    if ((frag & 0x8000) != 0 || h->offset + payload > RT_IP_MAX ||
        (h->mf && (payload == 0 || payload % 8 != 0)))
        return RT_IPCHK_FRAG;

    h->tos = ip[1];
    h->ttl = ip[8];
    h->proto = ip[9];
    h->src = rd32(ip + 12);
    h->dst = rd32(ip + 16);
    h->ports = false;
    h->sport = h->dport = 0;
    h->l4_hlen = 0;
    h->icmp_type = -1;
    return transport(ip, h);
}

void rt_ip_dec_ttl(uint8_t *ip)
{
    uint16_t old = rd16(ip + 8); /* TTL and protocol: one 16-bit word */
    ip[8]--;
    wr16(ip + 10, rt_csum_adjust(rd16(ip + 10), old, rd16(ip + 8)));
}

void rt_ip_set_csum(uint8_t *ip, size_t hlen)
{
    wr16(ip + 10, 0);
    wr16(ip + 10, rt_csum(ip, hlen));
}

size_t rt_ip_copied_options(const uint8_t *ip, size_t hlen, uint8_t *out)
{
    const uint8_t *o = ip + RT_IP_HLEN;
    size_t n = hlen - RT_IP_HLEN, i = 0, len = 0;

    while (i < n && o[i] != OPT_EOL) {
        size_t l = o[i] == OPT_NOP ? 1 : o[i + 1];
        if (o[i] & OPT_COPY)
            for (size_t k = 0; k < l; k++)
                out[len++] = o[i + k];
        i += l;
    }
    while (len % 4 != 0)
        out[len++] = OPT_EOL;
    return len;
}
