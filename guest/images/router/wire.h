/*
 * router: the wire formats it reads and writes (Ethernet, ARP, IPv4, ICMP,
 * the first bytes of TCP and UDP), read and written byte by byte in network
 * order: frames sit at any alignment in the rings. Addresses are kept in
 * host order (uint32_t) everywhere else in the router.
 */
#ifndef ROUTER_WIRE_H
#define ROUTER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RT_ETH_ALEN      6
#define RT_ETH_HLEN      14
#define RT_ETHERTYPE_IP  0x0800
#define RT_ETHERTYPE_ARP 0x0806

#define RT_ARP_LEN        28 /* ARP body for Ethernet and IPv4 */
#define RT_ARP_FRAME_LEN  (RT_ETH_HLEN + RT_ARP_LEN)
#define RT_ARP_OP_REQUEST 1
#define RT_ARP_OP_REPLY   2

#define RT_IP_HLEN     20 /* without options */
#define RT_IP_HLEN_MAX 60
#define RT_IP_MAX      65535u
#define RT_IP_DF       0x4000u
#define RT_IP_MF       0x2000u
#define RT_IP_OFFMASK  0x1fffu

#define RT_PROTO_ICMP 1
#define RT_PROTO_TCP  6
#define RT_PROTO_UDP  17

#define RT_TCP_HLEN  20
#define RT_UDP_HLEN  8
#define RT_ICMP_HLEN 8

#define RT_ICMP_ECHO_REPLY       0
#define RT_ICMP_UNREACH          3
#define RT_ICMP_UNREACH_NET      0
#define RT_ICMP_UNREACH_HOST     1
#define RT_ICMP_UNREACH_PROTO    2
#define RT_ICMP_UNREACH_PORT     3
#define RT_ICMP_UNREACH_NEEDFRAG 4
#define RT_ICMP_ECHO             8
#define RT_ICMP_TIME_EXCEEDED    11

/* The virtio-net header (struct virtio_net_hdr_v1) that frames of a NIC
 * with offloads carry in front (skiff's SOLO5_NET_F_VNET): the fields the
 * router looks at. */
#define RT_VNET_HLEN            12
#define RT_VNET_F_NEEDS_CSUM    0x1
#define RT_VNET_GSO_NONE        0x0
#define RT_VNET_GSO_TCPV4       0x1
#define RT_VNET_GSO_ECN         0x80
#define RT_VNET_OFF_FLAGS       0
#define RT_VNET_OFF_GSO_TYPE    1
#define RT_VNET_OFF_GSO_SIZE    4 /* little endian */
#define RT_VNET_OFF_CSUM_START  6 /* little endian */
#define RT_VNET_OFF_CSUM_OFFSET 8 /* little endian */

static inline uint16_t rd16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* An ICMP error quotes at most this much of the packet that caused it, so
 * that the error stays within the 576 bytes every host accepts (RFC 1812
 * 4.3.2.3). */
#define RT_ICMP_ERROR_MAX 576u

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Group bit: multicast and broadcast Ethernet addresses. */
static inline bool rt_mac_is_group(const uint8_t *mac)
{
    return (mac[0] & 1) != 0;
}

static inline bool rt_mac_equal(const uint8_t *a, const uint8_t *b)
{
    for (int i = 0; i < RT_ETH_ALEN; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static inline void rt_mac_copy(uint8_t *dst, const uint8_t *src)
{
    for (int i = 0; i < RT_ETH_ALEN; i++)
        dst[i] = src[i];
}

/* The netmask of a prefix length (0..32). */
static inline uint32_t rt_mask(unsigned len)
{
    return len == 0 ? 0 : ~0u << (32 - len);
}

#endif /* ROUTER_WIRE_H */
