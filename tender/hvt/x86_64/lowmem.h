/*
 * x86_64 hvt low memory: where the tender puts the guest's boot structures
 * below SKIFF_GUEST_LOAD_MIN, and the guest CPU state that goes with them.
 *
 * The guest runs at CPL 3 (user mode) in its own VM. That is the only
 * privilege level PVM (software KVM) runs natively; hardware KVM runs it just
 * as well, so there is one mode for every host. Consequences, all handled
 * here: code and data segments are DPL 3; every page the guest may touch has
 * the U bit at every level of the page tables; port I/O is allowed by
 * RFLAGS.IOPL = 3 where the host keeps it (hardware KVM) and by the TSS
 * I/O-permission bitmap, which opens the hypercall ports only, where it
 * does not (PVM clears IOPL);
 * exceptions go through an IDT to tender-provided stubs that run at CPL 3 on
 * a stack of their own (IST1) and report the fault on a port, so a fault is
 * a one-line error instead of a triple fault with the registers lost.
 *
 * Pages (gpa):
 *   0x1000  GDT, IDT and TSS (+ I/O bitmap)   supervisor, read-only, NX
 *   0x2000  exception stubs                   user, read-only, executable
 *   0x3000  exception stack (IST1)            user, read-write, NX
 *   0x4000  PML4, then PDPT, PDs and PTs      not mapped
 * Everything else below SKIFF_GUEST_LOAD_MIN is unmapped, so null pointers
 * fault and the guest cannot rewrite its own page tables or descriptors.
 */
#ifndef SKIFF_HVT_X86_64_LOWMEM_H
#define SKIFF_HVT_X86_64_LOWMEM_H

#include <stdint.h>

#include "skiff/abi.h"

#define LOW_DESC_GPA  0x1000ull /* GDT at +0, IDT at +0x100, TSS at +0x400 */
#define LOW_STUB_GPA  0x2000ull
#define LOW_STACK_GPA 0x3000ull
#define LOW_PML4_GPA  0x4000ull
#define LOW_PDPT_GPA  0x5000ull
#define LOW_PD_GPA    0x6000ull /* one page directory per GiB */
#define LOW_PD_MAX    4u        /* --mem is at most 4 GiB */
#define LOW_PT_GPA    (LOW_PD_GPA + LOW_PD_MAX * SKIFF_PAGE_SIZE)
#define LOW_PT_MAX    ((SKIFF_GUEST_LOAD_MIN - LOW_PT_GPA) / SKIFF_PAGE_SIZE)

#define LOW_GDT_GPA (LOW_DESC_GPA + 0x000)
#define LOW_IDT_GPA (LOW_DESC_GPA + 0x100)
#define LOW_TSS_GPA (LOW_DESC_GPA + 0x400)

/* Selectors, laid out as Linux does (PVM expects its user selectors). */
#define SEL_KERNEL_CS 0x10u
#define SEL_KERNEL_DS 0x18u
#define SEL_USER_DS   0x2bu /* GDT entry 5, RPL 3 */
#define SEL_USER_CS   0x33u /* GDT entry 6, RPL 3 */
#define SEL_TSS       0x40u /* GDT entries 8-9 */
#define GDT_ENTRIES   10u

#define IDT_VECTORS 32u /* exceptions only: no interrupt ever arrives */

/* Fault reports: the stub for vector v pushes an error code (0 where the
 * CPU pushes none), v, and the rax and rdx it is about to use, then OUTs the
 * stack pointer - the gpa of the frame below - to this port. Not a
 * hypercall: never part of the guest ABI. */
#define LOW_FAULT_PORT 0x4feu

struct low_fault_frame {
    uint64_t rdx, rax;                 /* the guest's, at the fault */
    uint64_t vector, error_code;       /* pushed by the stub */
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct low_fault_frame) == 72, "fault frame");

/* Ports the guest may use: the fault port, the kick port and every
 * hypercall port (SKIFF_HVT_PIO_BASE + 0 .. SKIFF_HC_PORTS - 1). */
#define LOW_IO_FIRST  LOW_FAULT_PORT
#define LOW_IO_LAST   (SKIFF_HVT_PIO_BASE + SKIFF_HC_PORTS - 1u)
#define LOW_IO_BITMAP ((LOW_IO_LAST / 8u) + 1u) /* bytes; then a 0xff byte */

#endif /* SKIFF_HVT_X86_64_LOWMEM_H */
