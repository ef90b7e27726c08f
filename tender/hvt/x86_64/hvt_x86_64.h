/*
 * Internals of the x86_64 hvt code, shared by its files: the CPU start state
 * (hvt_cpu.c), page tables (hvt_paging.c), descriptor tables and exception
 * stubs (hvt_tables.c), and exit decoding (hvt_exit.c, hvt_fault.c).
 */
#ifndef SKIFF_HVT_X86_64_H
#define SKIFF_HVT_X86_64_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "core/vm.h"

/* Format a one-line error into err (len bytes) and return -1: the set-up
 * functions' way to fail. */
__attribute__((format(printf, 3, 4))) int skiff_x86_fail(char *err, size_t len, const char *fmt,
                                                         ...);

/* Identity-map guest memory for a CPL 3 guest. 0, or -1 with err set. */
int skiff_x86_build_page_tables(struct skiff_vm *vm, char *err, size_t err_len);

/* Write GDT, IDT, TSS and exception stubs into low guest memory, and point
 * the descriptor-table registers in sr at them. */
void skiff_x86_write_tables(struct skiff_vm *vm);
void skiff_x86_table_regs(struct kvm_sregs *sr);

/*
 * Describe the fault a stub reported (frame at gpa `frame`) in one line:
 * the exception, where, and what it most likely means (a privileged
 * instruction, a write to code, a null pointer...). cr2 is the vCPU's CR2
 * (the faulting address of a page fault). Returns the exit status (see
 * skiff_hvt_arch_fault()).
 */
int skiff_x86_describe_fault(const struct skiff_vm *vm, uint64_t frame, uint64_t cr2, char *out,
                             size_t len);

#endif /* SKIFF_HVT_X86_64_H */
