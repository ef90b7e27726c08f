/*
 * virtio-net header offload for NICs whose manifest sets SKIFF_NIC_F_VNET:
 * sizes the TAP, the datapath and the ring geometry agree on. The header is
 * struct virtio_net_hdr_v1 (12 bytes, native endian as the TAP uses it); the
 * tender never interprets it, it only moves it along with the frame.
 */
#ifndef SKIFF_VNET_H
#define SKIFF_VNET_H

#include "shmstream/abi.h"

#define SKIFF_VNET_HDR_LEN 12u /* struct virtio_net_hdr_v1 */

/* Largest frame behind the header: a 64 KiB GSO IP packet + Ethernet header
 * + one 802.1Q tag. */
#define SKIFF_VNET_FRAME_MAX (65535u + 14u + 4u)

/* Slot header + vnet header + largest frame, rounded to the slot alignment. */
#define SKIFF_VNET_SLOT_SIZE                                                                       \
    (((uint32_t)sizeof(struct shms_slot) + SKIFF_VNET_HDR_LEN + SKIFF_VNET_FRAME_MAX +             \
      SHMS_SLOT_ALIGN - 1) /                                                                       \
     SHMS_SLOT_ALIGN * SHMS_SLOT_ALIGN)

/* Fewer, larger slots: 128 GSO frames per direction is ~8 MiB in flight,
 * and untouched slots cost nothing (guest memory is mapped lazily). */
#define SKIFF_VNET_SLOT_COUNT 128u

_Static_assert(SKIFF_VNET_SLOT_SIZE <= SHMS_SLOT_MAX, "vnet slot too big");
_Static_assert(SKIFF_VNET_HDR_LEN <= SHMS_VNET_MAX, "vnet header too big");

#endif /* SKIFF_VNET_H */
