/*
 * x86_64 hvt exits: hypercalls are 32-bit OUTs to SKIFF_HVT_PIO_BASE + nr
 * carrying the gpa of the argument block; kicks are OUTs of the NIC index to
 * SKIFF_HVT_PIO_KICK, absorbed by an ioeventfd per NIC (datamatch on the
 * index) so they never reach user space. Everything else is fatal.
 */
#include "hvt/hvt_arch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sys/ioctl.h>

#include "hvt/x86_64/hvt_x86_64.h"
#include "hvt/x86_64/lowmem.h"
#include "skiff/abi.h"

int skiff_hvt_arch_kick_bind(int vm_fd, unsigned nic, int fd)
{
    struct kvm_ioeventfd io;
    memset(&io, 0, sizeof io);
    io.datamatch = nic;
    io.addr = SKIFF_HVT_PIO_KICK;
    io.len = 4;
    io.fd = fd;
    io.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH;
    return ioctl(vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

static void fatal(struct hvt_exit *out, const char *what)
{
    out->kind = HVT_EXIT_FATAL;
    snprintf(out->msg, sizeof out->msg, "%s", what);
}

static void decode_io(const struct kvm_run *run, size_t run_size, struct hvt_exit *out)
{
    unsigned port = run->io.port, size = run->io.size;
    bool out_dir = run->io.direction == KVM_EXIT_IO_OUT;
    uint64_t off = run->io.data_offset;

    if (out_dir && size == 4 && run->io.count == 1 && off <= run_size - 4 &&
        port > SKIFF_HVT_PIO_BASE && port < SKIFF_HVT_PIO_BASE + SKIFF_HC_MAX) {
        uint32_t v;
        memcpy(&v, (const uint8_t *)run + off, sizeof v);
        out->kind = HVT_EXIT_HYPERCALL;
        out->nr = port - SKIFF_HVT_PIO_BASE;
        out->arg = v;
        return;
    }
    if (out_dir && size == 4 && run->io.count == 1 && off <= run_size - 4 &&
        port == LOW_FAULT_PORT) {
        uint32_t v;
        memcpy(&v, (const uint8_t *)run + off, sizeof v);
        out->kind = HVT_EXIT_FAULT;
        out->arg = v;
        return;
    }
    /* Solo5's words: its hvt refuses any port but its hypercalls' too. */
    out->kind = HVT_EXIT_FATAL;
    if (out_dir && port == SKIFF_HVT_PIO_KICK && size == 4 && off <= run_size - 4) {
        uint32_t v;
        memcpy(&v, (const uint8_t *)run + off, sizeof v);
        snprintf(out->msg, sizeof out->msg,
                 "Invalid guest port access: port=0x%x (guest kicked unknown NIC %u)", port, v);
        return;
    }
    snprintf(out->msg, sizeof out->msg,
             "Invalid guest port access: port=0x%x (guest port I/O: %s of %u byte(s) at "
             "unknown port 0x%x)",
             port, out_dir ? "out" : "in", size, port);
}

void skiff_hvt_arch_decode(const struct kvm_run *run, size_t run_size, struct hvt_exit *out)
{
    memset(out, 0, sizeof *out);
    switch (run->exit_reason) {
    case KVM_EXIT_IO: decode_io(run, run_size, out); return;
    case KVM_EXIT_HLT:
        /* Cannot happen at CPL 3 (hlt faults), but say what it was. */
        fatal(out, "KVM: unhandled exit: exit_reason=0x5 (guest halted the CPU: hlt)");
        return;
    case KVM_EXIT_SHUTDOWN:
        /* The exception stubs report faults; a shutdown means even that
         * failed (e.g. a fault while delivering one). */
        fatal(out, "KVM: unhandled exit: exit_reason=0x8 (guest triple fault, VM shutdown: an "
                   "exception the guest's exception stubs could not report)");
        out->regs_lost = true; /* KVM has reset the vCPU by now */
        return;
    case KVM_EXIT_MMIO:
        out->kind = HVT_EXIT_FATAL;
        snprintf(out->msg, sizeof out->msg,
                 "KVM: unhandled exit: exit_reason=0x%x (guest MMIO %s at 0x%llx, outside "
                 "guest memory)",
                 run->exit_reason, run->mmio.is_write ? "write" : "read",
                 (unsigned long long)run->mmio.phys_addr);
        return;
    case KVM_EXIT_FAIL_ENTRY:
        out->kind = HVT_EXIT_FATAL;
        snprintf(out->msg, sizeof out->msg,
                 "KVM: entry failure: hw_entry_failure_reason=0x%llx (VM entry failed)",
                 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        return;
    case KVM_EXIT_INTERNAL_ERROR:
        out->kind = HVT_EXIT_FATAL;
        if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
            snprintf(out->msg, sizeof out->msg,
                     "KVM: internal error exit: suberror=0x1 (KVM could not emulate a guest "
                     "instruction: one KVM's emulator lacks)");
        else
            snprintf(out->msg, sizeof out->msg, "KVM: internal error exit: suberror=0x%x",
                     run->internal.suberror);
        return;
    default:
        out->kind = HVT_EXIT_FATAL;
        snprintf(out->msg, sizeof out->msg, "KVM: unhandled exit: exit_reason=0x%x",
                 run->exit_reason);
        return;
    }
}

int skiff_hvt_arch_fault(const struct skiff_vm *vm, int vcpu_fd, uint64_t arg, char *out,
                         size_t len)
{
    struct kvm_sregs sr;
    uint64_t cr2 = 0;
    if (ioctl(vcpu_fd, KVM_GET_SREGS, &sr) == 0)
        cr2 = sr.cr2;
    return skiff_x86_describe_fault(vm, arg, cr2, out, len);
}

int skiff_hvt_arch_set_tls(int vcpu_fd, uint64_t base)
{
    union {
        struct kvm_msrs msrs; /* header + one entry */
        uint8_t raw[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
    } m;
    memset(&m, 0, sizeof m);
    m.msrs.nmsrs = 1;
    m.msrs.entries[0].index = 0xc0000100u; /* MSR_FS_BASE */
    m.msrs.entries[0].data = base;
    int r = ioctl(vcpu_fd, KVM_SET_MSRS, &m.msrs);
    return r == 1 ? 0 : (r < 0 ? -errno : -EINVAL);
}
