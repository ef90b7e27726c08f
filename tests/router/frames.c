/*
 * Test frames for the router (see frames.h). Written independently of the
 * router's own code: byte offsets from the RFCs, checksums summed here.
 */
#include "frames.h"

#include <string.h>

const uint8_t tf_wan_mac[6] = { 0x02, 0, 0, 0, 0x01, 0x01 };
const uint8_t tf_lan_mac[6] = { 0x02, 0, 0, 0, 0x02, 0x01 };
const uint8_t tf_h1_mac[6] = { 0x02, 0, 0, 0, 0x01, 0x02 };
const uint8_t tf_h2_mac[6] = { 0x02, 0, 0, 0, 0x02, 0xfe };

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint32_t sum(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i < n; i++)
        s += i % 2 == 0 ? (uint32_t)p[i] << 8 : p[i];
    return s;
}

static uint16_t finish(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

int tf_ip_ok(const uint8_t *ip, size_t len)
{
    if (len < 20 || ip[0] >> 4 != 4 || (ip[0] & 0xf) < 5)
        return 0;
    size_t hl = (size_t)(ip[0] & 0xf) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
    return hl <= len && tot >= hl && tot <= len && finish(sum(ip, hl, 0)) == 0;
}

struct tf_l2 tf_from_h1(void)
{
    return (struct tf_l2){ tf_wan_mac, tf_h1_mac };
}

void tf_fix_ip_csum(uint8_t *f)
{
    uint8_t *ip = f + 14;
    size_t hl = (size_t)(ip[0] & 0xf) * 4;
    put16(ip + 10, 0);
    put16(ip + 10, finish(sum(ip, hl, 0)));
}

void tf_fix_l4_csum(uint8_t *f)
{
    uint8_t *ip = f + 14;
    size_t hl = (size_t)(ip[0] & 0xf) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
    uint8_t *l4 = ip + hl;
    size_t n = tot - hl;
    switch (ip[9]) {
    case 1:
        put16(l4 + 2, 0);
        put16(l4 + 2, finish(sum(l4, n, 0)));
        break;
    case 6:
    case 17: {
        size_t at = ip[9] == 6 ? 16 : 6;
        uint32_t s = sum(ip + 12, 8, 0) + ip[9] + (uint32_t)n;
        put16(l4 + at, 0);
        put16(l4 + at, finish(sum(l4, n, s)));
        break;
    }
    default: break;
    }
}

size_t tf_ipv4(uint8_t *f, struct tf_l2 l2, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
               uint16_t frag, size_t payload, uint8_t seed)
{
    uint8_t *ip = f + 14;

    memcpy(f, l2.dst, 6);
    memcpy(f + 6, l2.src, 6);
    put16(f + 12, 0x0800);
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint32_t)(20 + payload));
    put16(ip + 4, 0x1234);
    put16(ip + 6, frag);
    ip[8] = ttl;
    ip[9] = proto;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    for (size_t i = 0; i < payload; i++)
        ip[20 + i] = (uint8_t)(seed + i * 7);
    tf_fix_ip_csum(f);
    return 14 + 20 + payload;
}

size_t tf_udp(uint8_t *f, struct tf_l2 l2, uint32_t src, uint32_t dst, uint16_t sport,
              uint16_t dport, size_t payload, uint8_t ttl, uint16_t frag)
{
    size_t len = tf_ipv4(f, l2, src, dst, 17, ttl, frag, 8 + payload, 0x5a);
    uint8_t *u = f + 34;
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, (uint32_t)(8 + payload));
    tf_fix_l4_csum(f);
    return len;
}

size_t tf_tcp(uint8_t *f, struct tf_l2 l2, uint32_t src, uint32_t dst, uint16_t sport,
              uint16_t dport, size_t payload, uint8_t ttl)
{
    size_t len = tf_ipv4(f, l2, src, dst, 6, ttl, 0x4000, 20 + payload, 0x3c);
    uint8_t *t = f + 34;
    put16(t, sport);
    put16(t + 2, dport);
    put32(t + 4, 1000);
    put32(t + 8, 0);
    t[12] = 5 << 4;
    t[13] = 0x18; /* PSH ACK */
    put16(t + 14, 65535);
    put16(t + 18, 0);
    tf_fix_l4_csum(f);
    return len;
}

size_t tf_echo(uint8_t *f, struct tf_l2 l2, uint32_t src, uint32_t dst, size_t payload, uint8_t ttl)
{
    size_t len = tf_ipv4(f, l2, src, dst, 1, ttl, 0x4000, 8 + payload, 0xa5);
    uint8_t *m = f + 34;
    m[0] = 8;
    m[1] = 0;
    put16(m + 4, 0xbeef);
    put16(m + 6, 1);
    tf_fix_l4_csum(f);
    return len;
}

size_t tf_arp(uint8_t *f, const uint8_t *eth_dst, uint16_t op, const uint8_t *sha, uint32_t spa,
              const uint8_t *tha, uint32_t tpa)
{
    uint8_t *a = f + 14;

    memcpy(f, eth_dst, 6);
    memcpy(f + 6, sha, 6);
    put16(f + 12, 0x0806);
    put16(a, 1);
    put16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, sha, 6);
    put32(a + 14, spa);
    memcpy(a + 18, tha, 6);
    put32(a + 24, tpa);
    return 42;
}

/* ----------------------------------------------------- malformed samples */

static const uint8_t zero_mac[6];
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static size_t udp_to(uint8_t *f, uint32_t src, uint32_t dst)
{
    return tf_udp(f, tf_from_h1(), src, dst, 4000, 5000, 32, 64, 0);
}

static size_t good(uint8_t *f)
{
    return udp_to(f, TF_H1_IP, TF_H2_IP);
}

/* Change one IP header byte, keeping the header checksum right. */
static size_t ip_byte(uint8_t *f, size_t at, uint8_t v)
{
    size_t len = good(f);
    f[14 + at] = v;
    tf_fix_ip_csum(f);
    return len;
}

static size_t runt(uint8_t *f)
{
    good(f);
    return 10;
}
static size_t eth_only(uint8_t *f)
{
    good(f);
    return 14;
}
static size_t ip_cut(uint8_t *f)
{
    good(f);
    return 14 + 19;
}
static size_t version6(uint8_t *f)
{
    return ip_byte(f, 0, 0x65);
}
static size_t ihl4(uint8_t *f)
{
    return ip_byte(f, 0, 0x44);
}
static size_t ihl15(uint8_t *f)
{
    size_t len = good(f);
    f[14] = 0x4f; /* 60-byte header in a 34-byte packet... */
    return len - 20;
}
static size_t totlen_small(uint8_t *f)
{
    size_t len = good(f);
    put16(f + 16, 19);
    tf_fix_ip_csum(f);
    return len;
}
static size_t totlen_big(uint8_t *f)
{
    size_t len = good(f);
    put16(f + 16, 1000);
    tf_fix_ip_csum(f);
    return len;
}
static size_t bad_csum(uint8_t *f)
{
    size_t len = good(f);
    f[14 + 10] ^= 0x40;
    return len;
}

/* A header with 4 option bytes (IHL 6) before the UDP header. */
static size_t with_option(uint8_t *f, const uint8_t opt[4])
{
    size_t len = good(f);
    uint8_t *ip = f + 14;
    memmove(ip + 24, ip + 20, len - 34);
    memcpy(ip + 20, opt, 4);
    ip[0] = 0x46;
    put16(ip + 2, (uint32_t)(len - 14 + 4));
    tf_fix_ip_csum(f);
    return len + 4;
}
static size_t option_len0(uint8_t *f)
{
    static const uint8_t o[4] = { 0x07, 0, 0, 0 }; /* record route, length 0 */
    return with_option(f, o);
}
static size_t option_lsrr(uint8_t *f)
{
    static const uint8_t o[4] = { 0x83, 3, 4, 0 }; /* loose source route */
    return with_option(f, o);
}
static size_t reserved_flag(uint8_t *f)
{
    size_t len = good(f);
    put16(f + 20, 0x8000);
    tf_fix_ip_csum(f);
    return len;
}
static size_t frag_beyond(uint8_t *f)
{
    size_t len = good(f);
    put16(f + 20, 0x1fff); /* 65,528 + payload > 65,535 */
    tf_fix_ip_csum(f);
    return len;
}
static size_t frag_odd(uint8_t *f)
{
    size_t len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 4000, 5000, 33, 64, 0x2000);
    return len; /* MF with 41 payload bytes */
}
static size_t tcp_short(uint8_t *f)
{
    size_t len = tf_tcp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 4000, 22, 0, 64);
    put16(f + 16, 20 + 10);
    tf_fix_ip_csum(f);
    return len - 10;
}
static size_t tcp_doff4(uint8_t *f)
{
    size_t len = tf_tcp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 4000, 22, 16, 64);
    f[34 + 12] = 4 << 4;
    return len;
}
static size_t udp_len4(uint8_t *f)
{
    size_t len = good(f);
    put16(f + 34 + 4, 4);
    return len;
}
static size_t udp_len_big(uint8_t *f)
{
    size_t len = good(f);
    put16(f + 34 + 4, 200);
    return len;
}
static size_t tcp_frag8(uint8_t *f)
{
    size_t len = tf_ipv4(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 6, 64, 1, 16, 1);
    return len; /* TCP at fragment offset 8 (RFC 1858) */
}
static size_t src_loopback(uint8_t *f)
{
    return udp_to(f, 0x7f000001u, TF_H2_IP);
}
static size_t src_zero(uint8_t *f)
{
    return udp_to(f, 0, TF_H2_IP);
}
static size_t src_multicast(uint8_t *f)
{
    return udp_to(f, 0xe0000001u, TF_H2_IP);
}
static size_t src_router(uint8_t *f)
{
    return udp_to(f, TF_WAN_IP, TF_H2_IP);
}
static size_t src_other_side(uint8_t *f)
{
    return udp_to(f, 0x0a020005u, TF_H1_IP + 5); /* a lan host, arriving on wan */
}
static size_t dst_limited_bcast(uint8_t *f)
{
    return udp_to(f, TF_H1_IP, 0xffffffffu);
}
static size_t dst_subnet_bcast(uint8_t *f)
{
    return udp_to(f, TF_H1_IP, 0x0a0200ffu);
}
static size_t dst_multicast(uint8_t *f)
{
    return udp_to(f, TF_H1_IP, 0xe0000005u);
}
static size_t dst_loopback(uint8_t *f)
{
    return udp_to(f, TF_H1_IP, 0x7f000001u);
}
static size_t dst_zero_net(uint8_t *f)
{
    return udp_to(f, TF_H1_IP, 0x00010203u);
}
static size_t l2_bcast(uint8_t *f)
{
    return tf_udp(f, (struct tf_l2){ bcast_mac, tf_h1_mac }, TF_H1_IP, TF_H2_IP, 1, 2, 8, 64, 0);
}
static size_t l2_src_group(uint8_t *f)
{
    static const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
    return tf_udp(f, (struct tf_l2){ tf_wan_mac, mcast }, TF_H1_IP, TF_H2_IP, 1, 2, 8, 64, 0);
}
static size_t l2_other(uint8_t *f)
{
    static const uint8_t other[6] = { 0x02, 0, 0, 0, 0x09, 0x09 };
    return tf_udp(f, (struct tf_l2){ other, tf_h1_mac }, TF_H1_IP, TF_H2_IP, 1, 2, 8, 64, 0);
}
static size_t ipv6(uint8_t *f)
{
    size_t len = good(f);
    put16(f + 12, 0x86dd);
    return len;
}
static size_t arp_htype(uint8_t *f)
{
    size_t len = tf_arp(f, bcast_mac, 1, tf_h1_mac, TF_H1_IP, zero_mac, TF_WAN_IP);
    put16(f + 14, 6);
    return len;
}
static size_t arp_cut(uint8_t *f)
{
    tf_arp(f, bcast_mac, 1, tf_h1_mac, TF_H1_IP, zero_mac, TF_WAN_IP);
    return 14 + 27;
}
static size_t arp_op3(uint8_t *f)
{
    size_t len = tf_arp(f, bcast_mac, 1, tf_h1_mac, TF_H1_IP, zero_mac, TF_WAN_IP);
    put16(f + 14 + 6, 3);
    return len;
}
static size_t arp_other(uint8_t *f)
{
    /* From an address the router has no entry for (one it has would be
     * updated: RFC 826's merge). */
    return tf_arp(f, bcast_mac, 1, tf_h1_mac, 0x0a01004eu, zero_mac, 0x0a01004du);
}
static size_t echo_bad_csum(uint8_t *f)
{
    size_t len = tf_echo(f, tf_from_h1(), TF_H1_IP, TF_WAN_IP, 16, 64);
    f[34 + 2] ^= 1;
    return len;
}
static size_t local_fragment(uint8_t *f)
{
    size_t len = tf_echo(f, tf_from_h1(), TF_H1_IP, TF_WAN_IP, 16, 64);
    put16(f + 20, 0x2000);
    tf_fix_ip_csum(f);
    return len;
}
static size_t ttl0(uint8_t *f)
{
    return ip_byte(f, 8, 0);
}

const struct tf_bad tf_bad[] = {
    { "runt frame", "short", runt },
    { "Ethernet header only", "short", eth_only },
    { "IPv4 header cut", "short", ip_cut },
    { "IP version 6 in IPv4", "ip-version", version6 },
    { "IHL 4", "ip-hlen", ihl4 },
    { "IHL beyond the frame", "short", ihl15 },
    { "total length below the header", "ip-len", totlen_small },
    { "total length beyond the frame", "short", totlen_big },
    { "header checksum", "ip-csum", bad_csum },
    { "option of length 0", "ip-options", option_len0 },
    { "loose source route", "ip-options", option_lsrr },
    { "reserved flag", "ip-frag", reserved_flag },
    { "fragment beyond 65535", "ip-frag", frag_beyond },
    { "fragment not a multiple of 8", "ip-frag", frag_odd },
    { "TCP header cut", "l4", tcp_short },
    { "TCP data offset 4", "l4", tcp_doff4 },
    { "UDP length 4", "l4", udp_len4 },
    { "UDP length beyond the packet", "l4", udp_len_big },
    { "TCP fragment at offset 8", "l4", tcp_frag8 },
    { "source 127.0.0.1", "martian-src", src_loopback },
    { "source 0.0.0.0", "martian-src", src_zero },
    { "source multicast", "martian-src", src_multicast },
    { "source the router's own", "martian-src", src_router },
    { "source from the other NIC's subnet", "martian-src", src_other_side },
    { "destination 255.255.255.255", "bcast", dst_limited_bcast },
    { "destination lan broadcast", "bcast", dst_subnet_bcast },
    { "destination multicast", "mcast", dst_multicast },
    { "destination 127.0.0.1", "martian-dst", dst_loopback },
    { "destination 0.1.2.3", "martian-dst", dst_zero_net },
    { "IPv4 to the Ethernet broadcast", "l2-bcast", l2_bcast },
    { "Ethernet source multicast", "l2-src", l2_src_group },
    { "Ethernet destination another host", "not-ours", l2_other },
    { "IPv6", "ethertype", ipv6 },
    { "ARP hardware type 6", "arp-bad", arp_htype },
    { "ARP cut", "arp-bad", arp_cut },
    { "ARP operation 3", "arp-bad", arp_op3 },
    { "ARP for another address", "arp-ignored", arp_other },
    { "echo request, bad ICMP checksum", "local-bad", echo_bad_csum },
    { "fragment to the router", "local-bad", local_fragment },
    { "TTL 0", "ttl", ttl0 },
};
const size_t tf_bad_count = sizeof tf_bad / sizeof tf_bad[0];
