/*
 * What kind of KVM this host offers, for --version, --check and --stats.
 * Hardware KVM needs VT-x (vmx) or AMD-V (svm), which the CPUID of the
 * host's own CPU shows; a /dev/kvm without either is a software KVM, and
 * PVM (the one cloud VMs offer) is recognised by its module. Cheap: one
 * CPUID pair and one stat(2), no VM created.
 */
#include "hvt/hvt_host.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#define KVM_DEV        "/dev/kvm"
#define PVM_MODULE_DIR "/sys/module/kvm_pvm"

static bool cpu_has_vmx(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 5));
}

static bool cpu_has_svm(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 2));
}

void skiff_kvm_host_probe(struct skiff_kvm_host *h)
{
    struct stat st;
    h->present = stat(KVM_DEV, &st) == 0 && S_ISCHR(st.st_mode);
    h->open_errno = 0;
    if (h->present) {
        int fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
        if (fd < 0)
            h->open_errno = errno;
        else
            close(fd);
    }
    if (!h->present)
        h->kind = SKIFF_KVM_NONE;
    else if (cpu_has_vmx())
        h->kind = SKIFF_KVM_HW_VMX;
    else if (cpu_has_svm())
        h->kind = SKIFF_KVM_HW_SVM;
    else if (stat(PVM_MODULE_DIR, &st) == 0)
        h->kind = SKIFF_KVM_PVM;
    else
        h->kind = SKIFF_KVM_SOFTWARE;
}

const char *skiff_kvm_kind_id(enum skiff_kvm_kind k)
{
    switch (k) {
    case SKIFF_KVM_HW_VMX: return "kvm-vmx";
    case SKIFF_KVM_HW_SVM: return "kvm-svm";
    case SKIFF_KVM_PVM: return "pvm";
    case SKIFF_KVM_SOFTWARE: return "kvm-software";
    case SKIFF_KVM_NONE: break;
    }
    return "none";
}

const char *skiff_kvm_kind_text(enum skiff_kvm_kind k)
{
    switch (k) {
    case SKIFF_KVM_HW_VMX: return "hardware KVM (Intel VT-x)";
    case SKIFF_KVM_HW_SVM: return "hardware KVM (AMD-V)";
    case SKIFF_KVM_PVM: return "PVM (software KVM without VT-x/AMD-V, as in cloud VMs)";
    case SKIFF_KVM_SOFTWARE: return "a KVM without VT-x/AMD-V of an unknown kind";
    case SKIFF_KVM_NONE: break;
    }
    return "no KVM";
}
