/*
 * libFuzzer target for the image loader, tender/core/elf_load.c (the file
 * the tender and solo5-elftool are built from): any byte string must be
 * either rejected with a one-line reason or accepted with an image whose
 * every invariant holds (the sanitizers catch out-of-bounds reads meanwhile).
 * Each input goes through the calls the tender makes (tender/main.c: as
 * skiff with --mem, any target; as solo5-spt/-hvt, that target and the
 * largest memory) and those solo5-elftool's query-abi and query-manifest make.
 * SKIFF_FUZZ_VERDICT=1 prints each input's verdict (tests/fuzz/run.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf_abi.h"
#include "core/elf_load.h"
#include "fuzz_sink.h"
#include "core/layout.h"
#include "net/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_image(size_t size, uint64_t mem, const struct skiff_image *img)
{
    uint64_t limit = mem - skiff_layout_reserve(&img->manifest, NULL);
    bool entry_ok = false;

    if (img->seg_count == 0 || img->seg_count > SKIFF_ELF_MAX_LOAD ||
        img->manifest.nic_count > SKIFF_MAX_NICS || img->block_count > MFT_MAX_ENTRIES - 1 ||
        img->hi > limit)
        abort();
    for (unsigned i = 0; i < img->seg_count; i++) {
        const struct skiff_elf_segment *s = &img->segs[i];
        if (s->vaddr < SKIFF_GUEST_LOAD_MIN || s->vaddr + s->memsz > img->hi ||
            s->filesz > s->memsz || s->offset > size || s->filesz > size - s->offset ||
            (s->flags & SKIFF_SEG_W && s->flags & SKIFF_SEG_X))
            abort();
        if (s->flags & SKIFF_SEG_X && img->entry >= s->vaddr && img->entry - s->vaddr < s->filesz)
            entry_ok = true;
    }
    for (unsigned i = 0; i < img->manifest.nic_count; i++)
        if (!skiff_name_valid(img->manifest.nics[i].name, sizeof img->manifest.nics[i].name))
            abort();
    if (!entry_ok)
        abort();
}

/* solo5-elftool's reads: the note lies inside the input, and an MFT1 that
 * passes the check holds its entries inside the note. */
static void elftool_reads(const uint8_t *data, size_t size)
{
    static const struct {
        const char *owner;
        uint32_t type;
    } notes[] = { { ABI1_NOTE_NAME, ABI1_NOTE_TYPE }, { MFT1_NOTE_NAME, MFT1_NOTE_TYPE } };
    const uint8_t *desc, *m;
    uint32_t descsz, entries;
    char err[200];

    for (size_t n = 0; n < sizeof notes / sizeof notes[0]; n++) {
        if (skiff_elf_find_note(data, size, notes[n].owner, notes[n].type, &desc, &descsz, err,
                                sizeof err) < 0)
            continue;
        if (desc < data || (size_t)(desc - data) > size || descsz > size - (size_t)(desc - data))
            abort();
        if (notes[n].type != MFT1_NOTE_TYPE ||
            skiff_mft1_check(desc, descsz, &m, &entries, err, sizeof err) < 0)
            continue;
        if (entries == 0 || entries > MFT_MAX_ENTRIES || m < desc ||
            (size_t)(m - desc) + offsetof(struct mft, e) + entries * sizeof(struct mft_entry) >
                descsz)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct {
        uint32_t target;
        uint64_t mem;
    } calls[] = {
        { SKIFF_TARGET_ANY, (uint64_t)SKIFF_MEM_MIN_MB << 20 },
        { SKIFF_TARGET_ANY, (uint64_t)SKIFF_MEM_DEFAULT_MB << 20 },
        { SKIFF_TARGET_SPT, (uint64_t)SKIFF_MEM_MAX_MB << 20 },
        { SKIFF_TARGET_HVT, (uint64_t)SKIFF_MEM_MAX_MB << 20 },
    };
    static struct skiff_image img;
    char err[256], first_err[256] = "";
    bool accepted = false;

    for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++) {
        if (skiff_elf_parse(data, size, calls[c].mem, calls[c].target, &img, err, sizeof err) < 0) {
            if (err[0] == '\0' || strchr(err, '\n'))
                abort();
            if (first_err[0] == '\0')
                memcpy(first_err, err, sizeof err);
            continue;
        }
        check_image(size, calls[c].mem, &img);
        accepted = true;
    }
    elftool_reads(data, size);
    fuzz_verdict(accepted ? "accepted" : "rejected", accepted ? NULL : first_err);
    return 0;
}
