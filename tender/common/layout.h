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
#include "vnet.h"

#define SKIFF_MEM_DEFAULT_MB 64u   /* --mem default */
#define SKIFF_MEM_MIN_MB     4u    /* image + boot info + stack + a little heap */
#define SKIFF_MEM_MAX_MB     4096u /* spt maps at gpa == hva: keep it modest */

#define SKIFF_RING_SLOT_SIZE  2048u /* room for a 1500-byte frame + headers */
#define SKIFF_RING_SLOT_COUNT 1024u

#define SKIFF_STACK_RESERVE (1024ull * 1024ull)
#define SKIFF_MIN_HEAP      SKIFF_PAGE_SIZE /* refuse layouts with no heap at all */

static inline uint64_t skiff_page_up(uint64_t x)
{
    return (x + SKIFF_PAGE_SIZE - 1) & ~(SKIFF_PAGE_SIZE - 1);
}

/* Bytes of one channel (header + slots), computed like shms_channel_bytes(). */
#define SKIFF_RING_CHAN_BYTES                                                                      \
    ((uint64_t)sizeof(struct shms_header) + (uint64_t)SKIFF_RING_SLOT_SIZE * SKIFF_RING_SLOT_COUNT)
#define SKIFF_VNET_CHAN_BYTES                                                                      \
    ((uint64_t)sizeof(struct shms_header) + (uint64_t)SKIFF_VNET_SLOT_SIZE * SKIFF_VNET_SLOT_COUNT)

/*
 * Bytes of one channel's area for a NIC. A NIC whose manifest asks for VNET
 * gets room for either geometry: the tender may fall back to the plain one
 * (inherited fd without vnet headers), and the fit must not depend on that.
 */
static inline uint64_t skiff_layout_chan_area(uint32_t manifest_flags)
{
    uint64_t plain = skiff_page_up(SKIFF_RING_CHAN_BYTES);
    uint64_t vnet = skiff_page_up(SKIFF_VNET_CHAN_BYTES);
    if ((manifest_flags & SKIFF_NIC_F_VNET) && vnet > plain)
        return vnet;
    return plain;
}

/* Each ctrl block and each channel starts on its own page. */
static inline uint64_t skiff_layout_nic_bytes(uint32_t manifest_flags)
{
    return 2 * (skiff_page_up(sizeof(struct shms_ctrl)) + skiff_layout_chan_area(manifest_flags));
}

/* Boot info + the largest command line, rounded to pages. */
static inline uint64_t skiff_layout_boot_bytes(void)
{
    return skiff_page_up(sizeof(struct skiff_boot_info) + SKIFF_CMDLINE_MAX);
}

/* All NIC areas of an image, from its manifest (nic_count already checked). */
static inline uint64_t skiff_layout_nics_bytes(const struct skiff_manifest *m)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < m->nic_count && i < SKIFF_MAX_NICS; i++)
        sum += skiff_layout_nic_bytes(m->nics[i].flags);
    return sum;
}

/*
 * Room the layout needs above the image: boot info page(s), minimum heap,
 * stack reserve and the NIC areas. Ring areas are reserved even in direct
 * mode so an image's fit does not depend on --io.
 */
static inline uint64_t skiff_layout_reserve(const struct skiff_manifest *m)
{
    return skiff_layout_boot_bytes() + SKIFF_MIN_HEAP + SKIFF_STACK_RESERVE +
           skiff_layout_nics_bytes(m);
}

#endif /* SKIFF_LAYOUT_H */
