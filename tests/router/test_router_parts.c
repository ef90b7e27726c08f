/*
 * Unit tests for the router's parts, each on its own: the checksum and its
 * incremental update (RFC 1624, checked against a full sum for every TTL),
 * command-line parsing (every kind of error named), longest-prefix match
 * (against a brute-force search over random tables), the ACL, the ARP
 * cache and its waiting frames, the IPv4 header check, fragmentation
 * (fragments reassemble to the packet) and the ICMP rate limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acl.h"
#include "arp_cache.h"
#include "config.h"
#include "csum.h"
#include "frag.h"
#include "frames.h"
#include "icmp.h"
#include "ipv4.h"
#include "route.h"

void solo5_console_write(const char *buf, size_t size);
void solo5_console_write(const char *buf, size_t size)
{
    (void)buf;
    (void)size;
}

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* ------------------------------------------------------------- checksum */

static void test_csum_rfc1071(void **state)
{
    (void)state;
    /* RFC 1071 section 3: the sum of these bytes is 0xddf2. */
    const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    assert_int_equal(rt_fold(rt_sum(d, sizeof d, 0)), 0xddf2);
    assert_int_equal(rt_csum(d, sizeof d), 0x220d);
    const uint8_t odd[] = { 0x01 };
    assert_int_equal(rt_csum(odd, 1), (uint16_t)~0x0100);
}

/* Decrementing the TTL with the incremental update leaves a header whose
 * checksum verifies and equals a full recomputation (+0/-0 aside), for
 * every TTL and random headers. */
static void test_csum_incremental_ttl(void **state)
{
    (void)state;
    uint8_t f[64];

    for (int round = 0; round < 2000; round++) {
        tf_ipv4(f, tf_from_h1(), rnd(), rnd(), (uint8_t)rnd(), 2, (uint16_t)rnd(), 0, 0);
        uint8_t *ip = f + 14;
        ip[1] = (uint8_t)rnd();
        wr16(ip + 4, rnd());
        for (int ttl = 2; ttl <= 255; ttl++) {
            ip[8] = (uint8_t)ttl;
            tf_fix_ip_csum(f);
            rt_ip_dec_ttl(ip);
            assert_int_equal(ip[8], ttl - 1);
            assert_int_equal(rt_csum(ip, 20), 0);
            uint16_t inc = rd16(ip + 10);
            tf_fix_ip_csum(f);
            uint16_t full = rd16(ip + 10);
            assert_true(inc == full || (inc ^ full) == 0xffff);
        }
    }
}

static void test_csum_adjust_rfc1624(void **state)
{
    (void)state;
    /* RFC 1624 section 4: HC 0xdd2f, m 0x5555 -> m' 0x3285 gives 0x0000. */
    assert_int_equal(rt_csum_adjust(0xdd2f, 0x5555, 0x3285), 0x0000);
}

/* --------------------------------------------------------------- config */

static const char *const names[] = { "wan", "lan" };

static bool parse(const char *cmdline, struct rt_config *c, char *err)
{
    return rt_config_parse(cmdline, names, 2, c, err, 200);
}

static void test_config_valid(void **state)
{
    (void)state;
    struct rt_config c;
    char err[200];

    assert_true(parse("wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.3.0.0/16,via=10.2.0.254 "
                      "route=default,via=10.1.0.254 "
                      "acl=deny,in=wan,proto=tcp,src=10.1.0.0/24,dst=10.3.0.0/16,sport=1000-2000,"
                      "dport=22 acl=allow,proto=47 acl=deny icmp-rate=0",
                      &c, err));
    assert_int_equal(c.n_nics, 2);
    assert_int_equal(c.nic[0].addr, 0x0a010001);
    assert_int_equal(c.nic[1].len, 24);
    assert_int_equal(c.n_routes, 2);
    assert_int_equal(c.route[0].dst.addr, 0x0a030000);
    assert_int_equal(c.route[0].dst.len, 16);
    assert_int_equal(c.route[0].via, 0x0a0200fe);
    assert_int_equal(c.route[1].dst.len, 0);
    assert_int_equal(c.n_acl, 3);
    assert_false(c.acl[0].allow);
    assert_int_equal(c.acl[0].nic, 0);
    assert_int_equal(c.acl[0].proto, 6);
    assert_int_equal(c.acl[0].sport_lo, 1000);
    assert_int_equal(c.acl[0].sport_hi, 2000);
    assert_int_equal(c.acl[0].dport_lo, 22);
    assert_int_equal(c.acl[0].dport_hi, 22);
    assert_int_equal(c.acl[1].proto, 47);
    assert_int_equal(c.acl[2].nic, -1);
    assert_int_equal(c.acl[2].proto, -1);
    assert_int_equal(c.icmp_rate, 0);
    assert_true(parse("  lan=192.168.1.1/30   wan=172.16.0.1/12 ", &c, err));
    assert_int_equal(c.icmp_rate, RT_ICMP_RATE_DEFAULT);
    assert_true(parse("help", &c, err));
    assert_true(c.help);
}

static void test_config_errors(void **state)
{
    (void)state;
    static const struct {
        const char *cmdline, *expect; /* a part of the message */
    } cases[] = {
        { "", "NIC wan has no address" },
        { "wan=10.1.0.1/24", "NIC lan has no address" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 foo=1", "\"foo=1\": unknown setting" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 route", "\"route\": settings are KEY=VALUE" },
        { "wan=10.1.0.1 lan=10.2.0.1/24", "A.B.C.D/LEN" },
        { "wan=10.1.0.256/24 lan=10.2.0.1/24", "A.B.C.D/LEN" },
        { "wan=10.1.0.1/31 lan=10.2.0.1/24", "1 to 30" },
        { "wan=10.1.0.1/0 lan=10.2.0.1/24", "1 to 30" },
        { "wan=10.1.0.1/024 lan=10.2.0.1/24", "1 to 30" },
        { "wan=10.1.0.0/24 lan=10.2.0.1/24", "network or broadcast" },
        { "wan=10.1.0.255/24 lan=10.2.0.1/24", "network or broadcast" },
        { "wan=127.0.0.1/8 lan=10.2.0.1/24", "not a unicast address" },
        { "wan=224.1.0.1/24 lan=10.2.0.1/24", "not a unicast address" },
        { "wan=10.1.0.1/24 wan=10.1.0.2/24 lan=10.2.0.1/24", "given twice" },
        { "wan=10.1.0.1/16 lan=10.1.5.1/24", "overlap" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.3.0.1/16,via=10.2.0.9", "bits set" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.3.0.0/33,via=10.2.0.9", "0 to 32" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.3.0.0/16", "route=PREFIX,via=GATEWAY" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.3.0.0/16,gw=10.2.0.9", "via=GATEWAY" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.3.0.0/16,via=10.2.0", "A.B.C.D" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.3.0.0/16,via=10.9.0.1", "not on a connected" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.3.0.0/16,via=10.2.0.1", "router's own" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.2.0.0/24,via=10.1.0.9", "connected subnet" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 route=default,via=10.1.0.9 route=0.0.0.0/0,via=10.1.0.8",
          "same prefix" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 acl=maybe", "allow or deny" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 acl=deny,dport=22", "ports need proto=tcp" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 acl=deny,proto=icmp,sport=1", "ports need" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 acl=deny,proto=tcp,dport=70000", "0 to 65535" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 acl=deny,proto=tcp,dport=9-3", "P <= Q" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 acl=deny,proto=sctp", "proto= is icmp" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 acl=deny,in=dmz", "in= names a NIC" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 acl=deny,color=red", "unknown ACL field" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 acl=deny,proto=tcp,proto=udp", "twice" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 acl=deny,src=10.1.0.1/24", "bits set" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 acl=deny,src", "KEY=VALUE" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 icmp-rate=-1", "icmp-rate" },
        { "wan=10.1.0.1/24 lan=10.2.0.1/24 icmp-rate=2000000", "icmp-rate" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rt_config c;
        char err[200] = "";
        bool ok = parse(cases[i].cmdline, &c, err);
        if (ok || strstr(err, cases[i].expect) == NULL)
            fail_msg("\"%s\": %s, message \"%s\" lacks \"%s\"", cases[i].cmdline,
                     ok ? "accepted" : "refused", err, cases[i].expect);
        assert_null(strchr(err, '\n'));
    }
    /* Too many rules; a long word is cut in the message. */
    char line[8192] = "wan=10.1.0.1/24 lan=10.2.0.1/24";
    for (int i = 0; i <= RT_MAX_ACL; i++)
        strcat(line, " acl=deny");
    struct rt_config c;
    char err[200];
    assert_false(parse(line, &c, err));
    assert_non_null(strstr(err, "too many ACL rules"));
    memset(line, 'x', 300);
    strcpy(line + 300, "=1");
    assert_false(parse(line, &c, err));
    assert_non_null(strstr(err, "...\""));
}

static void test_parse_ipv4(void **state)
{
    (void)state;
    uint32_t a;
    static const char *const bad[] = {
        "",          "1.2.3",   "1.2.3.4.5", "1..2.3",   "01.2.3.4",
        "1.2.3.256", "a.b.c.d", "1.2.3.4 ",  "-1.2.3.4", "1.2.3.1000"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(rt_parse_ipv4(bad[i], strlen(bad[i]), &a));
    assert_true(rt_parse_ipv4("255.0.10.9", 10, &a));
    assert_int_equal(a, 0xff000a09);
    assert_true(rt_parse_ipv4("0.0.0.0", 7, &a));
    assert_int_equal(a, 0);
}

/* ---------------------------------------------------------------- route */

static void test_route_lpm(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        struct rt_table t;
        struct ref_route {
            uint32_t p;
            unsigned len, nic;
        } ref[RT_ROUTES_MAX];
        unsigned n = 0;
        rt_table_init(&t);
        unsigned want = 1 + rnd() % RT_ROUTES_MAX;
        for (unsigned i = 0; i < want; i++) {
            unsigned len = rnd() % 33;
            /* Prefixes share their first bits often enough to nest. */
            uint32_t p = (0x0a000000u | (rnd() & 0x00ff0f0fu)) & rt_mask(len);
            bool dup = false;
            for (unsigned k = 0; k < n; k++)
                dup |= ref[k].p == p && ref[k].len == len;
            assert_int_equal(rt_table_add(&t, p, len, i % 8, 0), !dup);
            if (!dup)
                ref[n++] = (struct ref_route){ p, len, i % 8 };
        }
        for (int q = 0; q < 500; q++) {
            uint32_t dst = q % 2 ? (0x0a000000u | (rnd() & 0x00ff0f0fu)) : rnd();
            int best = -1;
            for (unsigned k = 0; k < n; k++)
                if ((dst & rt_mask(ref[k].len)) == ref[k].p &&
                    (best < 0 || ref[k].len > ref[best].len))
                    best = (int)k;
            const struct rt_route *r = rt_table_lookup(&t, dst);
            if (best < 0) {
                assert_null(r);
            } else {
                assert_non_null(r);
                assert_int_equal(r->prefix, ref[best].p);
                assert_int_equal(r->len, ref[best].len);
                assert_int_equal(r->nic, ref[best].nic);
            }
        }
    }
    struct rt_table t;
    rt_table_init(&t);
    assert_false(rt_table_add(&t, 0x0a000001, 24, 0, 0)); /* host bits */
    for (unsigned i = 0; i < RT_ROUTES_MAX; i++)
        assert_true(rt_table_add(&t, i << 8, 24, 0, 0));
    assert_false(rt_table_add(&t, 0x0a000000, 8, 0, 0)); /* full */
}

/* ------------------------------------------------------------------ ACL */

static void test_acl(void **state)
{
    (void)state;
    struct rt_config c;
    char err[200];
    assert_true(parse("wan=10.1.0.1/24 lan=10.2.0.1/24 "
                      "acl=allow,proto=tcp,src=10.1.0.7/32,dport=22 "
                      "acl=deny,proto=tcp,dport=20-23 "
                      "acl=deny,in=lan,proto=udp,dst=10.1.0.0/24,sport=53 "
                      "acl=deny,proto=icmp,dst=10.3.0.0/16",
                      &c, err));
    struct rt_acl acl;
    rt_acl_init(&acl, c.acl, c.n_acl);
    struct rt_flow f = { 0, 6, 0x0a010007, 0x0a020002, true, 5555, 22 };
    assert_true(rt_acl_allows(&acl, &f)); /* rule 1 */
    f.src = 0x0a010008;
    assert_false(rt_acl_allows(&acl, &f)); /* rule 2 */
    f.dport = 24;
    assert_true(rt_acl_allows(&acl, &f)); /* none */
    f.dport = 20;
    f.ports = false; /* a later fragment: rules with ports do not match */
    assert_true(rt_acl_allows(&acl, &f));
    struct rt_flow u = { 1, 17, 0x0a020002, 0x0a010002, true, 53, 4000 };
    assert_false(rt_acl_allows(&acl, &u)); /* rule 3 */
    u.nic = 0;
    assert_true(rt_acl_allows(&acl, &u)); /* not from lan */
    struct rt_flow i = { 0, 1, 0x0a010002, 0x0a030002, false, 0, 0 };
    assert_false(rt_acl_allows(&acl, &i)); /* rule 4 */
    i.dst = 0x0a040002;
    assert_true(rt_acl_allows(&acl, &i));
    assert_int_equal(acl.hits[0], 1);
    assert_int_equal(acl.hits[1], 1);
    assert_int_equal(acl.hits[2], 1);
    assert_int_equal(acl.hits[3], 1);
    assert_int_equal(acl.no_match, 4);
}

/* ------------------------------------------------------------ ARP cache */

static void test_arp_cache(void **state)
{
    (void)state;
    static uint8_t mem[RT_ARP_POOL * 128];
    struct rt_arp_cache c;
    const uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
    uint8_t frame[128];

    rt_arp_cache_init(&c, mem, 128, 12);
    assert_null(rt_arp_find(&c, 0, 5));
    struct rt_arp_entry *e = rt_arp_create(&c, 0, 5);
    assert_non_null(e);
    assert_ptr_equal(rt_arp_find(&c, 0, 5), e);
    assert_null(rt_arp_find(&c, 1, 5)); /* per NIC */
    for (int i = 0; i < RT_ARP_QUEUE_MAX; i++) {
        memset(frame, i, sizeof frame);
        assert_true(rt_arp_enqueue(&c, e, frame, 50 + (size_t)i, false, 0));
    }
    assert_false(rt_arp_enqueue(&c, e, frame, 10, false, 0)); /* entry's queue full */
    assert_int_equal(c.waiting, RT_ARP_QUEUE_MAX);
    struct rt_arp_entry *e2 = rt_arp_create(&c, 0, 6);
    assert_false(rt_arp_enqueue(&c, e2, frame, 117, false, 0)); /* beyond a buffer */
    assert_true(rt_arp_enqueue(&c, e2, frame, 116, true, 1));
    rt_arp_confirm(e, mac, 100);
    assert_int_equal(e->state, RT_ARP_REACHABLE);
    assert_int_equal(e->expires, 100 + RT_ARP_REACHABLE_NS);
    for (int i = 0; i < RT_ARP_QUEUE_MAX; i++) { /* oldest first, intact */
        int idx = rt_arp_dequeue(&c, e);
        assert_true(idx >= 0);
        assert_int_equal(c.p[idx].len, 50 + i);
        assert_int_equal(c.p[idx].buf[0], i);
        assert_int_equal(c.p[idx].buf[49 + i], i);
        /* Headroom in front of every stored frame. */
        assert_true(c.p[idx].buf - mem >= 12);
        rt_arp_put(&c, idx);
    }
    assert_int_equal(rt_arp_dequeue(&c, e), -1);
    assert_int_equal(c.waiting, 1);

    /* The pool runs out before the entries do. */
    rt_arp_cache_init(&c, mem, 128, 12);
    int queued = 0;
    for (uint32_t ip = 1; ip <= RT_ARP_ENTRIES; ip++) {
        struct rt_arp_entry *x = rt_arp_create(&c, 0, ip);
        assert_non_null(x);
        for (int k = 0; k < 2; k++)
            queued += rt_arp_enqueue(&c, x, frame, 10, false, 0);
    }
    assert_int_equal(queued, RT_ARP_POOL);
    /* Every entry resolving: nothing to evict. */
    assert_null(rt_arp_create(&c, 0, 1000));
    /* A resolved one is evicted, the least recently confirmed first. */
    rt_arp_confirm(rt_arp_find(&c, 0, 7), mac, 50);
    rt_arp_confirm(rt_arp_find(&c, 0, 9), mac, 40);
    struct rt_arp_entry *x = rt_arp_find(&c, 0, 9);
    while (rt_arp_dequeue(&c, x) >= 0)
        ;
    struct rt_arp_entry *n = rt_arp_create(&c, 0, 1000);
    assert_ptr_equal(n, x);
    assert_null(rt_arp_find(&c, 0, 9));
    assert_non_null(rt_arp_find(&c, 0, 7));
}

/* ------------------------------------------------------------- IPv4 check */

static void test_ip_parse(void **state)
{
    (void)state;
    uint8_t f[2000];
    struct rt_ip h;
    size_t len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 1234, 53, 100, 7, 0x4000);

    assert_int_equal(rt_ip_parse(f + 14, len - 14, &h), RT_IPCHK_OK);
    assert_int_equal(h.hlen, 20);
    assert_int_equal(h.tot_len, 128);
    assert_int_equal(h.ttl, 7);
    assert_int_equal(h.proto, 17);
    assert_int_equal(h.src, TF_H1_IP);
    assert_int_equal(h.dst, TF_H3_IP);
    assert_true(h.df);
    assert_false(h.mf);
    assert_true(h.ports);
    assert_int_equal(h.sport, 1234);
    assert_int_equal(h.dport, 53);
    /* Ethernet padding after the packet is fine. */
    assert_int_equal(rt_ip_parse(f + 14, len - 14 + 10, &h), RT_IPCHK_OK);
    /* Every sample is refused with its reason, or passes to a later check. */
    for (size_t i = 0; i < tf_bad_count; i++) {
        size_t n = tf_bad[i].make(f);
        if (n < 14 || rd16(f + 12) != 0x0800)
            continue;
        enum rt_ip_check r = rt_ip_parse(f + 14, n - 14, &h);
        static const char *const want[] = { "",           "short",   "ip-version",
                                            "ip-hlen",    "ip-len",  "ip-csum",
                                            "ip-options", "ip-frag", "l4" };
        if (r != RT_IPCHK_OK && strcmp(want[r], tf_bad[i].reason) != 0)
            fail_msg("%s: parsed as %s", tf_bad[i].name, want[r]);
    }
    /* A later fragment has no ports; TCP and ICMP headers are read. */
    len = tf_tcp(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 80, 8080, 10, 64);
    assert_int_equal(rt_ip_parse(f + 14, len - 14, &h), RT_IPCHK_OK);
    assert_int_equal(h.l4_hlen, 20);
    assert_int_equal(h.dport, 8080);
    len = tf_echo(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 10, 64);
    assert_int_equal(rt_ip_parse(f + 14, len - 14, &h), RT_IPCHK_OK);
    assert_int_equal(h.icmp_type, 8);
    assert_false(h.ports);
    len = tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 1, 2, 100, 64, 0x0010);
    assert_int_equal(rt_ip_parse(f + 14, len - 14, &h), RT_IPCHK_OK);
    assert_false(h.ports);
    assert_int_equal(h.offset, 128);
}

/* -------------------------------------------------------- fragmentation */

static void check_fragments(size_t payload, size_t mtu, bool with_options, uint16_t own_frag)
{
    uint8_t f[9000], out[2000], whole[9000];
    tf_ipv4(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 253, 64, own_frag, payload, 3);
    uint8_t *ip = f + 14;
    size_t hlen = 20;
    if (with_options) { /* NOP, record route (not copied), security (copied) */
        static const uint8_t o[12] = { 1, 7, 3, 4, 0x82, 7, 1, 2, 3, 4, 5, 0 };
        memmove(ip + 32, ip + 20, payload);
        memcpy(ip + 20, o, 12);
        ip[0] = 0x48;
        hlen = 32;
        wr16(ip + 2, (uint32_t)(hlen + payload));
        tf_fix_ip_csum(f);
    }
    struct rt_frag fr;
    assert_true(rt_frag_init(&fr, ip, hlen, hlen + payload, mtu));
    size_t got = 0, n, count = 0;
    memset(whole, 0, sizeof whole);
    while ((n = rt_frag_next(&fr, out)) != 0) {
        struct rt_ip h;
        assert_true(n <= mtu);
        assert_int_equal(rt_ip_parse(out, n, &h), RT_IPCHK_OK);
        assert_int_equal(h.tot_len, n);
        assert_int_equal(h.src, TF_H1_IP);
        assert_int_equal(rd16(out + 4), 0x1234); /* same identification */
        size_t base = (size_t)(own_frag & 0x1fff) * 8;
        assert_int_equal(h.offset, base + got);
        bool last = got + (n - h.hlen) == payload;
        assert_int_equal(h.mf, !last || (own_frag & 0x2000));
        if (!last)
            assert_int_equal((n - h.hlen) % 8, 0);
        if (with_options) /* the copied option (security) in every fragment */
            assert_int_equal(out[count == 0 ? 24 : 20], 0x82);
        memcpy(whole + got, out + h.hlen, n - h.hlen);
        got += n - h.hlen;
        count++;
    }
    assert_int_equal(got, payload);
    assert_memory_equal(whole, ip + hlen, payload);
    assert_true(count >= 2);
}

static void test_fragments(void **state)
{
    (void)state;
    check_fragments(3000, 1400, false, 0);
    check_fragments(1401, 1400, false, 0);
    check_fragments(5000, 576, true, 0);
    check_fragments(2000, 68, false, 0);
    check_fragments(2000, 1000, false, 0x2000 | 100); /* a fragment, refragmented */
    struct rt_frag fr;
    uint8_t f[200];
    tf_ipv4(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 17, 64, 0, 100, 3);
    assert_false(rt_frag_init(&fr, f + 14, 20, 120, 27)); /* no room for 8 bytes */
}

/* ------------------------------------------------------------ rate limit */

static void test_ratelimit(void **state)
{
    (void)state;
    struct rt_ratelimit rl;
    uint64_t t = 5000000000ull;

    rt_ratelimit_init(&rl, 100, t); /* bursts of 10 */
    int n = 0;
    for (int i = 0; i < 50; i++)
        n += rt_ratelimit_take(&rl, t);
    assert_int_equal(n, 10);
    assert_false(rt_ratelimit_take(&rl, t + 9999999)); /* 10 ms buys one */
    assert_true(rt_ratelimit_take(&rl, t + 10000000));
    n = 0;
    for (uint64_t ms = 0; ms < 10000; ms++) /* 10 s of asking every ms */
        n += rt_ratelimit_take(&rl, t + 20000000 + ms * 1000000);
    assert_in_range(n, 1000, 1010);
    rt_ratelimit_init(&rl, 0, t);
    assert_false(rt_ratelimit_take(&rl, t + 1000000000000ull));
    rt_ratelimit_init(&rl, 1, t); /* rate 1: a burst of 1 */
    assert_true(rt_ratelimit_take(&rl, t));
    assert_false(rt_ratelimit_take(&rl, t + 999999999));
    assert_true(rt_ratelimit_take(&rl, t + 1000000000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csum_rfc1071),        cmocka_unit_test(test_csum_incremental_ttl),
        cmocka_unit_test(test_csum_adjust_rfc1624), cmocka_unit_test(test_config_valid),
        cmocka_unit_test(test_config_errors),       cmocka_unit_test(test_parse_ipv4),
        cmocka_unit_test(test_route_lpm),           cmocka_unit_test(test_acl),
        cmocka_unit_test(test_arp_cache),           cmocka_unit_test(test_ip_parse),
        cmocka_unit_test(test_fragments),           cmocka_unit_test(test_ratelimit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
