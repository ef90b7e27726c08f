/*
 * vDSO symbol lookup for the spt loader: read AT_SYSINFO_EHDR from the
 * auxiliary vector, then walk the vDSO image's dynamic symbol table (its
 * DT_HASH chain count bounds the table). The image is the kernel's, mapped
 * into this process at exec; it is trusted as the kernel is, but every
 * count is still capped so a malformed image cannot make the loader run
 * away. Anything unexpected means "no vDSO": the guest then keeps using
 * the clock_gettime system call.
 */
#include <linux/auxvec.h>
#include <linux/elf.h>

#include "vdso.h"

#define MAX_PHDRS 32u
#define MAX_DYN   256u
#define MAX_SYMS  4096u

static int same(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static const Elf64_Ehdr *find_vdso(const uint64_t *sp)
{
    uint64_t argc = sp[0];
    const uint64_t *p = sp + 1 + argc + 1; /* past argv and its NULL */
    while (*p != 0)                        /* environment */
        p++;
    for (p++; p[0] != AT_NULL; p += 2)
        if (p[0] == AT_SYSINFO_EHDR)
            return (const Elf64_Ehdr *)(uintptr_t)p[1];
    return 0;
}

uint64_t skiff_vdso_lookup(const uint64_t *sp, const char *name)
{
    const Elf64_Ehdr *eh = find_vdso(sp);
    if (eh == 0 || eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 ||
        eh->e_ident[EI_MAG2] != ELFMAG2 || eh->e_ident[EI_MAG3] != ELFMAG3 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_phnum > MAX_PHDRS)
        return 0;
    uintptr_t base = (uintptr_t)eh;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);

    /* The load bias: where the segment at file offset 0 landed minus the
     * address it was linked at. */
    uintptr_t bias = 0;
    const Elf64_Dyn *dyn = 0;
    int have_load = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !have_load) {
            bias = base + ph[i].p_offset - ph[i].p_vaddr;
            have_load = 1;
        } else if (ph[i].p_type == PT_DYNAMIC) {
            dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
        }
    }
    if (!have_load || dyn == 0)
        return 0;

    const Elf64_Sym *sym = 0;
    const char *str = 0;
    const Elf32_Word *hash = 0;
    for (unsigned i = 0; i < MAX_DYN && dyn[i].d_tag != DT_NULL; i++) {
        uintptr_t v = bias + dyn[i].d_un.d_ptr;
        switch (dyn[i].d_tag) {
        case DT_SYMTAB: sym = (const Elf64_Sym *)v; break;
        case DT_STRTAB: str = (const char *)v; break;
        case DT_HASH: hash = (const Elf32_Word *)v; break;
        default: break;
        }
    }
    if (sym == 0 || str == 0 || hash == 0)
        return 0;
    uint32_t nsyms = hash[1]; /* nchain: one entry per symbol */
    if (nsyms > MAX_SYMS)
        nsyms = MAX_SYMS;
    for (uint32_t i = 0; i < nsyms; i++) {
        const Elf64_Sym *s = &sym[i];
        if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF || s->st_value == 0)
            continue;
        if (ELF64_ST_BIND(s->st_info) != STB_GLOBAL && ELF64_ST_BIND(s->st_info) != STB_WEAK)
            continue;
        if (same(str + s->st_name, name))
            return (uint64_t)(bias + s->st_value);
    }
    return 0;
}
