/*
 * router: the IPv4 header check. Every field a forwarder depends on is
 * checked before anything is decided about a packet: version, header
 * length, total length against the frame, checksum, options (well formed;
 * no source routes), fragment fields, and for a packet's first fragment
 * the transport header the ACL looks at (RFC 1858: no tiny or overlapping
 * TCP fragments).
 */
#ifndef ROUTER_IPV4_H
#define ROUTER_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rt_ip_check {
    RT_IPCHK_OK = 0,
    RT_IPCHK_SHORT,   /* header or total length beyond the frame */
    RT_IPCHK_VERSION, /* not 4 */
    RT_IPCHK_HLEN,    /* header length below 20 */
    RT_IPCHK_LEN,     /* total length below the header length */
    RT_IPCHK_CSUM,    /* header checksum */
    RT_IPCHK_OPTIONS, /* malformed options, or a source route */
    RT_IPCHK_FRAG,    /* reserved flag, or fragment beyond 65,535 bytes or not
                      a multiple of 8 bytes where more follow */
    RT_IPCHK_L4,      /* TCP/UDP/ICMP header malformed or cut by fragmenting */
};

struct rt_ip {
    size_t hlen, tot_len; /* header length, total length */
    uint8_t tos, ttl, proto;
    uint32_t src, dst;
    bool df, mf;
    size_t offset; /* fragment offset in bytes */
    bool ports;    /* TCP/UDP with its ports here (unfragmented or first) */
    uint16_t sport, dport;
    size_t l4_hlen; /* TCP header length (first fragment), else 0 */
    int icmp_type;  /* ICMP first fragment: its type, else -1 */
};

/* ip: the bytes after the Ethernet header, avail of them (a frame may be
 * padded: tot_len may be less). */
enum rt_ip_check rt_ip_parse(const uint8_t *ip, size_t avail, struct rt_ip *h);

/* Decrements the TTL (which must be above 1) and updates the header
 * checksum incrementally (RFC 1624). */
void rt_ip_dec_ttl(uint8_t *ip);

/* Writes the checksum of a header of hlen bytes. */
void rt_ip_set_csum(uint8_t *ip, size_t hlen);

/* Copies into `out` the options of the header that later fragments carry
 * (RFC 791: those with the "copied" bit), padded to 4 bytes; returns
 * their length. The options must have passed rt_ip_parse(). */
size_t rt_ip_copied_options(const uint8_t *ip, size_t hlen, uint8_t *out);

#endif /* ROUTER_IPV4_H */
