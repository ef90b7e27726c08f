/*
 * Unit tests for the router's packet path, driven as the image drives it
 * (harness.c): forwarding (TTL, incremental checksum, Ethernet addresses,
 * payload), ARP resolution with frames waiting, retries, expiry and probes,
 * ICMP errors (time exceeded, net and host unreachable, fragmentation
 * needed with the next-hop MTU) and their limits, fragmentation, echo
 * replies, the ACL, offloads between vnet and plain NICs, and the counters
 * balancing after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csum.h"
#include "frames.h"
#include "harness.h"
#include "ipv4.h"

#define WAN 0
#define LAN 1
#define BASE                                                                                       \
    "wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.3.0.0/16,via=10.2.0.254 "                            \
    "route=10.8.0.0/16,via=10.1.0.254"
#define SEC 1000000000ull

static const uint8_t zero_mac[6];
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct h_env env;

static const struct rt_nic_counters *cnt(unsigned nic)
{
    return &env.r.cnt.nic[nic];
}

/* The IPv4 packet of a sent plain frame, checked. */
static const uint8_t *sent_ip(size_t i, struct rt_ip *h)
{
    size_t len;
    const uint8_t *f = h_frame(&env, i, &len);
    assert_int_equal(rd16(f + 12), 0x0800);
    assert_int_equal(rt_ip_parse(f + 14, len - 14, h), RT_IPCHK_OK);
    assert_int_equal(h->tot_len, len - 14);
    return f + 14;
}

static bool l4_csum_ok(const uint8_t *ip)
{
    size_t hl = (size_t)(ip[0] & 0xf) * 4, n = rd16(ip + 2) - hl;
    uint64_t s = ip[9] == 1 ? 0 : rt_sum(ip + 12, 8, 0) + ip[9] + n;
    return rt_fold(rt_sum(ip + hl, n, s)) == 0xffff;
}

static void test_forward(void **state)
{
    (void)state;
    uint8_t f[2000];
    struct rt_ip h;

    h_learn_neighbours(&env);
    size_t len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1000, 2000, 500, 64, 0x4000);
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 1);
    assert_int_equal(env.sent[0].nic, LAN);
    assert_int_equal(env.sent[0].len, len);
    assert_memory_equal(env.sent[0].buf, tf_h2_mac, 6);
    assert_memory_equal(env.sent[0].buf + 6, tf_lan_mac, 6);
    const uint8_t *ip = sent_ip(0, &h);
    assert_int_equal(h.ttl, 63);
    assert_memory_equal(ip + 12, f + 14 + 12, 8);
    assert_memory_equal(ip + 20, f + 34, len - 34); /* UDP untouched */
    assert_true(l4_csum_ok(ip));

    /* Through the static route: to h3, by way of h2. Ethernet padding is
     * not forwarded. */
    h_clear(&env);
    len = tf_tcp(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 1000, 80, 10, 2);
    memset(f + len, 0xee, 20);
    h_input(&env, WAN, f, len + 20, 0);
    assert_int_equal(env.n_sent, 1);
    assert_int_equal(env.sent[0].len, len);
    assert_memory_equal(env.sent[0].buf, tf_h2_mac, 6);
    sent_ip(0, &h);
    assert_int_equal(h.ttl, 1);
    assert_int_equal(cnt(WAN)->forwarded, 2);
    assert_int_equal(cnt(WAN)->local, 1); /* h1's ARP request */
    assert_int_equal(cnt(LAN)->out, 3);   /* and the reply to h2's */
    assert_int_equal(cnt(LAN)->own, 1);

    /* Back the other way. */
    h_clear(&env);
    len = tf_udp(f, (struct tf_l2){ tf_lan_mac, tf_h2_mac }, TF_H3_IP, TF_H1_IP, 5, 6, 1, 9, 0);
    h_input(&env, LAN, f, len, 0);
    assert_int_equal(env.n_sent, 1);
    assert_int_equal(env.sent[0].nic, WAN);
    assert_memory_equal(env.sent[0].buf, tf_h1_mac, 6);
}

static void test_arp_resolve(void **state)
{
    (void)state;
    uint8_t f[2000];
    size_t lens[5];

    for (int i = 0; i < 5; i++) {
        lens[i] =
            tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1000, (uint16_t)(2000 + i), 100, 64, 0);
        h_input(&env, WAN, f, lens[i], 0);
    }
    /* One request, broadcast on lan; four frames wait, the fifth is dropped. */
    assert_int_equal(env.n_sent, 1);
    const uint8_t *a = env.sent[0].buf;
    assert_int_equal(env.sent[0].nic, LAN);
    assert_int_equal(env.sent[0].len, 42);
    assert_memory_equal(a, bcast_mac, 6);
    assert_memory_equal(a + 6, tf_lan_mac, 6);
    assert_int_equal(rd16(a + 12), 0x0806);
    assert_int_equal(rd16(a + 14 + 6), 1);
    assert_memory_equal(a + 14 + 8, tf_lan_mac, 6);
    assert_int_equal(rd32(a + 14 + 14), TF_LAN_IP);
    assert_int_equal(rd32(a + 14 + 24), TF_H2_IP);
    assert_int_equal(cnt(WAN)->queued, 4);
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_ARP_FULL], 1);

    h_clear(&env);
    size_t len = tf_arp(f, tf_lan_mac, 2, tf_h2_mac, TF_H2_IP, tf_lan_mac, TF_LAN_IP);
    h_input(&env, LAN, f, len, 0);
    assert_int_equal(env.n_sent, 4);
    for (int i = 0; i < 4; i++) { /* in order, to h2 */
        struct rt_ip h;
        assert_memory_equal(env.sent[i].buf, tf_h2_mac, 6);
        sent_ip((size_t)i, &h);
        assert_int_equal(h.dport, 2000 + i);
        assert_int_equal(h.ttl, 63);
    }
    assert_int_equal(cnt(WAN)->queued, 0);
    assert_int_equal(cnt(WAN)->forwarded, 4);
    assert_int_equal(cnt(LAN)->local, 1);
    assert_int_equal(env.r.cnt.arp_resolved, 1);
    assert_int_equal(env.r.arp.waiting, 0);
}

static void test_arp_timeout(void **state)
{
    (void)state;
    uint8_t f[2000];

    h_learn_neighbours(&env);
    for (int i = 0; i < 2; i++) {
        size_t len = tf_echo(f, tf_from_h1(), TF_H1_IP, 0x0a080005, 56, 64);
        h_input(&env, WAN, f, len, 0);
    }
    assert_int_equal(env.n_sent, 1); /* the first request for 10.1.0.254 */
    assert_int_equal(rd32(env.sent[0].buf + 14 + 24), 0x0a0100fe);
    assert_int_equal(cnt(WAN)->queued, 2);
    uint64_t t0 = env.now;
    assert_int_equal(router_tick(&env.r, t0 + SEC / 2), t0 + SEC);
    assert_int_equal(env.n_sent, 1);
    router_tick(&env.r, t0 + SEC);
    router_tick(&env.r, t0 + 2 * SEC);
    assert_int_equal(env.n_sent, 3); /* RT_ARP_TRIES requests */
    h_clear(&env);
    uint64_t next = router_tick(&env.r, t0 + 3 * SEC);
    assert_int_equal(next, RT_ARP_NEVER);
    assert_int_equal(cnt(WAN)->queued, 0);
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_ARP_TIMEOUT], 2);
    assert_int_equal(env.r.cnt.arp_timeouts, 1);
    /* Each sender hears its host is unreachable, from the router's wan
     * address, quoting its packet. */
    assert_int_equal(env.n_sent, 2);
    for (int i = 0; i < 2; i++) {
        struct rt_ip h;
        const uint8_t *ip = sent_ip((size_t)i, &h);
        assert_int_equal(env.sent[i].nic, WAN);
        assert_memory_equal(env.sent[i].buf, tf_h1_mac, 6);
        assert_int_equal(h.src, TF_WAN_IP);
        assert_int_equal(h.dst, TF_H1_IP);
        assert_int_equal(ip[20], 3);
        assert_int_equal(ip[21], 1);
        assert_true(l4_csum_ok(ip));
        assert_int_equal(rd32(ip + 28 + 16), 0x0a080005);
    }
    /* Forgotten: the next frame asks again. */
    h_clear(&env);
    size_t len = tf_echo(f, tf_from_h1(), TF_H1_IP, 0x0a080005, 56, 64);
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 1);
    assert_int_equal(rd16(env.sent[0].buf + 12), 0x0806);
}

static void test_arp_probe(void **state)
{
    (void)state;
    uint8_t f[2000];

    h_learn_neighbours(&env);
    size_t len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1, 2, 10, 64, 0);
    env.now += RT_ARP_REACHABLE_NS + 1;
    h_input(&env, WAN, f, len, 0);
    /* Still sent to the address it had; a unicast request checks it. */
    assert_int_equal(env.n_sent, 2);
    assert_int_equal(rd16(env.sent[0].buf + 12), 0x0800);
    assert_memory_equal(env.sent[0].buf, tf_h2_mac, 6);
    assert_int_equal(rd16(env.sent[1].buf + 12), 0x0806);
    assert_memory_equal(env.sent[1].buf, tf_h2_mac, 6);
    router_tick(&env.r, env.now + SEC);
    router_tick(&env.r, env.now + 2 * SEC);
    assert_int_equal(env.n_sent, 4);
    router_tick(&env.r, env.now + 3 * SEC); /* unanswered: forgotten */
    h_clear(&env);
    env.now += 4 * SEC;
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 1);
    assert_memory_equal(env.sent[0].buf, bcast_mac, 6);
    assert_int_equal(cnt(WAN)->queued, 1);
    /* An answer to the probe instead keeps it. */
    len = tf_arp(f, tf_lan_mac, 2, tf_h2_mac, TF_H2_IP, tf_lan_mac, TF_LAN_IP);
    h_input(&env, LAN, f, len, 0);
    assert_int_equal(cnt(WAN)->queued, 0);
}

/* The one ICMP error sent on wan back to h1: its IP packet. */
static const uint8_t *icmp_error(uint8_t type, uint8_t code)
{
    struct rt_ip h;
    size_t len;
    assert_int_equal(env.n_sent, 1);
    assert_int_equal(env.sent[0].nic, WAN);
    const uint8_t *f = h_frame(&env, 0, &len);
    assert_memory_equal(f, tf_h1_mac, 6);
    assert_memory_equal(f + 6, tf_wan_mac, 6);
    const uint8_t *ip = sent_ip(0, &h);
    assert_int_equal(h.proto, 1);
    assert_int_equal(h.src, TF_WAN_IP);
    assert_int_equal(h.dst, TF_H1_IP);
    assert_int_equal(h.ttl, 64);
    assert_int_equal(ip[20], type);
    assert_int_equal(ip[21], code);
    assert_true(l4_csum_ok(ip));
    assert_true(h.tot_len <= 576);
    return ip;
}

static void test_icmp_errors(void **state)
{
    (void)state;
    uint8_t f[2000];
    size_t len;

    h_learn_neighbours(&env);
    /* TTL 1: time exceeded, quoting the packet as it came. */
    len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 33434, 33435, 32, 1, 0);
    h_input(&env, WAN, f, len, 0);
    const uint8_t *ip = icmp_error(11, 0);
    assert_int_equal(rd16(ip + 2), 20 + 8 + len - 14);
    assert_memory_equal(ip + 28, f + 14, len - 14);
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_TTL], 1);

    /* No route: net unreachable. */
    h_clear(&env);
    len = tf_echo(f, tf_from_h1(), TF_H1_IP, 0x0a090909, 56, 64);
    h_input(&env, WAN, f, len, 0);
    icmp_error(3, 0);
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_NO_ROUTE], 1);

    /* DF above lan's MTU: fragmentation needed, with that MTU. */
    h_clear(&env);
    len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1, 2, 1450 - 8, 64, 0x4000);
    h_input(&env, WAN, f, len, 0);
    ip = icmp_error(3, 4);
    assert_int_equal(rd16(ip + 26), TF_LAN_MTU);
    assert_int_equal(rd16(ip + 2), 576); /* the quote is cut at 576 */
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_FRAG_NEEDED], 1);
    /* Exactly the MTU passes. */
    h_clear(&env);
    len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1, 2, TF_LAN_MTU - 28, 64, 0x4000);
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 1);
    assert_int_equal(env.sent[0].nic, LAN);

    /* None about an ICMP error, nor about a later fragment. */
    h_clear(&env);
    len = tf_ipv4(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 1, 1, 0, 36, 0);
    f[34] = 3; /* an unreachable, TTL 1 */
    tf_fix_l4_csum(f);
    h_input(&env, WAN, f, len, 0);
    len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 1, 2, 32, 1, 0x0004);
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 0);
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_TTL], 3);
    /* An echo request with TTL 1 gets one (a query, not an error). */
    len = tf_echo(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 8, 1);
    h_input(&env, WAN, f, len, 0);
    icmp_error(11, 0);
    assert_int_equal(env.r.cnt.icmp_errors, 4);
}

static void test_icmp_rate_limit(void **state)
{
    (void)state;
    uint8_t f[200];

    h_free(&env);
    h_init(&env, BASE " icmp-rate=10", false, false); /* bursts of 1 */
    h_learn_neighbours(&env);
    size_t len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 1, 2, 8, 1, 0);
    for (int i = 0; i < 5; i++)
        h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 1);
    assert_int_equal(env.r.cnt.icmp_limited, 4);
    env.now += SEC / 10;
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 2);
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_TTL], 6);
    assert_non_null(strstr(h_report(&env), "rate-limited=4"));

    h_free(&env);
    h_init(&env, BASE " icmp-rate=0", false, false);
    h_learn_neighbours(&env);
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 0);
}

static void test_fragmentation(void **state)
{
    (void)state;
    uint8_t f[4000], whole[4000];
    size_t got = 0;

    h_learn_neighbours(&env);
    size_t len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 7, 9, 3000, 64, 0);
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 3);
    for (size_t i = 0; i < env.n_sent; i++) {
        struct rt_ip h;
        const uint8_t *ip = sent_ip(i, &h);
        assert_true(env.sent[i].len <= 14 + TF_LAN_MTU);
        assert_int_equal(env.sent[i].nic, LAN);
        assert_memory_equal(env.sent[i].buf, tf_h2_mac, 6);
        assert_int_equal(h.ttl, 63);
        assert_int_equal(h.offset, got);
        assert_int_equal(h.mf, i + 1 < env.n_sent);
        memcpy(whole + got, ip + h.hlen, h.tot_len - h.hlen);
        got += h.tot_len - h.hlen;
    }
    assert_int_equal(got, len - 34);
    assert_memory_equal(whole, f + 34, got);
    assert_int_equal(cnt(WAN)->forwarded, 1);
    assert_int_equal(cnt(LAN)->out, 4); /* 3 fragments, 1 ARP reply */
    assert_non_null(strstr(h_report(&env), "router: fragmented packets=1 fragments=3\n"));
}

static void test_local(void **state)
{
    (void)state;
    uint8_t f[2000];
    struct rt_ip h;

    h_learn_neighbours(&env);
    /* Echo to the lan address, from h1: answered from that address. */
    size_t len = tf_echo(f, tf_from_h1(), TF_H1_IP, TF_LAN_IP, 100, 64);
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 1);
    assert_int_equal(env.sent[0].nic, WAN);
    assert_memory_equal(env.sent[0].buf, tf_h1_mac, 6);
    const uint8_t *ip = sent_ip(0, &h);
    assert_int_equal(h.src, TF_LAN_IP);
    assert_int_equal(h.dst, TF_H1_IP);
    assert_int_equal(ip[20], 0);
    assert_true(l4_csum_ok(ip));
    assert_memory_equal(ip + 24, f + 38, len - 38); /* id, seq, payload */

    /* With options: answered without them. */
    h_clear(&env);
    len = tf_echo(f, tf_from_h1(), TF_H1_IP, TF_WAN_IP, 16, 64);
    memmove(f + 38, f + 34, len - 34);
    memset(f + 34, 1, 4); /* NOPs */
    f[14] = 0x46;
    wr16(f + 16, (uint32_t)(len - 14 + 4));
    tf_fix_ip_csum(f);
    h_input(&env, WAN, f, len + 4, 0);
    assert_int_equal(env.n_sent, 1);
    ip = sent_ip(0, &h);
    assert_int_equal(h.hlen, 20);
    assert_int_equal(h.tot_len, len - 14);
    assert_true(l4_csum_ok(ip));

    /* UDP: port unreachable. TCP: silence. */
    h_clear(&env);
    len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_WAN_IP, 5, 53, 8, 64, 0);
    h_input(&env, WAN, f, len, 0);
    icmp_error(3, 3);
    h_clear(&env);
    len = tf_tcp(f, tf_from_h1(), TF_H1_IP, TF_WAN_IP, 5, 22, 0, 64);
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 0);
    assert_int_equal(cnt(WAN)->local, 5); /* ARP, 2 echoes, UDP, TCP */
    assert_int_equal(env.r.cnt.icmp_echo_replies, 2);
}

static void test_acl(void **state)
{
    (void)state;
    uint8_t f[200];

    h_free(&env);
    h_init(&env, BASE " acl=deny,proto=udp,dport=9999 acl=deny,in=lan,proto=icmp", false, false);
    h_learn_neighbours(&env);
    size_t len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1, 9999, 8, 64, 0);
    h_input(&env, WAN, f, len, 0);
    h_input(&env, WAN, f, len, 0);
    len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1, 9998, 8, 64, 0);
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.n_sent, 1);
    len = tf_echo(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 8, 64);
    h_input(&env, WAN, f, len, 0); /* ICMP from wan: allowed */
    len = tf_echo(f, (struct tf_l2){ tf_lan_mac, tf_h2_mac }, TF_H3_IP, TF_H1_IP, 8, 64);
    h_input(&env, LAN, f, len, 0);
    /* ...and to the router itself the ACL does not apply. */
    len = tf_echo(f, (struct tf_l2){ tf_lan_mac, tf_h2_mac }, TF_H3_IP, TF_LAN_IP, 8, 64);
    h_input(&env, LAN, f, len, 0);
    assert_int_equal(env.n_sent, 3);
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_ACL], 2);
    assert_int_equal(cnt(LAN)->dropped[RT_DROP_ACL], 1);
    const char *rep = h_report(&env);
    assert_non_null(strstr(rep, "router: acl 1 deny matched=2\n"));
    assert_non_null(strstr(rep, "router: acl 2 deny matched=1\n"));
    assert_non_null(strstr(rep, "router: wan dropped acl=2\n"));
}

static void test_tx_full(void **state)
{
    (void)state;
    uint8_t f[200];

    h_learn_neighbours(&env);
    env.refuse = true;
    size_t len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1, 2, 8, 64, 0);
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_TX_FULL], 1);
    assert_int_equal(cnt(LAN)->out_failed, 1);
    len = tf_echo(f, tf_from_h1(), TF_H1_IP, TF_WAN_IP, 8, 64);
    h_input(&env, WAN, f, len, 0);
    assert_int_equal(env.r.cnt.own_failed, 1);
    assert_int_equal(cnt(WAN)->out_failed, 1);
}

/* ------------------------------------------------------------- offloads */

/* A vnet frame: header (gso, size, csum) + frame f of len bytes. */
static size_t vnet(uint8_t *out, const uint8_t *f, size_t len, uint8_t flags, uint8_t gso,
                   uint16_t gso_size, uint16_t csum_start, uint16_t csum_off)
{
    memset(out, 0, 12);
    out[0] = flags;
    out[1] = gso;
    out[4] = (uint8_t)gso_size;
    out[5] = (uint8_t)(gso_size >> 8);
    out[6] = (uint8_t)csum_start;
    out[7] = (uint8_t)(csum_start >> 8);
    out[8] = (uint8_t)csum_off;
    out[9] = (uint8_t)(csum_off >> 8);
    memcpy(out + 12, f, len);
    return len + 12;
}

/* A TCP super-frame as a TAP gives it: pseudo-header sum in the checksum
 * field, NEEDS_CSUM, GSO TCPv4. */
static size_t superframe(uint8_t *out, size_t payload, uint16_t mss)
{
    static uint8_t f[70000];
    size_t len = tf_tcp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 40000, 5201, payload, 64);
    uint64_t s = rt_sum(f + 26, 8, 0) + 6 + (len - 34);
    wr16(f + 34 + 16, rt_fold(s));
    return vnet(out, f, len, 1, 1, mss, 34, 16);
}

static void test_vnet_between_vnet(void **state)
{
    (void)state;
    static uint8_t v[70000];

    h_free(&env);
    h_init(&env, BASE, true, true);
    h_learn_neighbours(&env);
    size_t len = superframe(v, 20000, 1348);
    h_input_raw(&env, WAN, v, len, 0);
    assert_int_equal(env.n_sent, 1); /* one frame: the TAP segments it */
    assert_int_equal(env.sent[0].len, len);
    const uint8_t *o = env.sent[0].buf;
    assert_memory_equal(o, v, 12); /* header untouched */
    assert_memory_equal(o + 12, tf_h2_mac, 6);
    assert_int_equal(o[12 + 14 + 8], 63);
    assert_int_equal(rt_csum(o + 26, 20), 0);
    assert_memory_equal(o + 46, v + 46, len - 46);

    /* Segments above lan's MTU (1348 + 40 fits 1400; 1400 does not). */
    h_clear(&env);
    len = superframe(v, 20000, 1400);
    h_input_raw(&env, WAN, v, len, 0);
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_FRAG_NEEDED], 1);
    icmp_error(3, 4);

    /* Malformed headers: a GSO kind other than TCPv4, a checksum offset
     * beyond the frame, a checksum covering the IP header. */
    static uint8_t f[2000];
    size_t flen = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1, 2, 100, 64, 0);
    h_clear(&env);
    len = vnet(v, f, flen, 0, 3, 1000, 0, 0);
    h_input_raw(&env, WAN, v, len, 0);
    len = vnet(v, f, flen, 1, 0, 0, 34, (uint16_t)(flen - 34 - 1));
    h_input_raw(&env, WAN, v, len, 0);
    len = vnet(v, f, flen, 1, 0, 0, 14, 10);
    h_input_raw(&env, WAN, v, len, 0);
    len = vnet(v, f, flen, 0, 1, 1000, 0, 0); /* GSO TCP on a UDP packet */
    h_input_raw(&env, WAN, v, len, 0);
    assert_int_equal(env.n_sent, 0);
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_VNET], 4);
    len = vnet(v, f, 10, 0, 0, 0, 0, 0);
    h_input_raw(&env, WAN, v, 11, 0);
    assert_int_equal(cnt(WAN)->dropped[RT_DROP_SHORT], 1);
}

static void test_vnet_to_plain(void **state)
{
    (void)state;
    static uint8_t v[70000], whole[70000];
    static uint8_t f[2000];

    h_free(&env);
    h_init(&env, BASE, true, false);
    h_learn_neighbours(&env);
    /* A super-frame to a NIC without offloads: TCP segments, each a valid
     * packet, together the stream. */
    size_t len = superframe(v, 10000, 1300);
    h_input_raw(&env, WAN, v, len, 0);
    assert_int_equal(env.n_sent, 8);
    size_t got = 0;
    for (size_t i = 0; i < env.n_sent; i++) {
        struct rt_ip h;
        const uint8_t *ip = sent_ip(i, &h);
        assert_true(h.tot_len <= TF_LAN_MTU);
        assert_int_equal(h.ttl, 63);
        assert_true(l4_csum_ok(ip));
        assert_int_equal(rd32(ip + 24), 1000 + got); /* sequence number */
        memcpy(whole + got, ip + 40, h.tot_len - 40);
        got += h.tot_len - 40;
    }
    assert_int_equal(got, 10000);
    assert_memory_equal(whole, v + 12 + 54, 10000);
    assert_int_equal(cnt(WAN)->forwarded, 1);

    /* A pending checksum is completed. */
    h_clear(&env);
    size_t flen = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1, 2, 100, 64, 0);
    uint16_t real = rd16(f + 34 + 6);
    wr16(f + 34 + 6, rt_fold(rt_sum(f + 26, 8, 0) + 17 + (flen - 34)));
    len = vnet(v, f, flen, 1, 0, 0, 34, 6);
    h_input_raw(&env, WAN, v, len, 0);
    assert_int_equal(env.n_sent, 1);
    assert_int_equal(env.sent[0].len, flen);
    assert_int_equal(rd16(env.sent[0].buf + 34 + 6), real);

    /* The other way, an empty header is put in front: in the headroom, or
     * (none, as for a lent frame) in a copy. */
    for (size_t room = 0; room <= 12; room += 12) {
        h_clear(&env);
        flen =
            tf_udp(f, (struct tf_l2){ tf_lan_mac, tf_h2_mac }, TF_H2_IP, TF_H1_IP, 1, 2, 50, 64, 0);
        h_input(&env, LAN, f, flen, room);
        assert_int_equal(env.n_sent, 1);
        assert_int_equal(env.sent[0].len, flen + 12);
        assert_memory_equal(env.sent[0].buf, zero_mac, 6);
        assert_memory_equal(env.sent[0].buf + 6, zero_mac, 6);
        assert_memory_equal(env.sent[0].buf + 12, tf_h1_mac, 6);
        assert_memory_equal(env.sent[0].buf + 12 + 34, f + 34, flen - 34);
    }
}

static void test_report(void **state)
{
    (void)state;
    uint8_t f[200];

    h_learn_neighbours(&env);
    size_t len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1, 2, 8, 64, 0);
    h_input(&env, WAN, f, len, 0);
    h_input(&env, WAN, f, 20, 0);
    const char *rep = h_report(&env);
    assert_non_null(strstr(rep, "router: wan in=3 forwarded=1 local=1 queued=0 dropped=1 out=1 "
                                "out-failed=0 own=1\nrouter: wan dropped short=1\n"));
    assert_non_null(strstr(rep, "router: lan in=1 forwarded=0 local=1 queued=0 dropped=0 out=2 "
                                "out-failed=0 own=1\nrouter: icmp"));
    assert_non_null(strstr(rep, "router: arp requests=0 replies=2 resolved=0 timeouts=0 "
                                "waiting=0\n"));
}

int main(void)
{
    h_fixture(&env, BASE);
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(test_forward),
        T(test_arp_resolve),
        T(test_arp_timeout),
        T(test_arp_probe),
        T(test_icmp_errors),
        T(test_icmp_rate_limit),
        T(test_fragmentation),
        T(test_local),
        T(test_acl),
        T(test_tx_full),
        T(test_vnet_between_vnet),
        T(test_vnet_to_plain),
        T(test_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
