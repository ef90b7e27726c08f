/*
 * The host's KVM: none, hardware KVM, or a software KVM such as PVM. hvt
 * guests run the same way on all of them (at CPL 3, see
 * hvt/x86_64/lowmem.h); users and benchmarks still want to know which, since
 * an exit costs far more on PVM (docs/analysis/hvt-exits.md).
 */
#ifndef SKIFF_HVT_HOST_H
#define SKIFF_HVT_HOST_H

#include <stdbool.h>

enum skiff_kvm_kind {
    SKIFF_KVM_NONE,     /* no /dev/kvm */
    SKIFF_KVM_HW_VMX,   /* hardware: Intel VT-x */
    SKIFF_KVM_HW_SVM,   /* hardware: AMD-V */
    SKIFF_KVM_PVM,      /* PVM: page-table based, no VT-x/AMD-V */
    SKIFF_KVM_SOFTWARE, /* /dev/kvm without VT-x/AMD-V, not PVM */
};

struct skiff_kvm_host {
    enum skiff_kvm_kind kind;
    bool present;   /* /dev/kvm exists */
    int open_errno; /* 0 if this process can open it */
};

void skiff_kvm_host_probe(struct skiff_kvm_host *h);

/* Short id ("pvm", "kvm-vmx", ...: for JSON) and a phrase for people. */
const char *skiff_kvm_kind_id(enum skiff_kvm_kind k);
const char *skiff_kvm_kind_text(enum skiff_kvm_kind k);

#endif /* SKIFF_HVT_HOST_H */
