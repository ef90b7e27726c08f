/*
 * Guest memory geometry: every size and constant of the guest memory layout
 * lives here, so the loader (which must know how much room the top of memory
 * needs) and the memory setup agree. See docs/architecture.md "Guest memory".
 */
#ifndef SKIFF_LAYOUT_H
#define SKIFF_LAYOUT_H

#include <stdint.h>

#include "shmstream/abi.h"
#include "skiff/abi.h"
#include "net/vnet.h"

/* --mem default: Solo5's. Mapped lazily, so idle pages cost nothing. */
#define SKIFF_MEM_DEFAULT_MB 512u
#define SKIFF_MEM_MIN_MB     4u /* image + boot info + stack + a little heap */
/* As solo5-spt / solo5-hvt, --mem is the least the guest gets: skiff grows
 * it to fit the image and its rings, so any positive size is valid. */
#define SKIFF_MEM_MIN_SOLO5_MB 1u
#define SKIFF_MEM_MAX_MB       4096u /* spt maps at gpa == hva: keep it modest */

/*
 * Ring geometry of a NIC without vnet headers, from its MTU: a slot holds
 * the 16-byte slot header and the largest frame (MTU + Ethernet header + one
 * 802.1Q tag), rounded up to the slot alignment and to at least
 * SKIFF_RING_SLOT_MIN (1,500-byte MTUs keep their 2 KiB slots). The slot
 * count is the largest power of two whose slots fit SKIFF_RING_BYTES, kept
 * within SKIFF_RING_SLOTS_MIN..MAX: 1,024 slots up to an MTU of ~8 KiB,
 * 512 at MTU 9,000, 128 at the TAP maximum (65,521). Guest memory is
 * mapped lazily, so slots never filled cost nothing.
 */
#define SKIFF_RING_SLOT_MIN  2048u
#define SKIFF_RING_SLOTS_MAX 1024u
#define SKIFF_RING_SLOTS_MIN 128u
#define SKIFF_RING_BYTES     (8u * 1024u * 1024u)
#define SKIFF_MTU_ASSUMED    1500u  /* the loader's guess, before NICs attach */
#define SKIFF_MTU_MAX        65535u /* the boot info carries 16 bits */

/* Slot size and count for a plain NIC of MTU `mtu` (see above). */
static inline void skiff_ring_geometry(uint32_t mtu, uint32_t *slot_size, uint32_t *slot_count)
{
    uint32_t size = (uint32_t)sizeof(struct shms_slot) + mtu + SKIFF_ETH_OVERHEAD;
    size = (size + SHMS_SLOT_ALIGN - 1) / SHMS_SLOT_ALIGN * SHMS_SLOT_ALIGN;
    if (size < SKIFF_RING_SLOT_MIN)
        size = SKIFF_RING_SLOT_MIN;
    uint32_t count = SKIFF_RING_SLOTS_MAX;
    while (count > SKIFF_RING_SLOTS_MIN && (uint64_t)count * size > SKIFF_RING_BYTES)
        count /= 2;
    *slot_size = size;
    *slot_count = count;
}

_Static_assert(sizeof(struct shms_slot) + SKIFF_MTU_MAX + SKIFF_ETH_OVERHEAD + SHMS_SLOT_ALIGN <=
                   SHMS_SLOT_MAX,
               "the largest MTU fits a slot");

#define SKIFF_STACK_RESERVE (1024ull * 1024ull)
#define SKIFF_MIN_HEAP      SKIFF_PAGE_SIZE /* refuse layouts with no heap at all */

static inline uint64_t skiff_page_up(uint64_t x)
{
    return (x + SKIFF_PAGE_SIZE - 1) & ~(SKIFF_PAGE_SIZE - 1);
}

/* Bytes of one channel (header + slots), computed like shms_channel_bytes(). */
static inline uint64_t skiff_ring_chan_bytes(uint32_t mtu)
{
    uint32_t size, count;
    skiff_ring_geometry(mtu, &size, &count);
    return (uint64_t)sizeof(struct shms_header) + (uint64_t)size * count;
}
#define SKIFF_VNET_CHAN_BYTES                                                                      \
    ((uint64_t)sizeof(struct shms_header) + (uint64_t)SKIFF_VNET_SLOT_SIZE * SKIFF_VNET_SLOT_COUNT)

/*
 * Bytes of one channel's area for a NIC of MTU `mtu`. A NIC whose manifest
 * asks for VNET gets room for either geometry: the tender may fall back to
 * the plain one (inherited fd without vnet headers), and the fit must not
 * depend on that.
 */
static inline uint64_t skiff_layout_chan_area(uint32_t manifest_flags, uint32_t mtu)
{
    uint64_t plain = skiff_page_up(skiff_ring_chan_bytes(mtu));
    uint64_t vnet = skiff_page_up(SKIFF_VNET_CHAN_BYTES);
    if ((manifest_flags & SKIFF_NIC_F_VNET) && vnet > plain)
        return vnet;
    return plain;
}

/* Each ctrl block and each channel starts on its own page. */
static inline uint64_t skiff_layout_nic_bytes(uint32_t manifest_flags, uint32_t mtu)
{
    return 2 *
           (skiff_page_up(sizeof(struct shms_ctrl)) + skiff_layout_chan_area(manifest_flags, mtu));
}

/* Boot info + the largest command line, rounded to pages. */
static inline uint64_t skiff_layout_boot_bytes(void)
{
    return skiff_page_up(sizeof(struct skiff_boot_info) + SKIFF_CMDLINE_MAX);
}

/* All NIC areas of an image, from its manifest (nic_count already checked)
 * and the NICs' MTUs (mtus[i] for NIC i; NULL: SKIFF_MTU_ASSUMED each). */
static inline uint64_t skiff_layout_nics_bytes(const struct skiff_manifest *m, const uint16_t *mtus)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < m->nic_count && i < SKIFF_MAX_NICS; i++)
        sum += skiff_layout_nic_bytes(m->nics[i].flags, mtus ? mtus[i] : SKIFF_MTU_ASSUMED);
    return sum;
}

/*
 * Room the layout needs above the image: boot info page(s), minimum heap,
 * stack reserve and the NIC areas. Ring areas are reserved even in direct
 * mode so an image's fit does not depend on --io. The loader checks with
 * the assumed MTU; guest memory setup again with the NICs' real ones.
 */
static inline uint64_t skiff_layout_reserve(const struct skiff_manifest *m, const uint16_t *mtus)
{
    return skiff_layout_boot_bytes() + SKIFF_MIN_HEAP + SKIFF_STACK_RESERVE +
           skiff_layout_nics_bytes(m, mtus);
}

#endif /* SKIFF_LAYOUT_H */
