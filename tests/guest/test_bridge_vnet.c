/*
 * Unit tests for the bridge's vnet -> plain conversion: a pending checksum
 * is completed so the receiver's check passes, malformed headers are
 * refused, a plain header passes as is, and TCP super-frames (IPv4, IPv6)
 * are cut into valid segments that carry the payload in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "solo5.h"
#include "vnet.h"

#define H       SOLO5_NET_VNET_HLEN
#define ETH     14
#define IP      20
#define TCP     20
#define PAYLOAD 101 /* odd, to cover the padding byte */
#define LEN     (H + ETH + IP + TCP + PAYLOAD)

static unsigned get16(const uint8_t *p)
{
    return (unsigned)(p[0] << 8 | p[1]);
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* IPv4/TCP frame behind a header asking for the TCP checksum, with the
 * pseudo-header sum in the checksum field (as the kernel leaves it). */
static void make(uint8_t *b, struct solo5_net_vnet_hdr *h)
{
    memset(b, 0, LEN);
    uint8_t *ip = b + H + ETH, *tcp = ip + IP;
    b[H + 12] = 0x08; /* IPv4 */
    ip[0] = 0x45;
    ip[9] = 6; /* TCP */
    memcpy(ip + 12, (const uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
    for (int i = 0; i < TCP + PAYLOAD; i++)
        tcp[i] = (uint8_t)(i * 37 + 11);
    tcp[16] = tcp[17] = 0;
    uint32_t ps = sum16(ip + 12, 8, 0) + 6 + TCP + PAYLOAD;
    uint16_t f = fold(ps);
    tcp[16] = (uint8_t)(f >> 8);
    tcp[17] = (uint8_t)f;
    *h = (struct solo5_net_vnet_hdr){
        .flags = SOLO5_NET_VNET_F_NEEDS_CSUM,
        .csum_start = ETH + IP,
        .csum_offset = 16,
    };
    memcpy(b, h, sizeof *h);
}

static void test_csum_completed(void **state)
{
    (void)state;
    uint8_t b[LEN];
    struct solo5_net_vnet_hdr h;
    make(b, &h);
    assert_int_equal(bridge_vnet_to_plain(b, LEN), BRIDGE_VNET_PLAIN);
    /* Receiver's check: pseudo-header + segment sums to 0xffff. */
    uint8_t *ip = b + H + ETH;
    uint32_t s = sum16(ip + 12, 8, 0) + 6 + TCP + PAYLOAD;
    s = sum16(ip + IP, TCP + PAYLOAD, s);
    assert_int_equal(fold(s), 0xffff);
}

static void test_refused(void **state)
{
    (void)state;
    uint8_t b[LEN];
    struct solo5_net_vnet_hdr h;

    make(b, &h);
    h.gso_type = 1; /* TCPv4 */
    h.gso_size = 1448;
    memcpy(b, &h, sizeof h);
    assert_int_equal(bridge_vnet_to_plain(b, LEN), BRIDGE_VNET_GSO);

    make(b, &h);
    h.csum_start = LEN; /* beyond the frame */
    memcpy(b, &h, sizeof h);
    assert_int_equal(bridge_vnet_to_plain(b, LEN), BRIDGE_VNET_BAD);

    make(b, &h);
    h.csum_offset = (uint16_t)(LEN - H - h.csum_start - 1); /* field overruns */
    memcpy(b, &h, sizeof h);
    assert_int_equal(bridge_vnet_to_plain(b, LEN), BRIDGE_VNET_BAD);

    assert_int_equal(bridge_vnet_to_plain(b, H), BRIDGE_VNET_BAD); /* header only */
}

static void test_plain_header(void **state)
{
    (void)state;
    uint8_t b[LEN], copy[LEN];
    struct solo5_net_vnet_hdr h;
    make(b, &h);
    memset(b, 0, H); /* no offload asked */
    memcpy(copy, b, LEN);
    assert_int_equal(bridge_vnet_to_plain(b, LEN), BRIDGE_VNET_PLAIN);
    assert_memory_equal(b, copy, LEN);
}

/* A super-frame of `payload` bytes, MSS `mss`, IPv4 or IPv6, FIN|PSH set. */
#define GSO_PAYLOAD 3500
static size_t make_gso(uint8_t *b, bool v4, uint16_t mss)
{
    size_t ipl = v4 ? 20 : 40, len = H + ETH + ipl + TCP + GSO_PAYLOAD;
    memset(b, 0, len);
    struct solo5_net_vnet_hdr h = {
        .flags = SOLO5_NET_VNET_F_NEEDS_CSUM,
        .gso_type = v4 ? 1 : 4,
        .hdr_len = (uint16_t)(ETH + ipl + TCP),
        .gso_size = mss,
        .csum_start = (uint16_t)(ETH + ipl),
        .csum_offset = 16,
    };
    memcpy(b, &h, sizeof h);
    uint8_t *f = b + H, *ip = f + ETH, *tcp = ip + ipl;
    f[12] = v4 ? 0x08 : 0x86;
    f[13] = v4 ? 0x00 : 0xdd;
    if (v4) {
        ip[0] = 0x45;
        ip[4] = 0x12, ip[5] = 0x34; /* id */
        ip[8] = 64;
        ip[9] = 6;
        memcpy(ip + 12, (const uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
    } else {
        ip[0] = 0x60;
        ip[6] = 6;
        ip[7] = 64;
        ip[8 + 15] = 1;
        ip[24 + 15] = 2;
    }
    tcp[4] = 0xff, tcp[5] = 0xff, tcp[6] = 0xf0, tcp[7] = 0x00; /* seq wraps */
    tcp[12] = 5 << 4;
    tcp[13] = 0x01 | 0x08 | 0x10; /* FIN PSH ACK */
    for (size_t i = 0; i < GSO_PAYLOAD; i++)
        tcp[TCP + i] = (uint8_t)(i * 13 + 5);
    return len;
}

static void gso(bool v4)
{
    static uint8_t b[H + ETH + 40 + TCP + GSO_PAYLOAD], seg[2000], joined[GSO_PAYLOAD];
    const uint16_t mss = 1448;
    size_t len = make_gso(b, v4, mss), ipl = v4 ? 20 : 40, got = 0, n;
    struct bridge_gso g;
    unsigned count = 0;

    assert_int_equal(bridge_vnet_to_plain(b, len), BRIDGE_VNET_GSO);
    assert_true(bridge_gso_init(&g, b, len));
    assert_int_equal(bridge_gso_seg_max(&g), ETH + ipl + TCP + mss);
    while ((n = bridge_gso_next(&g, seg)) != 0) {
        uint8_t *ip = seg + ETH, *tcp = ip + ipl;
        size_t pl = n - ETH - ipl - TCP;
        bool last = got + pl == GSO_PAYLOAD;
        assert_true(pl == mss || last);
        if (v4) {
            assert_int_equal(get16(ip + 2), n - ETH);
            assert_int_equal(get16(ip + 4), 0x1234 + count);
            assert_int_equal(fold(sum16(ip, 20, 0)), 0xffff);
        } else {
            assert_int_equal(get16(ip + 4), n - ETH - 40);
        }
        uint32_t seq = (uint32_t)get16(tcp + 4) << 16 | get16(tcp + 6);
        assert_int_equal(seq, (uint32_t)(0xfffff000u + got));
        assert_int_equal(tcp[13] & 0x09, last ? 0x09 : 0);
        uint32_t s =
            (v4 ? sum16(ip + 12, 8, 0) : sum16(ip + 8, 32, 0)) + 6 + (uint32_t)(n - ETH - ipl);
        assert_int_equal(fold(sum16(tcp, n - ETH - ipl, s)), 0xffff);
        memcpy(joined + got, tcp + TCP, pl);
        got += pl;
        count++;
    }
    assert_int_equal(got, GSO_PAYLOAD);
    assert_int_equal(count, (GSO_PAYLOAD + mss - 1) / mss);
    assert_memory_equal(joined, b + H + ETH + ipl + TCP, GSO_PAYLOAD);

    /* Not segmentable: UDP GSO kind, zero MSS, truncated headers. */
    make_gso(b, v4, mss);
    b[1] = 5;
    assert_false(bridge_gso_init(&g, b, len));
    make_gso(b, v4, 0);
    assert_false(bridge_gso_init(&g, b, len));
    make_gso(b, v4, mss);
    assert_false(bridge_gso_init(&g, b, H + ETH + ipl + 10));
}

static void test_gso_v4(void **state)
{
    (void)state;
    gso(true);
}

static void test_gso_v6(void **state)
{
    (void)state;
    gso(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csum_completed), cmocka_unit_test(test_refused),
        cmocka_unit_test(test_plain_header),   cmocka_unit_test(test_gso_v4),
        cmocka_unit_test(test_gso_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
