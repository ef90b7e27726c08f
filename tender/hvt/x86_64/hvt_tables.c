/*
 * x86_64 hvt descriptor tables and exception stubs (see lowmem.h for the
 * picture): a GDT with user (DPL 3) code and data segments and a TSS, a TSS
 * whose I/O bitmap opens only the hypercall ports and whose IST1 points at
 * the exception stack, an IDT routing every exception to a stub, and the
 * stubs themselves - a few bytes of machine code the tender writes, so any
 * image, whatever its bindings, reports faults the same way.
 */
#include "hvt/x86_64/hvt_x86_64.h"

#include <string.h>

#include "core/guest_mem.h"
#include "hvt/x86_64/lowmem.h"

/* Segment descriptors: base 0, limit 4 GiB, accessed bit preset (the CPU
 * would otherwise set it, writing to a read-only page). */
#define DESC_KERNEL_CODE64 0x00af9b000000ffffull
#define DESC_KERNEL_DATA   0x00cf93000000ffffull
#define DESC_USER_CODE64   0x00affb000000ffffull
#define DESC_USER_DATA     0x00cff3000000ffffull

#define TSS_BYTES      104u
#define TSS_IST1       0x24u /* offset of IST1 in the 64-bit TSS */
#define TSS_RSP0       0x04u
#define TSS_IOMAP_BASE 0x66u
#define TSS_LIMIT      (TSS_BYTES + LOW_IO_BITMAP) /* + the closing 0xff byte, -1 */

#define GATE_INTR_DPL0                                                                             \
    0x8eu /* present, DPL 0 (no "int n" from the guest), 64-bit interrupt gate                     \
           */

#define STUB_SIZE   16u
#define STUB_COMMON (IDT_VECTORS * STUB_SIZE)

_Static_assert(TSS_LIMIT + 1 <= 0x1000 - 0x400, "TSS and I/O bitmap fit the page");
_Static_assert(GDT_ENTRIES * 8 <= 0x100, "GDT fits before the IDT");
_Static_assert(IDT_VECTORS * 16 <= 0x300, "IDT fits before the TSS");
_Static_assert(STUB_COMMON + 16 <= SKIFF_PAGE_SIZE, "stubs fit their page");

static void put(struct skiff_vm *vm, uint64_t gpa, const void *src, size_t len)
{
    memcpy(skiff_gpa_ptr(vm, gpa, len), src, len);
}

static void put64(struct skiff_vm *vm, uint64_t gpa, uint64_t v)
{
    put(vm, gpa, &v, sizeof v);
}

/* Does the CPU push an error code for this exception vector? */
static int has_error_code(unsigned v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

static void write_gdt(struct skiff_vm *vm)
{
    uint64_t gdt[GDT_ENTRIES] = { 0 };
    gdt[SEL_KERNEL_CS >> 3] = DESC_KERNEL_CODE64;
    gdt[SEL_KERNEL_DS >> 3] = DESC_KERNEL_DATA;
    gdt[SEL_USER_DS >> 3] = DESC_USER_DATA;
    gdt[SEL_USER_CS >> 3] = DESC_USER_CODE64;

    /* 64-bit busy TSS (type 0xb), a 16-byte system descriptor. */
    uint64_t base = LOW_TSS_GPA, limit = TSS_LIMIT;
    gdt[SEL_TSS >> 3] = (limit & 0xffffull) | ((base & 0xffffffull) << 16) | (0x8bull << 40) |
                        (((limit >> 16) & 0xfull) << 48) | (((base >> 24) & 0xffull) << 56);
    gdt[(SEL_TSS >> 3) + 1] = base >> 32;
    put(vm, LOW_GDT_GPA, gdt, sizeof gdt);
}

static void write_tss(struct skiff_vm *vm)
{
    uint8_t tss[TSS_LIMIT + 1];
    uint64_t stack_top = LOW_STACK_GPA + SKIFF_PAGE_SIZE;

    memset(tss, 0, sizeof tss);
    memcpy(tss + TSS_RSP0, &stack_top, 8);
    memcpy(tss + TSS_IST1, &stack_top, 8);
    uint16_t iomap = TSS_BYTES;
    memcpy(tss + TSS_IOMAP_BASE, &iomap, 2);

    /* I/O bitmap: a set bit denies the port. Deny all, open our range, and
     * end with the 0xff byte the CPU may read past the last port. */
    memset(tss + TSS_BYTES, 0xff, LOW_IO_BITMAP + 1);
    for (unsigned port = LOW_IO_FIRST; port <= LOW_IO_LAST; port++)
        tss[TSS_BYTES + port / 8] &= (uint8_t) ~(1u << (port % 8));
    put(vm, LOW_TSS_GPA, tss, sizeof tss);
}

static void write_idt(struct skiff_vm *vm)
{
    for (unsigned v = 0; v < IDT_VECTORS; v++) {
        uint64_t off = LOW_STUB_GPA + v * STUB_SIZE;
        uint64_t lo = (off & 0xffffull) | ((uint64_t)SEL_USER_CS << 16) | (1ull << 32) /* IST1 */ |
                      ((uint64_t)GATE_INTR_DPL0 << 40) | (((off >> 16) & 0xffffull) << 48);
        put64(vm, LOW_IDT_GPA + v * 16, lo);
        put64(vm, LOW_IDT_GPA + v * 16 + 8, off >> 32);
    }
}

/*
 * Stub v: [push $0] push $v; jmp common. Common: push %rax; push %rdx;
 * mov %esp,%eax; mov $LOW_FAULT_PORT,%dx; out %eax,(%dx); ud2. The OUT exits to the tender,
 * which reads the frame at %esp and ends the guest; the ud2 is never reached
 * (if it were, it would fault into the stub for #UD again).
 */
static void write_stubs(struct skiff_vm *vm)
{
    uint8_t page[STUB_COMMON + 16];
    memset(page, 0xcc, sizeof page); /* int3 padding */
    for (unsigned v = 0; v < IDT_VECTORS; v++) {
        uint8_t *s = page + v * STUB_SIZE;
        unsigned n = 0;
        if (!has_error_code(v)) {
            s[n++] = 0x6a; /* push $0 */
            s[n++] = 0x00;
        }
        s[n++] = 0x6a; /* push $v */
        s[n++] = (uint8_t)v;
        s[n++] = 0xe9; /* jmp rel32 */
        int32_t rel = (int32_t)(STUB_COMMON - (v * STUB_SIZE + n + 4));
        memcpy(s + n, &rel, 4);
    }
    const uint8_t common[] = {
        0x50,                                                            /* push %rax */
        0x52,                                                            /* push %rdx */
        0x89, 0xe0,                                                      /* mov %esp,%eax */
        0x66, 0xba, LOW_FAULT_PORT & 0xff, (LOW_FAULT_PORT >> 8) & 0xff, /* mov $port,%dx */
        0xef,                                                            /* out %eax,(%dx) */
        0x0f, 0x0b,                                                      /* ud2 */
    };
    memcpy(page + STUB_COMMON, common, sizeof common);
    put(vm, LOW_STUB_GPA, page, sizeof page);
}

void skiff_x86_write_tables(struct skiff_vm *vm)
{
    write_gdt(vm);
    write_idt(vm);
    write_tss(vm);
    write_stubs(vm);
}

void skiff_x86_table_regs(struct kvm_sregs *sr)
{
    sr->gdt.base = LOW_GDT_GPA;
    sr->gdt.limit = GDT_ENTRIES * 8 - 1;
    sr->idt.base = LOW_IDT_GPA;
    sr->idt.limit = IDT_VECTORS * 16 - 1;

    memset(&sr->tr, 0, sizeof sr->tr);
    sr->tr.base = LOW_TSS_GPA;
    sr->tr.limit = TSS_LIMIT;
    sr->tr.selector = SEL_TSS;
    sr->tr.type = 11; /* 64-bit busy TSS */
    sr->tr.present = 1;

    memset(&sr->ldt, 0, sizeof sr->ldt);
    sr->ldt.type = 2;
    sr->ldt.unusable = 1;
}
