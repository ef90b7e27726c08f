/*
 * Validation of untrusted skiff images: ELF64 x86_64 static executables with
 * an ABI note and a manifest, either Solo5's (ABI1 with skiff's version
 * values, MFT1, PT_INTERP "/nonexistent/solo5/"; what the toolchain writes)
 * or skiff's own older pair (Skiff ABI and manifest notes). A Skiff manifest
 * beside an MFT1 one carries skiff's per-NIC extras (flags) by name. Every field is read with
 * memcpy from the byte buffer and bounds-checked with overflow-safe arithmetic; nothing here trusts
 * alignment or sizes found in the file.
 */
#include "core/elf_load.h"

#include <elf.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "elf_abi.h"
#include "core/layout.h"
#include "net/names.h"

const char *skiff_target_name(uint32_t target)
{
    switch (target) {
    case SKIFF_TARGET_SPT: return "spt";
    case SKIFF_TARGET_HVT: return "hvt";
    default: return "unknown";
    }
}

/* Solo5's words for the same defects (tenders/common/elf.c), which scripts
 * around Solo5 look for; skiff's own explanation follows them. */
#define INV_EXE     "invalid executable"
#define BAD_EHDR    "invalid or unsupported executable (elf header invalid): "
#define NOTE_SIZE   "note does not fall within valid size"
#define MFT_BAD     "Solo5 manifest is invalid: "
#define SEG_OUTSIDE "program memory segment falls outside of valid range"

struct ctx {
    const uint8_t *buf;
    size_t len;
    char *err;
    size_t err_len;
    bool have_abi, have_manifest;
    char version_err[200]; /* an ABI version skiff does not run, reported last */
    struct skiff_image *img;
    /* Solo5 notes, validated after the walk (descriptors point into buf). */
    const uint8_t *solo5_abi, *solo5_mft;
    uint32_t solo5_abi_sz, solo5_mft_sz;
    /* skiff_elf_find_note(): the note looked for. */
    const char *want_owner;
    uint32_t want_type;
    const uint8_t *found;
    uint32_t found_sz;
};

__attribute__((format(printf, 2, 3))) static int fail(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->err_len)
        vsnprintf(c->err, c->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* true if [off, off+n) lies inside the file. */
static bool in_file(const struct ctx *c, uint64_t off, uint64_t n)
{
    return off <= c->len && n <= c->len - off;
}

static bool is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

static int check_manifest(struct ctx *c, const struct skiff_manifest *m)
{
    if (m->version != SKIFF_MANIFEST_VERSION)
        return fail(c,
                    "manifest version %u not supported (this skiff reads "
                    "version %u)",
                    m->version, SKIFF_MANIFEST_VERSION);
    if (m->nic_count > SKIFF_MAX_NICS)
        return fail(c, "manifest declares %u NICs (at most %u)", m->nic_count, SKIFF_MAX_NICS);
    for (uint32_t i = 0; i < m->nic_count; i++) {
        const struct skiff_manifest_nic *n = &m->nics[i];
        if (!skiff_name_valid(n->name, sizeof n->name))
            return fail(c,
                        "manifest NIC %u has an invalid name (need 1-%u "
                        "characters of [A-Za-z0-9_], NUL-terminated)",
                        i, SKIFF_NAME_MAX - 1);
        if (n->flags & ~SKIFF_NIC_F_KNOWN)
            return fail(c,
                        "manifest NIC '%s' sets unknown flags 0x%x (this skiff "
                        "knows 0x%x)",
                        n->name, n->flags & ~SKIFF_NIC_F_KNOWN, SKIFF_NIC_F_KNOWN);
        if (n->reserved)
            return fail(c, "manifest NIC '%s' sets reserved fields", n->name);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(m->nics[j].name, n->name) == 0)
                return fail(c, "manifest names NIC '%s' twice", n->name);
    }
    return 0;
}

static int solo5_note(struct ctx *c, uint32_t type, const uint8_t *desc, uint32_t descsz)
{
    switch (type) {
    case ABI1_NOTE_TYPE:
        if (c->solo5_abi != NULL)
            return fail(c, "more than one Solo5 ABI1 note");
        c->solo5_abi = desc;
        c->solo5_abi_sz = descsz;
        return 0;
    case MFT1_NOTE_TYPE:
        if (c->solo5_mft != NULL)
            return fail(c, "more than one Solo5 MFT1 manifest note");
        c->solo5_mft = desc;
        c->solo5_mft_sz = descsz;
        return 0;
    default: return 0; /* other Solo5 notes (e.g. OpenBSD's) mean nothing here */
    }
}

static int skiff_note(struct ctx *c, uint32_t type, const uint8_t *desc, uint32_t descsz)
{
    switch (type) {
    case SKIFF_NOTE_ABI:
        if (c->have_abi)
            return fail(c, "more than one Skiff ABI note");
        if (descsz != sizeof(struct skiff_abi_note))
            return fail(c, "Skiff ABI note is %u bytes, expected %zu", descsz,
                        sizeof(struct skiff_abi_note));
        memcpy(&c->img->abi, desc, sizeof c->img->abi);
        c->have_abi = true;
        return 0;
    case SKIFF_NOTE_MANIFEST:
        if (c->have_manifest)
            return fail(c, "more than one Skiff manifest note");
        if (descsz != sizeof(struct skiff_manifest))
            return fail(c, "Skiff manifest note is %u bytes, expected %zu", descsz,
                        sizeof(struct skiff_manifest));
        memcpy(&c->img->manifest, desc, sizeof c->img->manifest);
        c->have_manifest = true;
        return check_manifest(c, &c->img->manifest);
    default:
        return fail(c,
                    "unknown Skiff note type 0x%x (image built for a newer "
                    "skiff?)",
                    type);
    }
}

/* Walk the notes of one PT_NOTE segment. */
static int parse_notes(struct ctx *c, uint64_t off, uint64_t size, uint64_t align)
{
    /* ELF64 notes are padded to 4 bytes, or to 8 if the segment says so. */
    uint64_t a = align == 8 ? 8 : 4;
    const uint8_t *p = c->buf + off;
    uint64_t left = size;

    while (left > 0) {
        uint32_t hdr[3];
        if (left < sizeof hdr)
            return fail(c, NOTE_SIZE " (truncated note header in PT_NOTE at offset 0x%llx)",
                        (unsigned long long)off);
        memcpy(hdr, p, sizeof hdr);
        uint64_t namesz = hdr[0], descsz = hdr[1];
        uint64_t name_pad = (namesz + a - 1) & ~(a - 1);
        uint64_t desc_pad = (descsz + a - 1) & ~(a - 1);
        /* sizes are < 2^32, so these sums cannot overflow 64 bits */
        uint64_t total = sizeof hdr + name_pad + desc_pad;
        if (total > left) {
            /* the last note's descriptor may lack its trailing padding */
            if (sizeof hdr + name_pad + descsz > left)
                return fail(c,
                            NOTE_SIZE " (note of name %llu bytes, data %llu bytes runs "
                                      "past its PT_NOTE segment)",
                            (unsigned long long)namesz, (unsigned long long)descsz);
            total = left;
        }
        const uint8_t *name = p + sizeof hdr;
        const uint8_t *desc = name + name_pad;
        if (c->want_owner != NULL) {
            size_t olen = strlen(c->want_owner) + 1;
            if (c->found == NULL && namesz == olen && memcmp(name, c->want_owner, olen) == 0 &&
                hdr[2] == c->want_type) {
                c->found = desc;
                c->found_sz = (uint32_t)descsz;
            }
        } else if (namesz == sizeof SKIFF_NOTE_NAME &&
                   memcmp(name, SKIFF_NOTE_NAME, sizeof SKIFF_NOTE_NAME) == 0) {
            if (skiff_note(c, hdr[2], desc, (uint32_t)descsz) < 0)
                return -1;
        } else if (namesz == sizeof ABI1_NOTE_NAME &&
                   memcmp(name, ABI1_NOTE_NAME, sizeof ABI1_NOTE_NAME) == 0) {
            if (solo5_note(c, hdr[2], desc, (uint32_t)descsz) < 0)
                return -1;
        }
        p += total;
        left -= total;
    }
    return 0;
}

/* Offset of struct mft in the MFT1 descriptor: the 20-byte note header is
 * followed by padding up to the manifest's 8-byte alignment. */
#define MFT1_DESC_PAD    ((uint32_t)(offsetof(struct mft1_note, m) - sizeof(struct mft1_nhdr)))
#define MFT1_ENTRIES_OFF ((uint32_t)offsetof(struct mft, e))
_Static_assert(offsetof(struct mft1_note, m) == 24, "MFT1 layout");

int skiff_mft1_check(const uint8_t *desc, uint32_t descsz, const uint8_t **mft, uint32_t *entries,
                     char *err, size_t err_len)
{
    struct ctx c = { .err = err, .err_len = err_len };
    uint32_t hdr[2];

    if (descsz < MFT1_DESC_PAD + sizeof hdr)
        return fail(&c, NOTE_SIZE " (Solo5 manifest note of %u bytes)", descsz);
    const uint8_t *m = desc + MFT1_DESC_PAD;
    memcpy(hdr, m, sizeof hdr);
    if (hdr[0] != MFT_VERSION)
        return fail(&c, MFT_BAD "version %u not supported (this skiff reads version %u)", hdr[0],
                    MFT_VERSION);
    if (hdr[1] == 0 || hdr[1] > MFT_MAX_ENTRIES)
        return fail(&c, MFT_BAD "has %u entries (1 to %u, the first reserved)", hdr[1],
                    MFT_MAX_ENTRIES);
    if (descsz != MFT1_DESC_PAD + MFT1_ENTRIES_OFF + hdr[1] * (uint32_t)sizeof(struct mft_entry))
        return fail(&c, MFT_BAD "note is %u bytes, not what %u entries take", descsz, hdr[1]);
    for (uint32_t i = 0; i < hdr[1]; i++) {
        struct mft_entry e;
        memcpy(&e, m + MFT1_ENTRIES_OFF + i * sizeof e, sizeof e);
        if (i == 0) {
            if (e.type != MFT_RESERVED_FIRST)
                return fail(&c, MFT_BAD "entry 0 is not the reserved entry");
            continue;
        }
        if (memchr(e.name, '\0', sizeof e.name) == NULL || e.name[0] == '\0')
            return fail(&c, MFT_BAD "entry %u has an empty or unterminated name", i);
        for (const char *q = e.name; *q; q++)
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
                return fail(&c, MFT_BAD "entry %u: name is not alphanumeric", i);
        if (e.type != MFT_DEV_NET_BASIC && e.type != MFT_DEV_BLOCK_BASIC)
            return fail(&c, MFT_BAD "device '%s' has unknown type %u", e.name, (unsigned)e.type);
        for (uint32_t j = 1; j < i; j++) {
            char other[MFT_NAME_SIZE];
            memcpy(other, m + MFT1_ENTRIES_OFF + j * sizeof e, sizeof other);
            if (strcmp(other, e.name) == 0)
                return fail(&c, MFT_BAD "names device '%s' twice", e.name);
        }
    }
    *mft = m;
    *entries = hdr[1];
    return 0;
}

/* "solo5-hvt", "solo5-spt", or both for a caller that runs either. */
static const char *tender_name(uint32_t target)
{
    return target == SKIFF_TARGET_HVT   ? "solo5-hvt"
           : target == SKIFF_TARGET_SPT ? "solo5-spt"
                                        : "solo5-spt or solo5-hvt";
}

/*
 * Turn a Solo5 ABI1 note into the image's ABI (skiff numbering). A version
 * that is not skiff's is written to c->version_err rather than failed at
 * once: the caller reports it together with a manifest defect, if any
 * (Solo5 would report that one for an image of its own version).
 */
static int solo5_abi(struct ctx *c, uint32_t target)
{
    struct abi1_info a;
    if (c->solo5_abi_sz != sizeof a)
        return fail(c, NOTE_SIZE " (Solo5 ABI1 note is %u bytes, expected %zu)", c->solo5_abi_sz,
                    sizeof a);
    memcpy(&a, c->solo5_abi, sizeof a);
    const char *t = a.abi_target == HVT_ABI_TARGET   ? "hvt"
                    : a.abi_target == SPT_ABI_TARGET ? "spt"
                                                     : NULL;
    if (t == NULL)
        return fail(c,
                    "Executable is not for the %s target (it is built for Solo5 target %u, "
                    "not hvt or spt; skiff runs hvt and spt images)",
                    tender_name(target), a.abi_target);
    c->img->abi.target = a.abi_target == HVT_ABI_TARGET ? SKIFF_TARGET_HVT : SKIFF_TARGET_SPT;
    c->img->abi.abi_version = a.abi_version & 0xffffu;
    if ((a.abi_version & 0xffff0000u) != SKIFF_SOLO5_ABI_VERSION_BASE)
        snprintf(c->version_err, sizeof c->version_err,
                 "Executable requests unsupported ABI version %u: it was linked with Solo5's "
                 "own %s bindings, not skiff's (rebuild it with skiff's "
                 "x86_64-solo5-none-static-cc)",
                 a.abi_version, t);
    else if (c->img->abi.abi_version != SKIFF_ABI_VERSION)
        snprintf(c->version_err, sizeof c->version_err,
                 "Executable requests unsupported ABI version %u: skiff ABI version %u, this "
                 "skiff supports version %u (rebuild the image)",
                 a.abi_version, c->img->abi.abi_version, SKIFF_ABI_VERSION);
    return 0;
}

/* The devices of an MFT1 manifest, plus skiff's extras (a Skiff manifest
 * note naming some of its NICs, with their flags). */
static int solo5_devices(struct ctx *c, const struct skiff_manifest *extras_in)
{
    struct skiff_image *img = c->img;
    struct skiff_manifest extras_copy;
    const struct skiff_manifest *extras = NULL;
    if (extras_in != NULL) {
        extras_copy = *extras_in; /* img->manifest is rebuilt below */
        extras = &extras_copy;
    }
    const uint8_t *m;
    uint32_t entries;
    char why[160];

    if (skiff_mft1_check(c->solo5_mft, c->solo5_mft_sz, &m, &entries, why, sizeof why) < 0)
        return fail(c, "%s", why);
    memset(&img->manifest, 0, sizeof img->manifest);
    img->manifest.version = SKIFF_MANIFEST_VERSION;
    for (uint32_t i = 1; i < entries; i++) {
        struct mft_entry e;
        memcpy(&e, m + MFT1_ENTRIES_OFF + i * sizeof e, sizeof e);
        if (e.type == MFT_DEV_BLOCK_BASIC) {
            memcpy(img->block_names[img->block_count], e.name, MFT_NAME_SIZE);
            img->block_handle[img->block_count++] = i;
            continue;
        }
        if (img->manifest.nic_count == SKIFF_MAX_NICS)
            return fail(c, "manifest declares more than %u network devices (skiff's limit)",
                        SKIFF_MAX_NICS);
        if (strlen(e.name) >= SKIFF_NAME_MAX)
            return fail(c, "network device name '%s' is longer than %u characters (skiff's limit)",
                        e.name, SKIFF_NAME_MAX - 1);
        struct skiff_manifest_nic *n = &img->manifest.nics[img->manifest.nic_count];
        memcpy(n->name, e.name, strlen(e.name) + 1);
        img->nic_handle[img->manifest.nic_count++] = i;
    }
    if (extras == NULL)
        return 0;
    for (uint32_t k = 0; k < extras->nic_count; k++) {
        uint32_t j = 0;
        while (j < img->manifest.nic_count &&
               strcmp(img->manifest.nics[j].name, extras->nics[k].name) != 0)
            j++;
        if (j == img->manifest.nic_count)
            return fail(c, "Skiff note sets options for '%s', not a network device of the manifest",
                        extras->nics[k].name);
        img->manifest.nics[j].flags = extras->nics[k].flags;
    }
    return 0;
}

/* PT_INTERP is allowed only with the contents Solo5's bindings give it. */
static int check_interp(struct ctx *c, const Elf64_Phdr *ph)
{
    static const char want[] = SOLO5_INTERP;
    /* The string, with or without its NUL; Solo5's own linker script pads
     * the section to 8 bytes with more NULs. */
    bool ok = in_file(c, ph->p_offset, ph->p_filesz) && ph->p_filesz >= sizeof want - 1 &&
              ph->p_filesz <= 64 && memcmp(c->buf + ph->p_offset, want, sizeof want - 1) == 0;
    for (uint64_t i = sizeof want - 1; ok && i < ph->p_filesz; i++)
        ok = c->buf[ph->p_offset + i] == 0;
    if (!ok)
        return fail(c, "image is dynamically linked (PT_INTERP other than \"%s\"; link it static)",
                    SOLO5_INTERP);
    return 0;
}

static int check_ehdr(struct ctx *c, Elf64_Ehdr *eh)
{
    if (c->len < sizeof *eh)
        return fail(c,
                    INV_EXE ": elf header does not match the expected size (file too short "
                            "for an ELF header: %zu bytes)",
                    c->len);
    memcpy(eh, c->buf, sizeof *eh);
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return fail(c, BAD_EHDR "not an ELF file");
    if (eh->e_ident[EI_CLASS] != ELFCLASS64)
        return fail(c, BAD_EHDR "not a 64-bit ELF file");
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return fail(c, BAD_EHDR "not a little-endian ELF file");
    if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
        return fail(c, BAD_EHDR "unsupported ELF version");
    if (eh->e_machine != EM_X86_64)
        return fail(c, BAD_EHDR "not an x86_64 ELF file (e_machine %u)", eh->e_machine);
    if (eh->e_type != ET_EXEC)
        return fail(c,
                    BAD_EHDR "not a static executable (e_type %u; link with -static "
                             "-no-pie)",
                    eh->e_type);
    if (eh->e_ehsize != sizeof(Elf64_Ehdr))
        return fail(c, BAD_EHDR "bad ELF header size %u", eh->e_ehsize);
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return fail(c, BAD_EHDR "bad program header size %u", eh->e_phentsize);
    if (eh->e_phnum == 0)
        return fail(c, BAD_EHDR "no program headers");
    if (eh->e_phnum > SKIFF_ELF_MAX_PHDRS)
        return fail(c, INV_EXE ": %u program headers (at most %u)", eh->e_phnum,
                    SKIFF_ELF_MAX_PHDRS);
    if (!in_file(c, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
        return fail(c, INV_EXE ": program header does not match the expected size (program "
                               "headers lie outside the file)");
    return 0;
}

static int check_load(struct ctx *c, unsigned i, const Elf64_Phdr *ph)
{
    struct skiff_image *img = c->img;

    if (ph->p_filesz > ph->p_memsz)
        return fail(c,
                    INV_EXE ": phdr[%u] " SEG_OUTSIDE " (segment %u: file size exceeds memory "
                            "size)",
                    i, i);
    if (!in_file(c, ph->p_offset, ph->p_filesz))
        return fail(c,
                    "phdr[%u] host file segment mismatched (segment %u: data lies outside the "
                    "file)",
                    i, i);
    if (ph->p_memsz == 0)
        return 0; /* nothing to load; linkers do emit these occasionally */
    if (ph->p_vaddr < SKIFF_GUEST_LOAD_MIN)
        return fail(c,
                    INV_EXE ": phdr[%u].p_vaddr outside of valid memory range (segment %u: "
                            "address 0x%llx below the load minimum 0x%llx)",
                    i, i, (unsigned long long)ph->p_vaddr, SKIFF_GUEST_LOAD_MIN);
    /* Bounding both keeps every sum below from overflowing; the real limit
     * (guest memory size) is checked once all segments are known. */
    if (ph->p_vaddr >= (1ull << 47) || ph->p_memsz >= (1ull << 47))
        return fail(c,
                    INV_EXE ": phdr[%u] " SEG_OUTSIDE " (segment %u: address or size beyond "
                            "any guest memory)",
                    i, i);
    if (ph->p_align > 1 && (!is_pow2(ph->p_align) || ph->p_align > (1ull << 30) ||
                            ph->p_vaddr % ph->p_align != ph->p_offset % ph->p_align))
        return fail(c, INV_EXE ": phdr[%u]: segment %u: bad alignment 0x%llx", i, i,
                    (unsigned long long)ph->p_align);
    if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
        return fail(c,
                    INV_EXE ": phdr[%u] requests WRITE and EXEC permissions (segment %u is both "
                            "writable and executable)",
                    i, i);
    if (img->seg_count == SKIFF_ELF_MAX_LOAD)
        return fail(c, INV_EXE ": more than %u loadable segments", SKIFF_ELF_MAX_LOAD);

    /* Protections are set per page, so segments may not share one. */
    uint64_t lo = ph->p_vaddr & ~(SKIFF_PAGE_SIZE - 1);
    uint64_t hi = skiff_page_up(ph->p_vaddr + ph->p_memsz);
    for (unsigned j = 0; j < img->seg_count; j++) {
        const struct skiff_elf_segment *s = &img->segs[j];
        uint64_t slo = s->vaddr & ~(SKIFF_PAGE_SIZE - 1);
        uint64_t shi = skiff_page_up(s->vaddr + s->memsz);
        if (lo < shi && slo < hi)
            return fail(c,
                        INV_EXE ": phdr[%u].p_vaddr_start is outside of memory range (segment "
                                "%u overlaps, or shares a page with, the segment at 0x%llx)",
                        i, i, (unsigned long long)s->vaddr);
    }
    struct skiff_elf_segment *s = &img->segs[img->seg_count++];
    s->vaddr = ph->p_vaddr;
    s->memsz = ph->p_memsz;
    s->offset = ph->p_offset;
    s->filesz = ph->p_filesz;
    s->flags = ph->p_flags & (PF_R | PF_W | PF_X);
    if (img->seg_count == 1 || lo < img->lo)
        img->lo = lo;
    if (hi > img->hi)
        img->hi = hi;
    return 0;
}

/* PT_DYNAMIC, or a PT_INTERP other than Solo5's: a host program. */
static int check_static(struct ctx *c, const Elf64_Phdr *ph, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (ph[i].p_type == PT_DYNAMIC)
            return fail(c, "image is dynamically linked (link it static)");
        if (ph[i].p_type == PT_INTERP && check_interp(c, &ph[i]) < 0)
            return -1;
    }
    return 0;
}

/* A manifest defect, with the ABI version defect (if any) after it. */
static int fail_with_version(struct ctx *c)
{
    if (c->version_err[0] && c->err_len) {
        size_t used = strlen(c->err);
        snprintf(c->err + used, c->err_len - used, "; and: %s", c->version_err);
    }
    return -1;
}

/*
 * Defects are reported in the order Solo5's tenders find them (ELF header,
 * ABI note, target, manifest note, manifest; then segments), so a script
 * sees Solo5's words for the defect Solo5 would name. Checks of skiff's own
 * (ABI version family, static linking) come where they cannot hide one of
 * those.
 */
int skiff_elf_parse(const void *buf, size_t len, uint64_t mem_size, uint32_t target,
                    struct skiff_image *img, char *err, size_t err_len)
{
    struct ctx c = { .buf = buf, .len = len, .err = err, .err_len = err_len, .img = img };
    Elf64_Ehdr eh;
    Elf64_Phdr ph[SKIFF_ELF_MAX_PHDRS];

    memset(img, 0, sizeof *img);
    if (err_len)
        err[0] = '\0';
    if (check_ehdr(&c, &eh) < 0)
        return -1;
    memcpy(ph, c.buf + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr));

    /* Notes first: the manifest's NIC count decides how much room the
     * segments may use. */
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_NOTE)
            continue;
        if (!in_file(&c, ph[i].p_offset, ph[i].p_filesz))
            return fail(&c, NOTE_SIZE " (PT_NOTE segment %u lies outside the file)", i);
        if (parse_notes(&c, ph[i].p_offset, ph[i].p_filesz, ph[i].p_align) < 0)
            return -1;
    }
    if (c.solo5_abi != NULL) {
        if (c.have_abi)
            return fail(&c, "both a Solo5 ABI1 note and a Skiff ABI note");
        if (solo5_abi(&c, target) < 0)
            return -1;
        c.have_abi = true;
    } else if (c.have_abi && img->abi.abi_version != SKIFF_ABI_VERSION) {
        snprintf(c.version_err, sizeof c.version_err,
                 "Executable requests unsupported ABI version %u (of skiff's older notes; "
                 "this skiff supports version %u: rebuild the image)",
                 img->abi.abi_version, SKIFF_ABI_VERSION);
    }
    if (!c.have_abi)
        return fail(&c, "No Solo5 ABI information found in executable (not a unikernel image? "
                        "link it with x86_64-solo5-none-static-cc -z solo5-abi=spt|hvt)");
    if (target == SKIFF_TARGET_ANY && img->abi.target != SKIFF_TARGET_SPT &&
        img->abi.target != SKIFF_TARGET_HVT)
        return fail(&c,
                    "Executable is not for the %s target (it is built for unknown target %u; "
                    "this skiff runs spt and hvt images)",
                    tender_name(target), img->abi.target);
    if (target != SKIFF_TARGET_ANY && img->abi.target != target)
        return fail(&c,
                    "Executable is not for the %s target (image is built for target %s, this "
                    "tender runs %s images)",
                    tender_name(target), skiff_target_name(img->abi.target),
                    skiff_target_name(target));
    if (c.solo5_mft != NULL) {
        if (solo5_devices(&c, c.have_manifest ? &c.img->manifest : NULL) < 0)
            return fail_with_version(&c);
        c.have_manifest = true;
        img->solo5_notes = 1;
    } else {
        for (unsigned i = 0; i < img->manifest.nic_count; i++)
            img->nic_handle[i] = i;
    }
    if (!c.have_manifest) {
        fail(&c, "No Solo5 manifest found in executable (generate one with solo5-elftool "
                 "gen-manifest manifest.json manifest.c and link it in)");
        return fail_with_version(&c);
    }
    if (c.version_err[0])
        return fail(&c, "%s", c.version_err);
    if (check_static(&c, ph, eh.e_phnum) < 0)
        return -1;

    for (unsigned i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && check_load(&c, i, &ph[i]) < 0)
            return -1;
    if (img->seg_count == 0)
        return fail(&c, INV_EXE ": no loadable segments");

    uint64_t reserve = skiff_layout_reserve(&img->manifest, NULL);
    if (mem_size < reserve || img->hi > mem_size - reserve)
        return fail(&c,
                    INV_EXE ": " SEG_OUTSIDE " (image needs guest memory up to %llu KiB plus "
                            "%llu KiB for boot info, stack and rings, more than --mem=%llu: "
                            "raise --mem)",
                    (unsigned long long)(img->hi >> 10), (unsigned long long)(reserve >> 10),
                    (unsigned long long)(mem_size >> 20));

    img->entry = eh.e_entry;
    for (unsigned i = 0; i < img->seg_count; i++) {
        const struct skiff_elf_segment *s = &img->segs[i];
        if ((s->flags & SKIFF_SEG_X) && eh.e_entry >= s->vaddr && eh.e_entry - s->vaddr < s->filesz)
            return 0;
    }
    return fail(&c,
                INV_EXE ": e_entry does not fall within the memory allocation range (entry "
                        "point 0x%llx is not inside an executable segment)",
                (unsigned long long)eh.e_entry);
}

int skiff_elf_find_note(const void *buf, size_t len, const char *owner, uint32_t type,
                        const uint8_t **desc, uint32_t *descsz, char *err, size_t err_len)
{
    struct skiff_image scratch;
    struct ctx c = { .buf = buf,
                     .len = len,
                     .err = err,
                     .err_len = err_len,
                     .img = &scratch,
                     .want_owner = owner,
                     .want_type = type };
    Elf64_Ehdr eh;
    Elf64_Phdr ph;

    if (err_len)
        err[0] = '\0';
    if (check_ehdr(&c, &eh) < 0)
        return -1;
    for (unsigned i = 0; i < eh.e_phnum && c.found == NULL; i++) {
        memcpy(&ph, c.buf + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_NOTE)
            continue;
        if (!in_file(&c, ph.p_offset, ph.p_filesz))
            return fail(&c, NOTE_SIZE " (PT_NOTE segment %u lies outside the file)", i);
        if (parse_notes(&c, ph.p_offset, ph.p_filesz, ph.p_align) < 0)
            return -1;
    }
    if (c.found == NULL)
        return fail(&c, "no such note");
    *desc = c.found;
    *descsz = c.found_sz;
    return 0;
}
