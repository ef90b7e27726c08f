/*
 * spt --io=direct packet capture, guest side (docs/capture.md): the guest
 * process moves a captured NIC's frames on the packet fd itself, so it
 * copies each one into the NIC's capture channel (skiff/abi.h,
 * struct skiff_cap_area), which the tender's capture writer drains into the
 * pcap file. Never waits: a full channel counts the frame as not captured.
 */
#ifndef SKIFF_GUEST_CAPTURE_SPT_H
#define SKIFF_GUEST_CAPTURE_SPT_H

#include <stddef.h>
#include <stdint.h>

#include "skiff/abi.h"

/* Attach the capture channels the boot info announces (none: no cost). */
void gcap_init(const struct skiff_boot_info *bi);

/* Bit i: NIC i is captured. */
extern uint32_t gcap_nics;

void gcap_put(unsigned nic, uint32_t dir, const void *buf, size_t len);

/* The datapath's hook: one load and one branch for a NIC not captured. */
static inline void gcap_frame(unsigned nic, uint32_t dir, const void *buf, size_t len)
{
    if (__builtin_expect((gcap_nics >> nic) & 1u, 0))
        gcap_put(nic, dir, buf, len);
}

#endif /* SKIFF_GUEST_CAPTURE_SPT_H */
