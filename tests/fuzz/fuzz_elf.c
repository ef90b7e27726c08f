/*
 * libFuzzer target for the image loader: any byte string must be either
 * rejected with a one-line reason or accepted with an image whose every
 * invariant holds (the sanitizers catch out-of-bounds reads meanwhile).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf_load.h"
#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t mems[] = { 4ull << 20, 64ull << 20 };
    struct skiff_image img;
    char err[256];

    for (size_t m = 0; m < sizeof mems / sizeof mems[0]; m++) {
        if (skiff_elf_parse(data, size, mems[m], SKIFF_TARGET_SPT, &img, err, sizeof err) < 0) {
            if (err[0] == '\0' || strchr(err, '\n'))
                abort();
            continue;
        }
        uint64_t limit = mems[m] - skiff_layout_reserve(&img.manifest, NULL);
        if (img.seg_count == 0 || img.seg_count > SKIFF_ELF_MAX_LOAD ||
            img.manifest.nic_count > SKIFF_MAX_NICS || img.hi > limit)
            abort();
        for (unsigned i = 0; i < img.seg_count; i++) {
            const struct skiff_elf_segment *s = &img.segs[i];
            if (s->vaddr < SKIFF_GUEST_LOAD_MIN || s->vaddr + s->memsz > img.hi ||
                s->filesz > s->memsz || s->offset > size || s->filesz > size - s->offset ||
                (s->flags & SKIFF_SEG_W && s->flags & SKIFF_SEG_X))
                abort();
        }
    }
    return 0;
}
