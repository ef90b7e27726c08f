/*
 * x86_64 vCPU start state for hvt: the tender enters 64-bit long mode
 * itself, so the guest image needs no boot code. Boot structures live in the
 * reserved memory below SKIFF_GUEST_LOAD_MIN, which the guest page tables
 * leave unmapped: the guest cannot rewrite them through a stray pointer, and
 * a null pointer faults just as on spt. With no IDT, any guest exception
 * becomes a triple fault, i.e. a shutdown exit the backend reports.
 */
#include "hvt_arch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/ioctl.h>

#include "guest_mem.h"
#include "layout.h"

/* Low-memory layout (gpa). */
#define GDT_GPA  0x1000ull
#define PML4_GPA 0x2000ull
#define PDPT_GPA 0x3000ull
#define PD_GPA   0x4000ull /* one page directory per GiB */
#define PD_MAX   4u        /* --mem is at most 4 GiB */
#define PT_GPA   0x8000ull /* page tables for regions mapped with 4 KiB pages */
#define PT_MAX   ((SKIFF_GUEST_LOAD_MIN - PT_GPA) / SKIFF_PAGE_SIZE)

#define MIB2 (2ull << 20)
#define GIB  (1ull << 30)

/* Page-table entry bits. */
#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7) /* 2 MiB page in a page directory */
#define PTE_NX (1ull << 63)

/* Control register and EFER bits. */
#define CR0_PE         (1ull << 0)
#define CR0_MP         (1ull << 1)
#define CR0_ET         (1ull << 4)
#define CR0_NE         (1ull << 5)
#define CR0_WP         (1ull << 16) /* ring 0 honours read-only pages */
#define CR0_PG         (1ull << 31)
#define CR4_PAE        (1ull << 5)
#define CR4_OSFXSR     (1ull << 9) /* SSE instructions allowed */
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_LME       (1ull << 8)
#define EFER_LMA       (1ull << 10)
#define EFER_NXE       (1ull << 11)

/* Descriptors: flat 64-bit code (selector 0x08) and data (0x10). */
#define GDT_CODE64 0x00af9b000000ffffull
#define GDT_DATA   0x00cf93000000ffffull
#define SEL_CODE   0x08
#define SEL_DATA   0x10

#define TSC_CALIBRATE_NS 20000000ull

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

static void put64(struct skiff_vm *vm, uint64_t gpa, uint64_t v)
{
    memcpy(skiff_gpa_ptr(vm, gpa, sizeof v), &v, sizeof v);
}

/* Flags for the 4 KiB page at gpa p: image pages get their segment's
 * protections (W^X inside the guest), everything else is data. */
static uint64_t page_flags(const struct skiff_vm *vm, uint64_t p)
{
    if (p < SKIFF_GUEST_LOAD_MIN || p >= vm->mem_size)
        return 0;
    const struct skiff_image *img = vm->img;
    for (unsigned i = 0; i < img->seg_count; i++) {
        const struct skiff_elf_segment *s = &img->segs[i];
        uint64_t lo = s->vaddr & ~(SKIFF_PAGE_SIZE - 1);
        uint64_t hi = skiff_page_up(s->vaddr + s->memsz);
        if (p < lo || p >= hi)
            continue;
        uint64_t f = PTE_P;
        if (s->flags & SKIFF_SEG_W)
            f |= PTE_RW;
        if (!(s->flags & SKIFF_SEG_X))
            f |= PTE_NX;
        return f;
    }
    return PTE_P | PTE_RW | PTE_NX;
}

/*
 * Identity map [1 MiB, mem_size): 2 MiB pages (read-write, no-execute)
 * where a whole region is plain memory; 4 KiB pages where it holds the
 * image, the unmapped low megabyte or the end of memory.
 */
static int build_page_tables(struct skiff_vm *vm, char *err, size_t err_len)
{
    uint64_t gibs = (vm->mem_size + GIB - 1) / GIB;
    uint64_t img_lo = vm->img->lo & ~(MIB2 - 1);
    uint64_t img_hi = (vm->img->hi + MIB2 - 1) & ~(MIB2 - 1);
    unsigned pts = 0;

    if (gibs > PD_MAX)
        return fail(err, err_len, "--mem above %u GiB is not supported on hvt", PD_MAX);
    put64(vm, PML4_GPA, PDPT_GPA | PTE_P | PTE_RW);
    for (uint64_t g = 0; g < gibs; g++) {
        uint64_t pd = PD_GPA + g * SKIFF_PAGE_SIZE;
        put64(vm, PDPT_GPA + g * 8, pd | PTE_P | PTE_RW);
        for (uint64_t j = 0; j < 512; j++) {
            uint64_t base = g * GIB + j * MIB2;
            if (base >= vm->mem_size)
                break;
            bool plain = base >= SKIFF_GUEST_LOAD_MIN && base + MIB2 <= vm->mem_size &&
                         (base + MIB2 <= img_lo || base >= img_hi);
            if (plain) {
                put64(vm, pd + j * 8, base | PTE_P | PTE_RW | PTE_PS | PTE_NX);
                continue;
            }
            if (pts == PT_MAX)
                return fail(err, err_len,
                            "image spans too many 2 MiB regions "
                            "for the hvt boot page tables");
            uint64_t pt = PT_GPA + pts++ * SKIFF_PAGE_SIZE;
            put64(vm, pd + j * 8, pt | PTE_P | PTE_RW);
            for (uint64_t k = 0; k < 512; k++) {
                uint64_t p = base + k * SKIFF_PAGE_SIZE;
                uint64_t f = page_flags(vm, p);
                put64(vm, pt + k * 8, f ? p | f : 0);
            }
        }
    }
    return 0;
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
    memset(s, 0, sizeof *s);
    s->base = 0;
    s->limit = 0xffffffff;
    s->selector = sel;
    s->type = type;
    s->present = 1;
    s->dpl = 0;
    s->s = 1;
    s->g = 1;
    s->l = code;   /* 64-bit code segment */
    s->db = !code; /* must be 0 when l is set */
}

static int set_sregs(struct skiff_vm *vm, int vcpu_fd, char *err, size_t err_len)
{
    struct kvm_sregs sr;
    if (ioctl(vcpu_fd, KVM_GET_SREGS, &sr) < 0)
        return fail(err, err_len, "KVM_GET_SREGS: %s", strerror(errno));

    put64(vm, GDT_GPA, 0);
    put64(vm, GDT_GPA + SEL_CODE, GDT_CODE64);
    put64(vm, GDT_GPA + SEL_DATA, GDT_DATA);
    sr.gdt.base = GDT_GPA;
    sr.gdt.limit = 3 * 8 - 1;
    sr.idt.base = 0;
    sr.idt.limit = 0; /* no handlers: exceptions end the VM */

    flat_segment(&sr.cs, SEL_CODE, 11, true);
    flat_segment(&sr.ds, SEL_DATA, 3, false);
    sr.es = sr.fs = sr.gs = sr.ss = sr.ds;

    /* VM entry wants a usable busy TSS even if nothing ever switches tasks. */
    memset(&sr.tr, 0, sizeof sr.tr);
    sr.tr.type = 11;
    sr.tr.present = 1;
    sr.tr.limit = 0x67;
    memset(&sr.ldt, 0, sizeof sr.ldt);
    sr.ldt.type = 2;
    sr.ldt.unusable = 1;

    sr.cr3 = PML4_GPA;
    sr.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG; /* EM clear */
    sr.efer = EFER_LME | EFER_LMA | EFER_NXE;
    if (ioctl(vcpu_fd, KVM_SET_SREGS, &sr) < 0)
        return fail(err, err_len, "KVM_SET_SREGS: %s", strerror(errno));
    return 0;
}

/* Hand the vCPU every CPUID leaf KVM supports (the guest probes nothing
 * beyond SSE2, but a truthful CPUID costs nothing). */
static int set_cpuid(int kvm_fd, int vcpu_fd, char *err, size_t err_len)
{
    for (unsigned n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c + n * sizeof c->entries[0]);
        if (!c)
            return fail(err, err_len, "out of memory");
        c->nent = n;
        if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
            int e = errno;
            free(c);
            if (e == E2BIG)
                continue;
            return fail(err, err_len, "KVM_GET_SUPPORTED_CPUID: %s", strerror(e));
        }
        int r = ioctl(vcpu_fd, KVM_SET_CPUID2, c);
        int e = errno;
        free(c);
        if (r < 0)
            return fail(err, err_len, "KVM_SET_CPUID2: %s", strerror(e));
        return 0;
    }
    return fail(err, err_len, "KVM_GET_SUPPORTED_CPUID: too many leaves");
}

int skiff_hvt_arch_vcpu_init(struct skiff_vm *vm, int kvm_fd, int vcpu_fd, char *err,
                             size_t err_len)
{
    if (vm->mem_lo != 0)
        return fail(err, err_len, "hvt needs guest memory mapped from gpa 0");
    if (build_page_tables(vm, err, err_len) < 0 || set_sregs(vm, vcpu_fd, err, err_len) < 0 ||
        set_cpuid(kvm_fd, vcpu_fd, err, err_len) < 0)
        return -1;

    struct kvm_fpu fpu;
    memset(&fpu, 0, sizeof fpu);
    fpu.fcw = 0x37f;    /* x87 default: all exceptions masked */
    fpu.mxcsr = 0x1f80; /* SSE default: all exceptions masked, round nearest */
    if (ioctl(vcpu_fd, KVM_SET_FPU, &fpu) < 0)
        return fail(err, err_len, "KVM_SET_FPU: %s", strerror(errno));

    struct kvm_regs r;
    memset(&r, 0, sizeof r);
    r.rip = vm->img->entry;
    r.rsp = vm->boot->stack_top;
    r.rdi = vm->boot_gpa;
    r.rflags = 0x2; /* reserved bit 1; interrupts off */
    if (ioctl(vcpu_fd, KVM_SET_REGS, &r) < 0)
        return fail(err, err_len, "KVM_SET_REGS: %s", strerror(errno));
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
