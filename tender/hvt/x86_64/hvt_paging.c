/*
 * x86_64 hvt page tables: guest memory identity-mapped (virtual == physical)
 * for a guest that runs at CPL 3, so every entry on the way to a page the
 * guest may touch carries the U bit. Image pages get their ELF segment's
 * protections (W^X inside the guest); the low boot structures get the
 * protections lowmem.h lists; the rest of low memory stays unmapped.
 */
#include "hvt/x86_64/hvt_x86_64.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/guest_mem.h"
#include "core/layout.h"
#include "hvt/x86_64/lowmem.h"

#define MIB2 (2ull << 20)
#define GIB  (1ull << 30)

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2) /* user (CPL 3) may access */
#define PTE_PS (1ull << 7) /* 2 MiB page in a page directory */
#define PTE_NX (1ull << 63)

/* Upper levels allow everything; the leaf decides. */
#define PTE_TABLE (PTE_P | PTE_RW | PTE_US)

static void put64(struct skiff_vm *vm, uint64_t gpa, uint64_t v)
{
    memcpy(skiff_gpa_ptr(vm, gpa, sizeof v), &v, sizeof v);
}

/* Leaf flags for the 4 KiB page at gpa p (0: not mapped). */
static uint64_t page_flags(const struct skiff_vm *vm, uint64_t p)
{
    if (p >= vm->mem_size)
        return 0;
    if (p < SKIFF_GUEST_LOAD_MIN) {
        switch (p) {
        case LOW_DESC_GPA: return PTE_P | PTE_NX;                    /* CPU only */
        case LOW_STUB_GPA: return PTE_P | PTE_US;                    /* R X */
        case LOW_STACK_GPA: return PTE_P | PTE_RW | PTE_US | PTE_NX; /* R W */
        default: return 0;
        }
    }
    const struct skiff_image *img = vm->img;
    for (unsigned i = 0; i < img->seg_count; i++) {
        const struct skiff_elf_segment *s = &img->segs[i];
        uint64_t lo = s->vaddr & ~(SKIFF_PAGE_SIZE - 1);
        uint64_t hi = skiff_page_up(s->vaddr + s->memsz);
        if (p < lo || p >= hi)
            continue;
        uint64_t f = PTE_P | PTE_US;
        if (s->flags & SKIFF_SEG_W)
            f |= PTE_RW;
        if (!(s->flags & SKIFF_SEG_X))
            f |= PTE_NX;
        return f;
    }
    return PTE_P | PTE_RW | PTE_US | PTE_NX;
}

/*
 * 2 MiB pages (read-write, no-execute) where a whole region is plain memory;
 * 4 KiB pages where it holds the image, low memory or the end of memory.
 */
int skiff_x86_build_page_tables(struct skiff_vm *vm, char *err, size_t err_len)
{
    uint64_t gibs = (vm->mem_size + GIB - 1) / GIB;
    uint64_t img_lo = vm->img->lo & ~(MIB2 - 1);
    uint64_t img_hi = (vm->img->hi + MIB2 - 1) & ~(MIB2 - 1);
    unsigned pts = 0;

    if (gibs > LOW_PD_MAX)
        return skiff_x86_fail(err, err_len, "--mem above %u GiB is not supported on hvt",
                              LOW_PD_MAX);
    put64(vm, LOW_PML4_GPA, LOW_PDPT_GPA | PTE_TABLE);
    for (uint64_t g = 0; g < gibs; g++) {
        uint64_t pd = LOW_PD_GPA + g * SKIFF_PAGE_SIZE;
        put64(vm, LOW_PDPT_GPA + g * 8, pd | PTE_TABLE);
        for (uint64_t j = 0; j < 512; j++) {
            uint64_t base = g * GIB + j * MIB2;
            if (base >= vm->mem_size)
                break;
            bool plain = base >= SKIFF_GUEST_LOAD_MIN && base + MIB2 <= vm->mem_size &&
                         (base + MIB2 <= img_lo || base >= img_hi);
            if (plain) {
                put64(vm, pd + j * 8, base | PTE_P | PTE_RW | PTE_US | PTE_PS | PTE_NX);
                continue;
            }
            if (pts == LOW_PT_MAX)
                return skiff_x86_fail(err, err_len,
                                      "image spans too many 2 MiB regions "
                                      "for the hvt boot page tables");
            uint64_t pt = LOW_PT_GPA + pts++ * SKIFF_PAGE_SIZE;
            put64(vm, pd + j * 8, pt | PTE_TABLE);
            for (uint64_t k = 0; k < 512; k++) {
                uint64_t p = base + k * SKIFF_PAGE_SIZE;
                uint64_t f = page_flags(vm, p);
                put64(vm, pt + k * 8, f ? p | f : 0);
            }
        }
    }
    return 0;
}
