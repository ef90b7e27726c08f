/*
 * What the hvt backend needs from the CPU architecture: putting a fresh vCPU
 * in the state the guest entry expects, the guest's counter frequency,
 * binding the kick doorbell to an eventfd, telling hypercalls apart from
 * other exits, describing guest faults and setting the TLS base. x86_64/
 * implements it with port I/O; another architecture provides the same
 * functions.
 */
#ifndef SKIFF_HVT_ARCH_H
#define SKIFF_HVT_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "core/vm.h"

/*
 * Write the boot structures (page tables, descriptor tables) into guest
 * memory below SKIFF_GUEST_LOAD_MIN and set the vCPU's registers so it
 * starts at the image entry with the boot info gpa as first argument.
 * Returns 0, or -1 with a one-line reason in err.
 */
int skiff_hvt_arch_vcpu_init(struct skiff_vm *vm, int kvm_fd, int vcpu_fd, char *err,
                             size_t err_len);

/* The guest's time-stamp counter rate in Hz (never 0). */
uint64_t skiff_hvt_arch_tsc_hz(int vcpu_fd);

/* Make a kick for NIC `nic` signal eventfd `fd` without leaving the kernel.
 * Returns 0 or -errno. */
int skiff_hvt_arch_kick_bind(int vm_fd, unsigned nic, int fd);

/* One exit to user space, classified. */
struct hvt_exit {
    enum {
        HVT_EXIT_HYPERCALL, /* nr, arg */
        HVT_EXIT_FAULT,     /* a guest exception: arg = where the report is */
        HVT_EXIT_FATAL,     /* anything else: msg says what */
    } kind;
    unsigned nr;
    uint64_t arg;
    bool regs_lost; /* FATAL: the vCPU was reset, its registers mean nothing */
    char msg[200];
};

/* Classify the exit described by run (run_size bytes, from KVM). */
void skiff_hvt_arch_decode(const struct kvm_run *run, size_t run_size, struct hvt_exit *out);

/* One line describing a HVT_EXIT_FAULT (report at gpa arg), for the error.
 * Returns the tender's exit status for it, Solo5's hvt's for the same
 * event: 1 where Solo5's tender itself stops the guest (a write to the
 * image's code or read-only data: "host/guest translation fault"; port I/O
 * outside the hypercall ports: "Invalid guest port access"), 255 for the
 * faults Solo5's guest reports itself ("ABORT"). */
int skiff_hvt_arch_fault(const struct skiff_vm *vm, int vcpu_fd, uint64_t arg, char *out,
                         size_t len);

/* Set the guest's TLS base (x86_64: FS base) from the vCPU thread. 0 or
 * -errno. */
int skiff_hvt_arch_set_tls(int vcpu_fd, uint64_t base);

#endif /* SKIFF_HVT_ARCH_H */
