/*
 * Unit tests for the ping image's packet logic: ARP replies, ICMP echo
 * replies (valid checksums, payload intact), rejection of truncated or
 * corrupted frames, and command-line parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h" /* tests/router: frame builders */
#include "proto.h"

static const struct ping_ctx ctx = {
    .mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
    .ip = { 10, 0, 0, 2 },
};
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
static const uint8_t peer_ip[4] = { 10, 0, 0, 1 };

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t ip[4])
{
    return (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
}

/* An ARP request from the peer asking for `target`. */
static size_t make_arp(uint8_t *f, const uint8_t target[4])
{
    static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, unknown[6];
    return tf_arp(f, broadcast, 1, peer_mac, be32(peer_ip), unknown, be32(target));
}

/* An ICMP echo request from the peer with `payload_len` pattern bytes. */
static size_t make_echo(uint8_t *f, size_t payload_len)
{
    memcpy(f, ctx.mac, 6);
    memcpy(f + 6, peer_mac, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    size_t icmp_len = 8 + payload_len;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (unsigned)(20 + icmp_len));
    put16(ip + 4, 0x1234);
    put16(ip + 6, 0x4000); /* DF is fine; fragments are not */
    ip[8] = 64;
    ip[9] = 1;
    put16(ip + 10, 0);
    memcpy(ip + 12, peer_ip, 4);
    memcpy(ip + 16, ctx.ip, 4);
    put16(ip + 10, ping_checksum(ip, 20));
    uint8_t *icmp = ip + 20;
    icmp[0] = 8;
    icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 4, 0xbeef); /* identifier */
    put16(icmp + 6, 7);      /* sequence */
    for (size_t i = 0; i < payload_len; i++)
        icmp[8 + i] = (uint8_t)(i * 7 + 3);
    put16(icmp + 2, ping_checksum(icmp, icmp_len));
    return 14 + 20 + icmp_len;
}

static void test_checksum_rfc1071(void **state)
{
    (void)state;
    /* RFC 1071 section 3 example: sum 0xddf2, checksum 0x220d. */
    const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    assert_int_equal(ping_checksum(d, sizeof d), 0x220d);
    const uint8_t odd[] = { 0x01 };
    assert_int_equal(ping_checksum(odd, 1), (uint16_t)~0x0100);
}

static void test_arp_reply(void **state)
{
    (void)state;
    uint8_t in[64], out[64];
    size_t len = make_arp(in, ctx.ip), out_len = 0;

    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_ARP_REPLY);
    assert_int_equal(out_len, 42);
    assert_memory_equal(out, peer_mac, 6);
    assert_memory_equal(out + 6, ctx.mac, 6);
    assert_int_equal(get16(out + 12), 0x0806);
    const uint8_t *a = out + 14;
    assert_int_equal(get16(a), 1);
    assert_int_equal(get16(a + 2), 0x0800);
    assert_int_equal(a[4], 6);
    assert_int_equal(a[5], 4);
    assert_int_equal(get16(a + 6), 2);
    assert_memory_equal(a + 8, ctx.mac, 6);
    assert_memory_equal(a + 14, ctx.ip, 4);
    assert_memory_equal(a + 18, peer_mac, 6);
    assert_memory_equal(a + 24, peer_ip, 4);
}

static void test_arp_ignored(void **state)
{
    (void)state;
    uint8_t in[64], out[64];
    size_t out_len;
    const uint8_t other[4] = { 10, 0, 0, 3 };

    size_t len = make_arp(in, other); /* not our address */
    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_IGNORED);
    len = make_arp(in, ctx.ip);
    assert_int_equal(ping_handle(&ctx, in, len - 1, out, sizeof out, &out_len),
                     PING_IGNORED); /* truncated */
    put16(in + 14 + 6, 2);          /* a reply, not a request */
    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_IGNORED);
    make_arp(in, ctx.ip);
    in[0] = 0x02; /* unicast to someone else */
    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_IGNORED);
}

static void check_echo_reply(size_t payload_len)
{
    uint8_t in[1600], out[1600];
    size_t len = make_echo(in, payload_len), out_len = 0;

    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_ECHO_REPLY);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, peer_mac, 6);
    assert_memory_equal(out + 6, ctx.mac, 6);
    assert_int_equal(get16(out + 12), 0x0800);
    const uint8_t *ip = out + 14;
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(get16(ip + 2), 20 + 8 + payload_len);
    assert_int_equal(ip[9], 1);
    assert_memory_equal(ip + 12, ctx.ip, 4);
    assert_memory_equal(ip + 16, peer_ip, 4);
    assert_int_equal(ping_checksum(ip, 20), 0);
    const uint8_t *icmp = ip + 20;
    assert_int_equal(icmp[0], 0);
    assert_int_equal(icmp[1], 0);
    assert_int_equal(ping_checksum(icmp, 8 + payload_len), 0);
    /* identifier, sequence and payload unchanged */
    assert_memory_equal(icmp + 4, in + 14 + 20 + 4, 4 + payload_len);
}

static void test_echo_reply(void **state)
{
    (void)state;
    check_echo_reply(56);
    check_echo_reply(0);
    check_echo_reply(1);    /* odd length exercises checksum padding */
    check_echo_reply(1472); /* full 1500-byte IP packet */
}

static void test_echo_with_padding(void **state)
{
    (void)state;
    uint8_t in[128], out[128];
    size_t out_len;
    size_t len = make_echo(in, 0);    /* 42 bytes */
    memset(in + len, 0xaa, 60 - len); /* Ethernet minimum-size padding */

    assert_int_equal(ping_handle(&ctx, in, 60, out, sizeof out, &out_len), PING_ECHO_REPLY);
    assert_int_equal(out_len, 42); /* padding is not echoed */
}

static void test_echo_rejected(void **state)
{
    (void)state;
    uint8_t in[256], out[256];
    size_t out_len;
    size_t len = make_echo(in, 32);

    /* truncated: every length shorter than the IP total length */
    for (size_t l = 0; l < len; l++)
        assert_int_equal(ping_handle(&ctx, in, l, out, sizeof out, &out_len), PING_IGNORED);
    /* bad IPv4 header checksum */
    in[14 + 10] ^= 0x01;
    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_IGNORED);
    /* bad ICMP checksum */
    len = make_echo(in, 32);
    in[14 + 20 + 2] ^= 0x80;
    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_IGNORED);
    /* corrupted payload (checksum no longer matches) */
    len = make_echo(in, 32);
    in[len - 1] ^= 0xff;
    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_IGNORED);
    /* not an echo request (an echo reply) with a correct checksum */
    len = make_echo(in, 32);
    uint8_t *icmp = in + 14 + 20;
    icmp[0] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 2, ping_checksum(icmp, 40));
    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_IGNORED);
    /* another destination address (header checksum fixed up) */
    len = make_echo(in, 32);
    in[14 + 19] = 3;
    put16(in + 14 + 10, 0);
    put16(in + 14 + 10, ping_checksum(in + 14, 20));
    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_IGNORED);
    /* a fragment */
    len = make_echo(in, 32);
    put16(in + 14 + 6, 0x2000);
    put16(in + 14 + 10, 0);
    put16(in + 14 + 10, ping_checksum(in + 14, 20));
    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_IGNORED);
    /* IP total length larger than the frame */
    len = make_echo(in, 32);
    put16(in + 14 + 2, 20 + 40 + 1);
    put16(in + 14 + 10, 0);
    put16(in + 14 + 10, ping_checksum(in + 14, 20));
    assert_int_equal(ping_handle(&ctx, in, len, out, sizeof out, &out_len), PING_IGNORED);
    /* reply would not fit the output buffer */
    len = make_echo(in, 32);
    assert_int_equal(ping_handle(&ctx, in, len, out, len - 1, &out_len), PING_IGNORED);
}

static void test_cmdline(void **state)
{
    (void)state;
    struct ping_args a;

    assert_true(ping_parse_cmdline("10.0.0.2", &a));
    assert_memory_equal(a.ip, ctx.ip, 4);
    assert_int_equal(a.limit, 0);
    assert_true(ping_parse_cmdline("  192.168.1.254   limit 5 ", &a));
    assert_int_equal(a.ip[0], 192);
    assert_int_equal(a.ip[3], 254);
    assert_int_equal(a.limit, 5);

    const char *bad[] = { "",
                          "10.0.0",
                          "10.0.0.256",
                          "10.0.0.2.1",
                          "a.b.c.d",
                          "10.0.0.2 limit",
                          "10.0.0.2 limit 0",
                          "10.0.0.2 limit x",
                          "10.0.0.2 limits 3",
                          "10.0.0.2 limit 3 more",
                          "1000.0.0.1",
                          "10..0.1",
                          "10.0.0.2 limit 99999999999999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(ping_parse_cmdline(bad[i], &a));
    assert_false(ping_parse_cmdline(NULL, &a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_rfc1071),  cmocka_unit_test(test_arp_reply),
        cmocka_unit_test(test_arp_ignored),       cmocka_unit_test(test_echo_reply),
        cmocka_unit_test(test_echo_with_padding), cmocka_unit_test(test_echo_rejected),
        cmocka_unit_test(test_cmdline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
