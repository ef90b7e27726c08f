/*
 * mkbad: writes broken copies of a good hvt image, one per way the loader
 * must refuse it, by patching the ELF in place (program headers and the
 * Skiff notes). Usage: mkbad GOOD.hvt OUTDIR. Writes OUTDIR/<case>.hvt:
 *   wx        the code segment made writable too
 *   outside   a segment moved beyond any guest memory
 *   abi       ABI note with an unknown ABI version
 *   manifest  manifest note larger than struct skiff_manifest
 *   nics      manifest declaring more NICs than an image may have
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_abi.h"
#include "mft_abi.h"
#include "skiff/abi.h"

static unsigned char *img;
static size_t img_len;

static Elf64_Phdr *phdr(unsigned i)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    return (Elf64_Phdr *)(img + eh->e_phoff + i * sizeof(Elf64_Phdr));
}

/* The header (namesz, descsz, type) of the Solo5 note of `type`, or NULL. */
static uint32_t *find_note(uint32_t type)
{
    static const char owner[] = ABI1_NOTE_NAME;
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr *ph = phdr(i);
        if (ph->p_type != PT_NOTE)
            continue;
        size_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;
        while (off + 12 <= end) {
            uint32_t *h = (uint32_t *)(img + off);
            size_t name = (h[0] + 3u) & ~3u, desc = (h[1] + 3u) & ~3u;
            if (h[0] == sizeof owner && h[2] == type && memcmp(h + 3, owner, sizeof owner) == 0)
                return h;
            off += 12 + name + desc;
        }
    }
    return NULL;
}

static void *note_desc(uint32_t *h)
{
    return (unsigned char *)(h + 3) + ((h[0] + 3u) & ~3u);
}

static Elf64_Phdr *first_load(uint32_t want_flag)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (phdr(i)->p_type == PT_LOAD && (phdr(i)->p_flags & want_flag))
            return phdr(i);
    return NULL;
}

static int write_case(const char *dir, const char *name, int (*patch)(void))
{
    unsigned char *saved = malloc(img_len);
    if (!saved)
        return -1;
    memcpy(saved, img, img_len);
    int rc = patch();
    if (rc == 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.hvt", dir, name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(img, 1, img_len, f) != img_len || fclose(f) != 0) {
            fprintf(stderr, "mkbad: cannot write %s\n", path);
            rc = -1;
        }
    } else {
        fprintf(stderr, "mkbad: %s: image lacks what the case patches\n", name);
    }
    memcpy(img, saved, img_len);
    free(saved);
    return rc;
}

static int patch_wx(void)
{
    Elf64_Phdr *ph = first_load(PF_X);
    if (!ph)
        return -1;
    ph->p_flags |= PF_W;
    return 0;
}

static int patch_outside(void)
{
    Elf64_Phdr *ph = first_load(PF_W);
    if (!ph)
        return -1;
    ph->p_vaddr = ph->p_paddr = (1ull << 40) + (ph->p_vaddr & 0xfff);
    return 0;
}

static int patch_abi(void)
{
    uint32_t *h = find_note(ABI1_NOTE_TYPE);
    if (!h)
        return -1;
    struct abi1_info *n = note_desc(h);
    n->abi_version = SKIFF_SOLO5_ABI_VERSION_BASE | (SKIFF_ABI_VERSION + 41);
    return 0;
}

/* As if linked with Solo5's own bindings (small version numbers). */
static int patch_solo5abi(void)
{
    uint32_t *h = find_note(ABI1_NOTE_TYPE);
    if (!h)
        return -1;
    struct abi1_info *n = note_desc(h);
    n->abi_version = 2;
    return 0;
}

static int patch_manifest(void)
{
    uint32_t *h = find_note(MFT1_NOTE_TYPE);
    if (!h)
        return -1;
    h[1] += 8; /* descsz: claims more than the entries take */
    return 0;
}

static int patch_entries(void)
{
    uint32_t *h = find_note(MFT1_NOTE_TYPE);
    if (!h)
        return -1;
    /* struct mft sits 4 bytes into the descriptor (8-byte alignment) */
    uint32_t *m = (uint32_t *)((unsigned char *)note_desc(h) + 4);
    m[1] = MFT_MAX_ENTRIES + 1;
    return 0;
}

static int patch_interp(void)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (phdr(i)->p_type == PT_INTERP && phdr(i)->p_filesz >= 8) {
            memcpy(img + phdr(i)->p_offset, "/lib/ld", 8);
            return 0;
        }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mkbad GOOD.hvt OUTDIR\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        fprintf(stderr, "mkbad: cannot open %s\n", argv[1]);
        return 1;
    }
    long n = ftell(f);
    rewind(f);
    img_len = n > 0 ? (size_t)n : 0;
    img = malloc(img_len ? img_len : 1);
    if (!img || img_len < sizeof(Elf64_Ehdr) || fread(img, 1, img_len, f) != img_len) {
        fprintf(stderr, "mkbad: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    int rc = 0;
    rc |= write_case(argv[2], "wx", patch_wx);
    rc |= write_case(argv[2], "outside", patch_outside);
    rc |= write_case(argv[2], "abi", patch_abi);
    rc |= write_case(argv[2], "manifest", patch_manifest);
    rc |= write_case(argv[2], "solo5abi", patch_solo5abi);
    rc |= write_case(argv[2], "entries", patch_entries);
    rc |= write_case(argv[2], "interp", patch_interp);
    free(img);
    return rc ? 1 : 0;
}
