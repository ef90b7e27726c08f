/*
 * x86_64 vCPU start state for hvt: the tender enters 64-bit long mode at
 * CPL 3 itself, so the guest image needs no boot code. The boot structures
 * (page tables, descriptor tables, exception stubs) live in the reserved
 * memory below SKIFF_GUEST_LOAD_MIN; lowmem.h has the picture and says why
 * CPL 3. Also: the guest's TSC rate.
 */
#include "hvt/hvt_arch.h"
#include "hvt/x86_64/hvt_x86_64.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/ioctl.h>

#include "core/guest_mem.h"
#include "core/layout.h"
#include "hvt/x86_64/lowmem.h"

#define CR0_PE         (1ull << 0)
#define CR0_MP         (1ull << 1)
#define CR0_ET         (1ull << 4)
#define CR0_NE         (1ull << 5)
#define CR0_WP         (1ull << 16)
#define CR0_PG         (1ull << 31)
#define CR4_PAE        (1ull << 5)
#define CR4_OSFXSR     (1ull << 9) /* SSE instructions allowed */
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_FSGSBASE   (1ull << 16) /* wrfsbase at CPL 3: TLS without an exit */
#define EFER_LME       (1ull << 8)
#define EFER_LMA       (1ull << 10)
#define EFER_NXE       (1ull << 11)

#define CPUID7_EBX_FSGSBASE (1u << 0)

#define TSC_CALIBRATE_NS 20000000ull

int skiff_x86_fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
    memset(s, 0, sizeof *s);
    s->base = 0;
    s->limit = 0xffffffff;
    s->selector = sel;
    s->type = type;
    s->present = 1;
    s->dpl = 3; /* the guest runs at CPL 3: see lowmem.h */
    s->s = 1;
    s->g = 1;
    s->l = code;   /* 64-bit code segment */
    s->db = !code; /* must be 0 when l is set */
}

static int set_sregs(struct skiff_vm *vm, int vcpu_fd, bool fsgsbase, char *err, size_t err_len)
{
    struct kvm_sregs sr;
    if (ioctl(vcpu_fd, KVM_GET_SREGS, &sr) < 0)
        return skiff_x86_fail(err, err_len, "KVM_GET_SREGS: %s", strerror(errno));

    skiff_x86_write_tables(vm);
    skiff_x86_table_regs(&sr);
    flat_segment(&sr.cs, SEL_USER_CS, 11, true); /* execute/read, accessed */
    flat_segment(&sr.ds, SEL_USER_DS, 3, false); /* read/write, accessed */
    sr.es = sr.fs = sr.gs = sr.ss = sr.ds;

    sr.cr3 = LOW_PML4_GPA;
    sr.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | (fsgsbase ? CR4_FSGSBASE : 0);
    sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG; /* EM clear */
    sr.efer = EFER_LME | EFER_LMA | EFER_NXE;
    if (ioctl(vcpu_fd, KVM_SET_SREGS, &sr) < 0)
        return skiff_x86_fail(err, err_len, "KVM_SET_SREGS: %s", strerror(errno));
    return 0;
}

/* Hand the vCPU every CPUID leaf KVM supports (the guest probes nothing
 * beyond SSE2, but a truthful CPUID costs nothing). Reports whether the
 * guest may have FSGSBASE. */
static int set_cpuid(int kvm_fd, int vcpu_fd, bool *fsgsbase, char *err, size_t err_len)
{
    *fsgsbase = false;
    for (unsigned n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c + n * sizeof c->entries[0]);
        if (!c)
            return skiff_x86_fail(err, err_len, "out of memory");
        c->nent = n;
        if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
            int e = errno;
            free(c);
            if (e == E2BIG)
                continue;
            return skiff_x86_fail(err, err_len, "KVM_GET_SUPPORTED_CPUID: %s", strerror(e));
        }
        for (unsigned i = 0; i < c->nent; i++)
            if (c->entries[i].function == 7 && c->entries[i].index == 0)
                *fsgsbase = (c->entries[i].ebx & CPUID7_EBX_FSGSBASE) != 0;
        int r = ioctl(vcpu_fd, KVM_SET_CPUID2, c);
        int e = errno;
        free(c);
        if (r < 0)
            return skiff_x86_fail(err, err_len, "KVM_SET_CPUID2: %s", strerror(e));
        return 0;
    }
    return skiff_x86_fail(err, err_len, "KVM_GET_SUPPORTED_CPUID: too many leaves");
}

int skiff_hvt_arch_vcpu_init(struct skiff_vm *vm, int kvm_fd, int vcpu_fd, char *err,
                             size_t err_len)
{
    bool fsgsbase;
    if (vm->mem_lo != 0)
        return skiff_x86_fail(err, err_len, "hvt needs guest memory mapped from gpa 0");
    /* CPUID before SREGS: KVM checks CR4 bits against the guest's CPUID. */
    if (skiff_x86_build_page_tables(vm, err, err_len) < 0 ||
        set_cpuid(kvm_fd, vcpu_fd, &fsgsbase, err, err_len) < 0 ||
        set_sregs(vm, vcpu_fd, fsgsbase, err, err_len) < 0)
        return -1;
    if (fsgsbase)
        vm->boot->hvt_features |= SKIFF_HVT_F_WRFSBASE;

    struct kvm_fpu fpu;
    memset(&fpu, 0, sizeof fpu);
    fpu.fcw = 0x37f;    /* x87 default: all exceptions masked */
    fpu.mxcsr = 0x1f80; /* SSE default: all exceptions masked, round nearest */
    if (ioctl(vcpu_fd, KVM_SET_FPU, &fpu) < 0)
        return skiff_x86_fail(err, err_len, "KVM_SET_FPU: %s", strerror(errno));

    struct kvm_regs r;
    memset(&r, 0, sizeof r);
    r.rip = vm->img->entry;
    r.rsp = vm->boot->stack_top;
    r.rdi = vm->boot_gpa;
    /* Reserved bit 1; interrupts off (none are ever injected); IOPL 3, so
     * port I/O at CPL 3 exits to the tender on hardware KVM. PVM clears
     * IOPL and checks the TSS I/O bitmap instead, which opens only our
     * ports. (The bitmap alone is not enough: QEMU's emulated CPU checks it
     * only for an "available" TSS, but VMX needs TR "busy" in long mode.) */
    r.rflags = 0x2 | (3u << 12);
    if (ioctl(vcpu_fd, KVM_SET_REGS, &r) < 0)
        return skiff_x86_fail(err, err_len, "KVM_SET_REGS: %s", strerror(errno));
    return 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

uint64_t skiff_hvt_arch_tsc_hz(int vcpu_fd)
{
    /* The guest TSC ticks at KVM's rate for this vCPU (host rate unless
     * scaled); fall back to measuring the host TSC against the clock. */
    int khz = ioctl(vcpu_fd, KVM_GET_TSC_KHZ, 0);
    if (khz > 0)
        return (uint64_t)khz * 1000ull;
    uint64_t t0 = now_ns(), c0 = rdtsc(), t1, c1;
    do {
        t1 = now_ns();
        c1 = rdtsc();
    } while (t1 - t0 < TSC_CALIBRATE_NS);
    uint64_t hz = (c1 - c0) * 1000000000ull / (t1 - t0);
    return hz ? hz : 1000000000ull;
}
