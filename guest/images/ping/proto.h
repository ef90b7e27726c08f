/*
 * The ping image's packet logic: ARP and ICMP echo handling, the Internet
 * checksum and command-line parsing. Pure functions with no target or libc
 * dependency, so host unit tests compile this file as is.
 */
#ifndef PING_PROTO_H
#define PING_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PING_ETH_HLEN      14
#define PING_ARP_FRAME_LEN (PING_ETH_HLEN + 28)

struct ping_ctx {
    uint8_t mac[6]; /* our Ethernet address */
    uint8_t ip[4];  /* our IPv4 address, network order */
};

enum ping_kind {
    PING_IGNORED = 0, /* not for us, not understood, or malformed */
    PING_ARP_REPLY,   /* *out holds an ARP reply */
    PING_ECHO_REPLY,  /* *out holds an ICMP echo reply */
};

/*
 * Look at one received frame (in, len) and build the answer, if any, in
 * out (cap bytes; must not overlap in). On a reply, *out_len gets its length.
 * Checked before answering: Ethernet destination, ARP fields, IPv4 version,
 * header length, header checksum, total length, fragmentation, ICMP type,
 * code and checksum.
 */
enum ping_kind ping_handle(const struct ping_ctx *ctx, const uint8_t *in, size_t len, uint8_t *out,
                           size_t cap, size_t *out_len);

/* Internet checksum (RFC 1071) of len bytes, as the 16-bit value to store
 * big-endian. Over data that includes a correct checksum field it is 0. */
uint16_t ping_checksum(const void *data, size_t len);

/* Dotted-quad IPv4 address, exactly len characters ("10.0.0.2"). */
bool ping_parse_ipv4(const char *s, size_t len, uint8_t ip[4]);

/* Decimal number of exactly len digits that fits in 64 bits. */
bool ping_parse_u64(const char *s, size_t len, uint64_t *out);

struct ping_args {
    uint8_t ip[4];
    uint64_t limit; /* echo requests to answer before exiting; 0 = forever */
};

/* "<ipv4-address> [limit N]" with N >= 1. false on anything else. */
bool ping_parse_cmdline(const char *cmdline, struct ping_args *args);

#endif /* PING_PROTO_H */
