/*
 * Test frames for the router: valid Ethernet/IPv4/UDP/TCP/ICMP/ARP frames
 * with correct checksums, and malformed samples, each with the drop reason
 * the router must count for it. Shared by the host unit tests and the
 * injector the integration test runs (inject.c); the ping image's unit test
 * (tests/guest) and bench/router/logic.c build their ARP frames with it.
 */
#ifndef ROUTER_TEST_FRAMES_H
#define ROUTER_TEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>

/* The test topology (docs/router.md): h1 on wan, h2 on lan. */
#define TF_WAN_IP  0x0a010001u /* 10.1.0.1 */
#define TF_LAN_IP  0x0a020001u /* 10.2.0.1 */
#define TF_H1_IP   0x0a010002u /* 10.1.0.2 */
#define TF_H2_IP   0x0a0200feu /* 10.2.0.254 (h2, the gateway to 10.3/16) */
#define TF_H3_IP   0x0a030002u /* 10.3.0.2 */
#define TF_LAN_MTU 1400

extern const uint8_t tf_wan_mac[6], tf_lan_mac[6], tf_h1_mac[6], tf_h2_mac[6];

struct tf_l2 {
    const uint8_t *dst, *src; /* Ethernet addresses */
};

/* IPv4 header + payload bytes at f + 14; returns the frame length.
 * `frag` is the flags/offset word. The payload is a pattern of `seed`. */
size_t tf_ipv4(uint8_t *f, struct tf_l2 l2, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
               uint16_t frag, size_t payload, uint8_t seed);
size_t tf_udp(uint8_t *f, struct tf_l2 l2, uint32_t src, uint32_t dst, uint16_t sport,
              uint16_t dport, size_t payload, uint8_t ttl, uint16_t frag);
size_t tf_tcp(uint8_t *f, struct tf_l2 l2, uint32_t src, uint32_t dst, uint16_t sport,
              uint16_t dport, size_t payload, uint8_t ttl);
size_t tf_echo(uint8_t *f, struct tf_l2 l2, uint32_t src, uint32_t dst, size_t payload,
               uint8_t ttl);
size_t tf_arp(uint8_t *f, const uint8_t *eth_dst, uint16_t op, const uint8_t *sha, uint32_t spa,
              const uint8_t *tha, uint32_t tpa);

/* Re-checksum the IP header (and the UDP/TCP/ICMP checksum of a whole
 * packet) of the frame at f after a field was changed. */
void tf_fix_ip_csum(uint8_t *f);
void tf_fix_l4_csum(uint8_t *f);

/* An IPv4 header that checks, by this file's own reading: version 4, a
 * header length from 20, a total length from that up to len, and a
 * header checksum that sums right. */
int tf_ip_ok(const uint8_t *ip, size_t len);

/* h1 -> router (wan) defaults. */
struct tf_l2 tf_from_h1(void);

struct tf_bad {
    const char *name;
    const char *reason;         /* the router's drop counter (counters.h) */
    size_t (*make)(uint8_t *f); /* writes the frame (from h1, on wan) */
};

extern const struct tf_bad tf_bad[];
extern const size_t tf_bad_count;

#endif /* ROUTER_TEST_FRAMES_H */
