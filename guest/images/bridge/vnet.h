/*
 * bridge: turning a vnet frame (virtio-net header + frame) into plain
 * frames for a NIC without offloads: checksum completion, and TCP
 * segmentation of GSO super-frames.
 */
#ifndef BRIDGE_VNET_H
#define BRIDGE_VNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bridge_vnet {
    BRIDGE_VNET_PLAIN, /* the frame behind the header can go out as is */
    BRIDGE_VNET_GSO,   /* a TCP super-frame: segment it (bridge_gso_*) */
    BRIDGE_VNET_BAD,   /* malformed header, or GSO of a kind not handled */
};

/*
 * `buf` holds `len` bytes: a struct solo5_net_vnet_hdr, then the frame.
 * Completes a checksum the header says is pending (non-GSO frames) and
 * says what to do with the frame.
 */
enum bridge_vnet bridge_vnet_to_plain(uint8_t *buf, size_t len);

/* Walks the segments of a TCP GSO super-frame (IPv4 or IPv6, optional
 * VLAN tag, no IPv6 extension headers). */
struct bridge_gso {
    const uint8_t *f; /* the super-frame (after the vnet header) */
    size_t flen;
    size_t l3, l4, hl; /* IP header, TCP header, payload offsets */
    size_t mss, off;   /* payload bytes per segment; payload sent so far */
    uint32_t seq;      /* TCP sequence number of the super-frame */
    uint16_t ip_id;    /* IPv4 identification of the super-frame */
    bool v4;
};

/* false if the super-frame is not one we can segment. */
bool bridge_gso_init(struct bridge_gso *g, const uint8_t *buf, size_t len);

/* Longest segment bridge_gso_next() writes. */
static inline size_t bridge_gso_seg_max(const struct bridge_gso *g)
{
    return g->hl + g->mss;
}

/* Write the next segment (a complete frame with valid checksums) to `out`
 * (bridge_gso_seg_max() bytes); returns its length, 0 after the last one. */
size_t bridge_gso_next(struct bridge_gso *g, uint8_t *out);

#endif /* BRIDGE_VNET_H */
