/*
 * Validation of untrusted skiff images: ELF64 x86_64 static executables with
 * a Skiff ABI note and a manifest note. Every field is read with memcpy from
 * the byte buffer and bounds-checked with overflow-safe arithmetic; nothing
 * here trusts alignment or sizes found in the file.
 */
#include "elf_load.h"

#include <elf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "names.h"

const char *skiff_target_name(uint32_t target)
{
    switch (target) {
    case SKIFF_TARGET_SPT: return "spt";
    case SKIFF_TARGET_HVT: return "hvt";
    default: return "unknown";
    }
}

struct ctx {
    const uint8_t *buf;
    size_t len;
    char *err;
    size_t err_len;
    bool have_abi, have_manifest;
    struct skiff_image *img;
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
            return fail(c, "truncated note header in PT_NOTE at offset 0x%llx",
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
                            "note (name %llu bytes, data %llu bytes) runs "
                            "past its PT_NOTE segment",
                            (unsigned long long)namesz, (unsigned long long)descsz);
            total = left;
        }
        const uint8_t *name = p + sizeof hdr;
        const uint8_t *desc = name + name_pad;
        if (namesz == sizeof SKIFF_NOTE_NAME &&
            memcmp(name, SKIFF_NOTE_NAME, sizeof SKIFF_NOTE_NAME) == 0) {
            if (skiff_note(c, hdr[2], desc, (uint32_t)descsz) < 0)
                return -1;
        }
        p += total;
        left -= total;
    }
    return 0;
}

static int check_ehdr(struct ctx *c, Elf64_Ehdr *eh)
{
    if (c->len < sizeof *eh)
        return fail(c, "file too short for an ELF header (%zu bytes)", c->len);
    memcpy(eh, c->buf, sizeof *eh);
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return fail(c, "not an ELF file");
    if (eh->e_ident[EI_CLASS] != ELFCLASS64)
        return fail(c, "not a 64-bit ELF file");
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return fail(c, "not a little-endian ELF file");
    if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
        return fail(c, "unsupported ELF version");
    if (eh->e_machine != EM_X86_64)
        return fail(c, "not an x86_64 ELF file (e_machine %u)", eh->e_machine);
    if (eh->e_type != ET_EXEC)
        return fail(c,
                    "not a static executable (e_type %u; link with -static "
                    "-no-pie)",
                    eh->e_type);
    if (eh->e_ehsize != sizeof(Elf64_Ehdr))
        return fail(c, "bad ELF header size %u", eh->e_ehsize);
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return fail(c, "bad program header size %u", eh->e_phentsize);
    if (eh->e_phnum == 0)
        return fail(c, "no program headers");
    if (eh->e_phnum > SKIFF_ELF_MAX_PHDRS)
        return fail(c, "%u program headers (at most %u)", eh->e_phnum, SKIFF_ELF_MAX_PHDRS);
    if (!in_file(c, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
        return fail(c, "program headers lie outside the file");
    return 0;
}

static int check_load(struct ctx *c, unsigned i, const Elf64_Phdr *ph)
{
    struct skiff_image *img = c->img;

    if (ph->p_filesz > ph->p_memsz)
        return fail(c, "segment %u: file size exceeds memory size", i);
    if (!in_file(c, ph->p_offset, ph->p_filesz))
        return fail(c, "segment %u: data lies outside the file", i);
    if (ph->p_memsz == 0)
        return 0; /* nothing to load; linkers do emit these occasionally */
    if (ph->p_vaddr < SKIFF_GUEST_LOAD_MIN)
        return fail(c,
                    "segment %u: address 0x%llx below the load minimum "
                    "0x%llx",
                    i, (unsigned long long)ph->p_vaddr, SKIFF_GUEST_LOAD_MIN);
    /* Bounding both keeps every sum below from overflowing; the real limit
     * (guest memory size) is checked once all segments are known. */
    if (ph->p_vaddr >= (1ull << 47) || ph->p_memsz >= (1ull << 47))
        return fail(c, "segment %u: address or size beyond any guest memory", i);
    if (ph->p_align > 1 && (!is_pow2(ph->p_align) || ph->p_align > (1ull << 30) ||
                            ph->p_vaddr % ph->p_align != ph->p_offset % ph->p_align))
        return fail(c, "segment %u: bad alignment 0x%llx", i, (unsigned long long)ph->p_align);
    if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
        return fail(c, "segment %u is both writable and executable", i);
    if (img->seg_count == SKIFF_ELF_MAX_LOAD)
        return fail(c, "more than %u loadable segments", SKIFF_ELF_MAX_LOAD);

    /* Protections are set per page, so segments may not share one. */
    uint64_t lo = ph->p_vaddr & ~(SKIFF_PAGE_SIZE - 1);
    uint64_t hi = skiff_page_up(ph->p_vaddr + ph->p_memsz);
    for (unsigned j = 0; j < img->seg_count; j++) {
        const struct skiff_elf_segment *s = &img->segs[j];
        uint64_t slo = s->vaddr & ~(SKIFF_PAGE_SIZE - 1);
        uint64_t shi = skiff_page_up(s->vaddr + s->memsz);
        if (lo < shi && slo < hi)
            return fail(c,
                        "segment %u overlaps (or shares a page with) "
                        "segment at 0x%llx",
                        i, (unsigned long long)s->vaddr);
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
        if (ph[i].p_type == PT_INTERP || ph[i].p_type == PT_DYNAMIC)
            return fail(&c, "image is dynamically linked (link it static)");
        if (ph[i].p_type != PT_NOTE)
            continue;
        if (!in_file(&c, ph[i].p_offset, ph[i].p_filesz))
            return fail(&c, "PT_NOTE segment %u lies outside the file", i);
        if (parse_notes(&c, ph[i].p_offset, ph[i].p_filesz, ph[i].p_align) < 0)
            return -1;
    }
    if (!c.have_abi)
        return fail(&c, "no Skiff ABI note (not a skiff image? build it with "
                        "skiff_add_guest)");
    if (img->abi.abi_version != SKIFF_ABI_VERSION)
        return fail(&c,
                    "image uses skiff ABI version %u, this skiff supports "
                    "version %u (rebuild the image)",
                    img->abi.abi_version, SKIFF_ABI_VERSION);
    if (target == SKIFF_TARGET_ANY && img->abi.target != SKIFF_TARGET_SPT &&
        img->abi.target != SKIFF_TARGET_HVT)
        return fail(&c,
                    "image is built for unknown target %u (this skiff "
                    "runs spt and hvt images)",
                    img->abi.target);
    if (target != SKIFF_TARGET_ANY && img->abi.target != target)
        return fail(&c,
                    "image is built for target %s (%u), this tender runs "
                    "%s images",
                    skiff_target_name(img->abi.target), img->abi.target, skiff_target_name(target));
    if (!c.have_manifest)
        return fail(&c, "no Skiff manifest note (build the image with "
                        "skiff_add_guest)");

    for (unsigned i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && check_load(&c, i, &ph[i]) < 0)
            return -1;
    if (img->seg_count == 0)
        return fail(&c, "no loadable segments");

    uint64_t reserve = skiff_layout_reserve(&img->manifest, NULL);
    if (mem_size < reserve || img->hi > mem_size - reserve)
        return fail(&c,
                    "image needs guest memory up to %llu KiB plus %llu KiB "
                    "for boot info, stack and rings, more than --mem=%llu "
                    "(raise --mem)",
                    (unsigned long long)(img->hi >> 10), (unsigned long long)(reserve >> 10),
                    (unsigned long long)(mem_size >> 20));

    img->entry = eh.e_entry;
    for (unsigned i = 0; i < img->seg_count; i++) {
        const struct skiff_elf_segment *s = &img->segs[i];
        if ((s->flags & SKIFF_SEG_X) && eh.e_entry >= s->vaddr && eh.e_entry - s->vaddr < s->filesz)
            return 0;
    }
    return fail(&c, "entry point 0x%llx is not inside an executable segment",
                (unsigned long long)eh.e_entry);
}
