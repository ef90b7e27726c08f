/*
 * ELF loader for skiff images. The image is untrusted: skiff_elf_parse()
 * validates everything from a byte buffer (so it can be fuzzed) before any
 * of it is copied into guest memory.
 */
#ifndef SKIFF_ELF_LOAD_H
#define SKIFF_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "mft_abi.h"
#include "skiff/abi.h"

#define SKIFF_ELF_MAX_PHDRS   32u            /* more program headers than this: refused */
#define SKIFF_ELF_MAX_LOAD    16u            /* PT_LOAD segments kept */
#define SKIFF_IMAGE_MAX_BYTES (256ull << 20) /* files larger are refused */

/* p_flags bits (same values as PF_X/PF_W/PF_R). */
#define SKIFF_SEG_X 1u
#define SKIFF_SEG_W 2u
#define SKIFF_SEG_R 4u

struct skiff_elf_segment {
    uint64_t vaddr, memsz;   /* gpa range */
    uint64_t offset, filesz; /* file bytes copied to vaddr; the rest is zero */
    uint32_t flags;          /* SKIFF_SEG_* */
};

struct skiff_image {
    uint64_t entry;
    uint64_t lo, hi; /* gpa range covered by segments (hi exclusive) */
    struct skiff_elf_segment segs[SKIFF_ELF_MAX_LOAD];
    unsigned seg_count;
    struct skiff_abi_note abi;      /* skiff numbering, whichever note it came from */
    struct skiff_manifest manifest; /* NICs, validated: names unique and well formed */
    /* Block devices of a Solo5 MFT1 manifest, in manifest order. */
    char block_names[MFT_MAX_ENTRIES][MFT_NAME_SIZE];
    unsigned block_count;
    /* Handles (the MFT1 entry index, or the NIC index for a Skiff manifest)
     * of each NIC and block device. */
    uint32_t nic_handle[SKIFF_MAX_NICS];
    uint32_t block_handle[MFT_MAX_ENTRIES];
    int solo5_notes; /* ABI from the Solo5 ABI1 note, devices from MFT1 */
};

/* skiff_elf_parse() target that accepts any target this skiff can run (the
 * caller then picks the backend from img->abi.target). */
#define SKIFF_TARGET_ANY 0u

/*
 * Validate an image for `target` (SKIFF_TARGET_* or _ANY) that must fit in guest
 * memory of mem_size bytes together with the layout's top area. Returns 0,
 * or -1 with a one-line reason (no prefix, no newline) in err.
 */
int skiff_elf_parse(const void *buf, size_t len, uint64_t mem_size, uint32_t target,
                    struct skiff_image *img, char *err, size_t err_len);

/*
 * Find the first note of `owner` and `type` in the PT_NOTE segments of an
 * ELF64 file (for solo5-elftool). Returns 0 with *desc / *descsz pointing
 * into buf, or -1 with a one-line reason in err.
 */
int skiff_elf_find_note(const void *buf, size_t len, const char *owner, uint32_t type,
                        const uint8_t **desc, uint32_t *descsz, char *err, size_t err_len);

/*
 * Validate a Solo5 MFT1 descriptor (padding + struct mft) of descsz bytes;
 * on success *mft points to the manifest inside desc (unaligned: read with
 * memcpy) and *entries is its entry count.
 */
int skiff_mft1_check(const uint8_t *desc, uint32_t descsz, const uint8_t **mft, uint32_t *entries,
                     char *err, size_t err_len);

/* "spt", "hvt" or "unknown". */
const char *skiff_target_name(uint32_t target);

#endif /* SKIFF_ELF_LOAD_H */
