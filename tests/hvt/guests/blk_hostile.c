/*
 * blk_hostile: raw block hypercalls with the arguments the bindings would
 * never pass (wrong device, offsets past the end, partial or oversized
 * lengths, a buffer outside guest memory), each of which the tender must
 * refuse (ret -1) without touching the file; then one valid read as the
 * positive control. Prints one line per case and "blk_hostile: done".
 */
#include <stdint.h>

#include "skiff/abi.h"
#include "skiff/rt.h"
#include "solo5.h"

static uint8_t buf[2 * SKIFF_BLOCK_IO_MAX];

static int64_t block_hc(unsigned nr, uint64_t index, uint64_t offset, uint64_t data, uint64_t len)
{
    volatile struct skiff_hc_block a = {
        .index = index, .offset = offset, .data = data, .len = len, .ret = 99
    };
    uint64_t gpa = (uintptr_t)&a;
    __asm__ __volatile__("outl %0, %1"
                         :
                         : "a"((uint32_t)gpa), "Nd"((uint16_t)(SKIFF_HVT_PIO_BASE + nr))
                         : "memory");
    return a.ret;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    solo5_handle_t h;
    struct solo5_block_info bi;
    if (solo5_block_acquire("storage", &h, &bi) != SOLO5_R_OK) {
        skiff_printf("blk_hostile: no storage\n");
        return 1;
    }
    uint64_t cap = bi.capacity, bs = bi.block_size, b = (uintptr_t)buf;
    static const struct {
        const char *name;
        uint64_t index, offset, len;
        int far_buffer;
    } cases[] = {
        { "bad-index", 1, 0, 512, 0 },
        { "huge-index", ~0ull, 0, 512, 0 },
        { "past-end", 0, 4096, 512, 0 },
        { "running-past-end", 0, 3584, 1024, 0 },
        { "wrapping-offset", 0, ~0ull - 511, 512, 0 },
        { "misaligned", 0, 1, 512, 0 },
        { "partial", 0, 0, 511, 0 },
        { "zero", 0, 0, 0, 0 },
        { "too-long", 0, 0, SKIFF_BLOCK_IO_MAX + 512, 0 },
        { "buffer-outside", 0, 0, 512, 1 },
    };
    (void)cap;
    (void)bs;
    for (unsigned nr = SKIFF_HC_BLOCK_READ; nr <= SKIFF_HC_BLOCK_WRITE; nr++)
        for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            uint64_t data = cases[i].far_buffer ? 0xfffff000ull : b;
            int64_t r = block_hc(nr, cases[i].index, cases[i].offset, data, cases[i].len);
            skiff_printf("%s %s: %s\n", nr == SKIFF_HC_BLOCK_READ ? "read" : "write", cases[i].name,
                         r == -1 ? "refused" : "ACCEPTED");
        }
    int64_t r = block_hc(SKIFF_HC_BLOCK_READ, 0, 3584, b, 512);
    skiff_printf("read valid: %s %02x\n", r == 0 ? "ok" : "FAILED", buf[0]);
    skiff_printf("blk_hostile: done\n");
    return 0;
}
