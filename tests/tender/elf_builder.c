/* Crafted test images for the loader tests (see elf_builder.h). */
#include "elf_builder.h"

#include <assert.h>
#include <string.h>

void tb_default_manifest(struct skiff_manifest *m)
{
    memset(m, 0, sizeof *m);
    m->version = SKIFF_MANIFEST_VERSION;
    m->nic_count = 2;
    strcpy(m->nics[0].name, "wan");
    strcpy(m->nics[1].name, "lan");
}

void tb_clear_notes(struct test_image *t)
{
    t->notes_len = 0;
    t->ph[TB_PH_NOTE].p_filesz = 0;
}

void tb_add_note(struct test_image *t, const char *name, uint32_t namesz, uint32_t type,
                 const void *desc, uint32_t descsz)
{
    uint32_t hdr[3] = { namesz, descsz, type };
    size_t name_pad = (namesz + 3u) & ~3u, desc_pad = (descsz + 3u) & ~3u;
    assert(t->notes_len + sizeof hdr + name_pad + desc_pad <= sizeof t->notes);
    uint8_t *p = t->notes + t->notes_len;
    memcpy(p, hdr, sizeof hdr);
    memset(p + sizeof hdr, 0, name_pad + desc_pad);
    memcpy(p + sizeof hdr, name, namesz);
    if (descsz)
        memcpy(p + sizeof hdr + name_pad, desc, descsz);
    t->notes_len += sizeof hdr + name_pad + desc_pad;
    t->ph[TB_PH_NOTE].p_filesz = t->notes_len;
    t->ph[TB_PH_NOTE].p_memsz = t->notes_len;
}

void tb_add_abi(struct test_image *t, uint32_t target, uint32_t version)
{
    struct skiff_abi_note n = { .target = target, .abi_version = version };
    tb_add_note(t, SKIFF_NOTE_NAME, sizeof SKIFF_NOTE_NAME, SKIFF_NOTE_ABI, &n, sizeof n);
}

void tb_add_manifest(struct test_image *t, const struct skiff_manifest *m)
{
    tb_add_note(t, SKIFF_NOTE_NAME, sizeof SKIFF_NOTE_NAME, SKIFF_NOTE_MANIFEST, m, sizeof *m);
}

static Elf64_Phdr load(uint64_t off, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                       uint32_t flags)
{
    Elf64_Phdr p = {
        .p_type = PT_LOAD,
        .p_flags = flags,
        .p_offset = off,
        .p_vaddr = vaddr,
        .p_paddr = vaddr,
        .p_filesz = filesz,
        .p_memsz = memsz,
        .p_align = 0x1000,
    };
    return p;
}

void tb_init(struct test_image *t)
{
    memset(t, 0, sizeof *t);
    Elf64_Ehdr *e = &t->eh;
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_EXEC;
    e->e_machine = EM_X86_64;
    e->e_version = EV_CURRENT;
    e->e_entry = TB_TEXT_VADDR + 4;
    e->e_phoff = sizeof(Elf64_Ehdr);
    e->e_ehsize = sizeof(Elf64_Ehdr);
    e->e_phentsize = sizeof(Elf64_Phdr);
    e->e_phnum = TB_PH_DEFAULT_COUNT;
    t->phnum = TB_PH_DEFAULT_COUNT;

    t->ph[TB_PH_TEXT] = load(TB_TEXT_OFF, TB_TEXT_VADDR, 0x20, 0x20, PF_R | PF_X);
    t->ph[TB_PH_DATA] = load(TB_DATA_OFF, TB_DATA_VADDR, 0x10, 0x2000, PF_R | PF_W);
    t->ph[TB_PH_NOTE] =
        (Elf64_Phdr){ .p_type = PT_NOTE, .p_flags = PF_R, .p_offset = TB_NOTE_OFF, .p_align = 4 };
    struct skiff_manifest m;
    tb_default_manifest(&m);
    tb_add_abi(t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION);
    tb_add_manifest(t, &m);
    t->file_len = TB_FILE_SIZE;
}

size_t tb_write(const struct test_image *t, uint8_t *buf)
{
    memset(buf, 0, TB_FILE_SIZE);
    memcpy(buf, &t->eh, sizeof t->eh);
    size_t ph_bytes = t->phnum * sizeof(Elf64_Phdr);
    assert(sizeof t->eh + ph_bytes <= TB_TEXT_OFF);
    memcpy(buf + sizeof t->eh, t->ph, ph_bytes);
    memset(buf + TB_TEXT_OFF, 0x90, 0x20); /* nops */
    memcpy(buf + TB_NOTE_OFF, t->notes, t->notes_len);
    memset(buf + TB_DATA_OFF, 0xaa, 0x10);
    return t->file_len;
}
