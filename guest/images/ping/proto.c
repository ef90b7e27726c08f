/*
 * ARP and ICMP echo responder logic for the ping image (see proto.h). Frames
 * come from the network, so every length and field is checked before use.
 */
#include "proto.h"

#define ETHERTYPE_IPV4    0x0800
#define ETHERTYPE_ARP     0x0806
#define IPPROTO_ICMP_     1
#define ICMP_ECHO_REPLY   0
#define ICMP_ECHO_REQUEST 8
#define IPV4_HLEN         20
#define ICMP_HLEN         8
#define REPLY_TTL         64

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static bool same(const void *a, const void *b, size_t n)
{
    return __builtin_memcmp(a, b, n) == 0;
}

uint16_t ping_checksum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t sum = 0;

    for (; len >= 2; p += 2, len -= 2)
        sum += get16(p);
    if (len == 1)
        sum += (uint32_t)p[0] << 8; /* odd byte, padded with zero */
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put_eth(uint8_t *out, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
    __builtin_memcpy(out, dst, 6);
    __builtin_memcpy(out + 6, src, 6);
    put16(out + 12, type);
}

static enum ping_kind handle_arp(const struct ping_ctx *ctx, const uint8_t *in, size_t len,
                                 uint8_t *out, size_t cap, size_t *out_len)
{
    const uint8_t *arp = in + PING_ETH_HLEN;

    if (len < PING_ARP_FRAME_LEN || cap < PING_ARP_FRAME_LEN)
        return PING_IGNORED;
    /* Ethernet/IPv4 request for our address. */
    if (get16(arp) != 1 || get16(arp + 2) != ETHERTYPE_IPV4 || arp[4] != 6 || arp[5] != 4 ||
        get16(arp + 6) != 1 || !same(arp + 24, ctx->ip, 4))
        return PING_IGNORED;

    const uint8_t *sha = arp + 8, *spa = arp + 14;
    uint8_t *r = out + PING_ETH_HLEN;
    put_eth(out, sha, ctx->mac, ETHERTYPE_ARP);
    put16(r, 1);
    put16(r + 2, ETHERTYPE_IPV4);
    r[4] = 6;
    r[5] = 4;
    put16(r + 6, 2); /* reply */
    __builtin_memcpy(r + 8, ctx->mac, 6);
    __builtin_memcpy(r + 14, ctx->ip, 4);
    __builtin_memcpy(r + 18, sha, 6);
    __builtin_memcpy(r + 24, spa, 4);
    *out_len = PING_ARP_FRAME_LEN;
    return PING_ARP_REPLY;
}

static enum ping_kind handle_ipv4(const struct ping_ctx *ctx, const uint8_t *in, size_t len,
                                  uint8_t *out, size_t cap, size_t *out_len)
{
    const uint8_t *ip = in + PING_ETH_HLEN;
    size_t avail = len - PING_ETH_HLEN;

    if (avail < IPV4_HLEN || ip[0] >> 4 != 4)
        return PING_IGNORED;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    size_t total = get16(ip + 2);
    if (ihl < IPV4_HLEN || ihl > avail || ping_checksum(ip, ihl) != 0)
        return PING_IGNORED;
    /* Frames may carry Ethernet padding: trust the IP length, not len. */
    if (total < ihl + ICMP_HLEN || total > avail)
        return PING_IGNORED;
    if ((get16(ip + 6) & 0x3fff) != 0) /* fragment (MF or offset): ignore */
        return PING_IGNORED;
    if (ip[9] != IPPROTO_ICMP_ || !same(ip + 16, ctx->ip, 4))
        return PING_IGNORED;

    const uint8_t *icmp = ip + ihl;
    size_t icmp_len = total - ihl;
    if (icmp[0] != ICMP_ECHO_REQUEST || icmp[1] != 0 || ping_checksum(icmp, icmp_len) != 0)
        return PING_IGNORED;
    size_t reply_len = PING_ETH_HLEN + IPV4_HLEN + icmp_len;
    if (reply_len > cap)
        return PING_IGNORED;

    /* Reply: fresh 20-byte IPv4 header (options are not echoed). */
    uint8_t *r = out + PING_ETH_HLEN;
    put_eth(out, in + 6, ctx->mac, ETHERTYPE_IPV4);
    r[0] = 0x45;
    r[1] = ip[1];
    put16(r + 2, (uint16_t)(IPV4_HLEN + icmp_len));
    put16(r + 4, get16(ip + 4)); /* identification */
    put16(r + 6, 0);
    r[8] = REPLY_TTL;
    r[9] = IPPROTO_ICMP_;
    put16(r + 10, 0);
    __builtin_memcpy(r + 12, ctx->ip, 4);
    __builtin_memcpy(r + 16, ip + 12, 4);
    put16(r + 10, ping_checksum(r, IPV4_HLEN));

    /* ICMP: identifier, sequence and payload echoed byte for byte. */
    uint8_t *ri = r + IPV4_HLEN;
    __builtin_memcpy(ri, icmp, icmp_len);
    ri[0] = ICMP_ECHO_REPLY;
    ri[1] = 0;
    put16(ri + 2, 0);
    put16(ri + 2, ping_checksum(ri, icmp_len));
    *out_len = reply_len;
    return PING_ECHO_REPLY;
}

enum ping_kind ping_handle(const struct ping_ctx *ctx, const uint8_t *in, size_t len, uint8_t *out,
                           size_t cap, size_t *out_len)
{
    static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

    if (len < PING_ETH_HLEN)
        return PING_IGNORED;
    bool to_us = same(in, ctx->mac, 6);
    switch (get16(in + 12)) {
    case ETHERTYPE_ARP:
        if (!to_us && !same(in, broadcast, 6))
            return PING_IGNORED;
        return handle_arp(ctx, in, len, out, cap, out_len);
    case ETHERTYPE_IPV4:
        if (!to_us)
            return PING_IGNORED;
        return handle_ipv4(ctx, in, len, out, cap, out_len);
    default: return PING_IGNORED;
    }
}

bool ping_parse_ipv4(const char *s, size_t len, uint8_t ip[4])
{
    size_t i = 0;

    for (int part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        if (part > 0) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
        while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(s[i++] - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return false;
        ip[part] = (uint8_t)v;
    }
    return i == len;
}

bool ping_parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Next whitespace-separated token of *s: start in *tok, length returned
 * (0 at the end). */
static size_t next_token(const char **s, const char **tok)
{
    const char *p = *s;
    while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
    *tok = p;
    while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n')
        p++;
    *s = p;
    return (size_t)(p - *tok);
}

bool ping_parse_cmdline(const char *cmdline, struct ping_args *args)
{
    const char *s = cmdline != NULL ? cmdline : "", *tok;
    size_t n;

    args->limit = 0;
    n = next_token(&s, &tok);
    if (!ping_parse_ipv4(tok, n, args->ip))
        return false;
    n = next_token(&s, &tok);
    if (n == 0)
        return true;
    if (n != 5 || !same(tok, "limit", 5))
        return false;
    n = next_token(&s, &tok);
    if (!ping_parse_u64(tok, n, &args->limit) || args->limit == 0)
        return false;
    return next_token(&s, &tok) == 0;
}
