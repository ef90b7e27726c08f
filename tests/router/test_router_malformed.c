/*
 * The router and malformed frames, exhaustively: every sample of
 * frames.c is dropped with its own counter; valid frames cut at every
 * byte are dropped (never forwarded, never answered); every byte of every
 * header (virtio-net, Ethernet, IPv4, the transport's first bytes) set to
 * every value, with and without the IP checksum made right again, and
 * random multi-byte damage: whatever the router sends is a well-formed
 * frame, it forwards nothing whose header checksum was broken, and its
 * counters balance after every frame. Run under ASan+UBSan, this is also
 * the proof that no input makes it read or write out of bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arp.h"
#include "csum.h"
#include "frames.h"
#include "harness.h"
#include "ipv4.h"

#define WAN 0
#define LAN 1
#define BASE                                                                                       \
    "wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.3.0.0/16,via=10.2.0.254 "                            \
    "route=10.8.0.0/16,via=10.1.0.254 acl=deny,proto=tcp,dport=23"

static struct h_env env;

static void reset(bool vnet)
{
    h_free(&env);
    h_init(&env, BASE, vnet, vnet);
    h_learn_neighbours(&env);
}

static uint32_t rng = 0x2545f491;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Whatever the router sent is well formed: an IPv4 packet whose header
 * checks (with its exact length) or an ARP message; forwarded frames on lan
 * go to h2 from the router's lan address. And the counters balance. */
static void check_output(const char *what)
{
    if (!router_balanced(&env.r))
        fail_msg("%s: counters do not balance", what);
    for (size_t i = 0; i < env.n_sent; i++) {
        size_t len;
        const uint8_t *f = h_frame(&env, i, &len);
        struct rt_ip h;
        struct rt_arp_msg m;
        if (len < 14)
            fail_msg("%s: sent a %zu-byte frame", what, len);
        const uint8_t *mac = env.sent[i].nic == WAN ? tf_wan_mac : tf_lan_mac;
        if (memcmp(f + 6, mac, 6) != 0)
            fail_msg("%s: sent from another Ethernet address", what);
        if (rd16(f + 12) == 0x0806) {
            if (len != 42 || !rt_arp_parse(f + 14, len - 14, &m))
                fail_msg("%s: sent a malformed ARP frame", what);
            continue;
        }
        if (rd16(f + 12) != 0x0800)
            fail_msg("%s: sent ethertype %04x", what, rd16(f + 12));
        bool gso = env.r.nic[env.sent[i].nic].vnet && env.sent[i].buf[1] != 0;
        if (!tf_ip_ok(f + 14, len - 14) || rt_ip_parse(f + 14, len - 14, &h) != RT_IPCHK_OK ||
            (!gso && h.tot_len + 14 != len))
            fail_msg("%s: sent a malformed IPv4 packet", what);
        if (!gso && h.tot_len > env.r.nic[env.sent[i].nic].mtu)
            fail_msg("%s: sent %zu bytes, above the MTU", what, h.tot_len);
    }
}

/* The frames the router should handle, from h1 on wan. */
static size_t base_frame(int which, uint8_t *f)
{
    static const uint8_t zero[6];
    switch (which) {
    case 0: return tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1000, 2000, 40, 64, 0);
    case 1: return tf_tcp(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 1000, 80, 30, 64);
    case 2: return tf_echo(f, tf_from_h1(), TF_H1_IP, TF_WAN_IP, 24, 64);
    case 3: return tf_echo(f, tf_from_h1(), TF_H1_IP, TF_H3_IP, 24, 2);
    case 4: return tf_arp(f, tf_wan_mac, 1, tf_h1_mac, TF_H1_IP, zero, TF_WAN_IP);
    case 5: return tf_udp(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 1, 2, 40, 64, 0x2000);
    default: return tf_ipv4(f, tf_from_h1(), TF_H1_IP, TF_H2_IP, 17, 64, 0x0020, 48, 9);
    }
}
#define N_BASE 7

static void test_samples(void **state)
{
    (void)state;
    uint8_t f[2000];

    for (size_t i = 0; i < tf_bad_count; i++) {
        reset(false);
        size_t len = tf_bad[i].make(f);
        h_input(&env, WAN, f, len, 0);
        const struct rt_nic_counters *c = &env.r.cnt.nic[WAN];
        int reason = -1;
        for (int k = 0; k < RT_DROP_COUNT; k++)
            if (strcmp(rt_drop_names[k], tf_bad[i].reason) == 0)
                reason = k;
        assert_true(reason >= 0);
        if (c->dropped[reason] != 1 || rt_counters_dropped(c) != 1)
            fail_msg("%s: not counted as %s:\n%s", tf_bad[i].name, tf_bad[i].reason,
                     h_report(&env));
        for (size_t k = 0; k < env.n_sent; k++) /* at most an ICMP error back */
            if (env.sent[k].nic != WAN || rd16(env.sent[k].buf + 12) != 0x0800)
                fail_msg("%s: sent something", tf_bad[i].name);
        check_output(tf_bad[i].name);
    }
}

static void test_truncated(void **state)
{
    (void)state;
    uint8_t f[2000];
    char what[80];

    for (int vnet = 0; vnet <= 1; vnet++) {
        for (int b = 0; b < N_BASE; b++) {
            size_t len = base_frame(b, f);
            reset(vnet);
            for (size_t cut = 0; cut < len; cut++) {
                h_input(&env, WAN, f, cut, 0);
                snprintf(what, sizeof what, "frame %d cut to %zu bytes", b, cut);
                if (env.n_sent != 0)
                    fail_msg("%s: something was sent", what);
                check_output(what);
            }
            assert_int_equal(env.r.cnt.nic[WAN].in, len + 1);
            assert_int_equal(rt_counters_dropped(&env.r.cnt.nic[WAN]), len);
            /* ...and the whole frame still goes through. */
            h_input(&env, WAN, f, len, 0);
            check_output("whole frame");
            assert_int_equal(rt_counters_dropped(&env.r.cnt.nic[WAN]), len);
        }
    }
}

/* Every header byte set to every value. */
static void mutate_all(bool vnet)
{
    uint8_t f[2000], g[2000], v[2100];
    char what[120];

    reset(vnet);
    for (int b = 0; b < N_BASE; b++) {
        size_t len = base_frame(b, f);
        size_t vh = vnet ? 12 : 0;
        size_t span = vh + (len < 14 + 60 ? len : 14 + 60);
        for (size_t pos = 0; pos < span; pos++) {
            for (int val = 0; val < 256; val++) {
                for (int fix = 0; fix <= 1; fix++) {
                    memset(v, 0, vh);
                    memcpy(v + vh, f, len);
                    if (v[pos] == val)
                        continue;
                    v[pos] = (uint8_t)val;
                    bool in_ip = pos >= vh + 14 && pos < vh + 14 + 20 && b != 4;
                    if (fix && !in_ip)
                        continue;
                    if (fix) {
                        memcpy(g, v + vh, len);
                        if ((g[14] & 0xf) >= 5)
                            tf_fix_ip_csum(g);
                        memcpy(v + vh, g, len);
                    }
                    h_reset(&env);
                    h_learn_neighbours(&env);
                    h_input_raw(&env, WAN, v, len + vh, 0);
                    snprintf(what, sizeof what, "%s frame %d, byte %zu = %d%s",
                             vnet ? "vnet" : "plain", b, pos, val, fix ? ", checksum fixed" : "");
                    check_output(what);
                    if (in_ip && !fix && pos != vh + 14 + 8)
                        for (size_t k = 0; k < env.n_sent; k++)
                            if (env.sent[k].nic == LAN)
                                fail_msg("%s: forwarded with a broken header checksum", what);
                }
            }
        }
    }
}

static void test_every_byte_plain(void **state)
{
    (void)state;
    mutate_all(false);
}

static void test_every_byte_vnet(void **state)
{
    (void)state;
    mutate_all(true);
}

/* Random damage: a few bytes anywhere in the headers, a random length
 * (cut, or grown with garbage), sometimes the IP checksum made right. */
static void test_random(void **state)
{
    (void)state;
    uint8_t f[2000], v[2100];

    for (int round = 0; round < 4; round++) {
        bool vnet = round % 2;
        reset(vnet);
        for (int i = 0; i < 20000; i++) {
            size_t len = base_frame((int)(rnd() % N_BASE), f);
            size_t vh = vnet ? 12 : 0;
            memset(v, 0, vh);
            if (vnet && rnd() % 4 == 0)
                for (int k = 0; k < 12; k++)
                    v[k] = (uint8_t)(rnd() % 3 == 0 ? rnd() : 0);
            memcpy(v + vh, f, len);
            int n = 1 + (int)(rnd() % 4);
            for (int k = 0; k < n; k++)
                v[vh + rnd() % (len < 74 ? len : 74)] = (uint8_t)rnd();
            if (rnd() % 2 && (v[vh + 14] & 0xf) >= 5) {
                memcpy(f, v + vh, len);
                tf_fix_ip_csum(f);
                memcpy(v + vh, f, len);
            }
            size_t total = len + vh;
            if (rnd() % 4 == 0)
                total = rnd() % (total + 1);
            else if (rnd() % 8 == 0)
                for (size_t k = 0; k < 20; k++)
                    v[total++] = (uint8_t)rnd();
            h_clear(&env);
            if (rnd() % 64 == 0) { /* time passes: ARP timers run */
                env.now += 1500000000ull;
                router_tick(&env.r, env.now);
                h_clear(&env);
            }
            h_input_raw(&env, (unsigned)(rnd() % 2), v, total, rnd() % 2 ? 12 : 0);
            check_output("random damage");
        }
    }
}

int main(void)
{
    h_fixture(&env, BASE);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_samples, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_truncated, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_every_byte_plain, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_every_byte_vnet, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_random, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
