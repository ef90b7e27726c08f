/*
 * One line for a guest exception, from the frame a stub reported (lowmem.h).
 * The frame and the instruction bytes come from guest memory: both are read
 * once into locals through bounds-checked pointers, and a frame that makes
 * no sense is reported as such. The aim is a line a guest developer can act
 * on: which exception, where, and the likely cause - above all the
 * privileged instructions a CPL 3 guest may no longer use.
 */
#include "hvt/x86_64/hvt_x86_64.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/guest_mem.h"
#include "hvt/x86_64/lowmem.h"

#define PF_P (1u << 0) /* page present (protection violation) */
#define PF_W (1u << 1) /* write */
#define PF_I (1u << 4) /* instruction fetch */

static const char *const vector_names[IDT_VECTORS] = {
    [0] = "divide error (#DE)",
    [1] = "debug exception (#DB)",
    [2] = "NMI",
    [3] = "breakpoint (#BP, int3)",
    [4] = "overflow (#OF)",
    [5] = "bound range (#BR)",
    [6] = "invalid opcode (#UD)",
    [7] = "device not available (#NM)",
    [8] = "double fault (#DF)",
    [10] = "invalid TSS (#TS)",
    [11] = "segment not present (#NP)",
    [12] = "stack fault (#SS)",
    [13] = "general protection fault (#GP)",
    [14] = "page fault (#PF)",
    [16] = "x87 floating-point error (#MF)",
    [17] = "alignment check (#AC)",
    [18] = "machine check (#MC)",
    [19] = "SIMD floating-point exception (#XM)",
    [21] = "control protection (#CP)",
};

/* The privileged instruction at the start of code[0..n), or NULL. Sets
 * *port for port I/O whose port is known (-1 otherwise). */
static const char *privileged_insn(const uint8_t *code, size_t n, uint64_t rdx, long *port)
{
    size_t i = 0;
    *port = -1;
    while (i < n && (code[i] == 0x66 || code[i] == 0xf2 || code[i] == 0xf3 ||
                     (code[i] >= 0x40 && code[i] <= 0x4f)))
        i++; /* operand-size, rep and REX prefixes */
    if (i >= n)
        return NULL;
    uint8_t op = code[i], op2 = i + 1 < n ? code[i + 1] : 0;
    switch (op) {
    case 0xf4: return "hlt";
    case 0xfa: return "cli";
    case 0xfb: return "sti";
    case 0xe4:
    case 0xe5:
    case 0xe6:
    case 0xe7: *port = op2; return op >= 0xe6 ? "out" : "in";
    case 0xec:
    case 0xed: *port = (long)(rdx & 0xffff); return "in";
    case 0xee:
    case 0xef: *port = (long)(rdx & 0xffff); return "out";
    case 0x6c:
    case 0x6d: *port = (long)(rdx & 0xffff); return "ins";
    case 0x6e:
    case 0x6f: *port = (long)(rdx & 0xffff); return "outs";
    case 0x0f: break;
    default: return NULL;
    }
    switch (op2) {
    case 0x00: return "a descriptor-table instruction (lldt/ltr/...)";
    case 0x01: return "a system instruction (lgdt/lidt/swapgs/...)";
    case 0x06: return "clts";
    case 0x08: return "invd";
    case 0x09: return "wbinvd";
    case 0x20:
    case 0x22: return "mov to/from a control register";
    case 0x21:
    case 0x23: return "mov to/from a debug register";
    case 0x30: return "wrmsr";
    case 0x32: return "rdmsr";
    case 0x33: return "rdpmc";
    default: return NULL;
    }
}

/* What to do instead, for the instructions a CPL 0 guest typically used. */
static const char *insn_hint(const char *insn)
{
    if (strcmp(insn, "hlt") == 0)
        return ": to wait for input or time, call solo5_yield()";
    if (strcmp(insn, "wrmsr") == 0)
        return ": for the TLS base, call solo5_set_tls_base()";
    if (strcmp(insn, "cli") == 0 || strcmp(insn, "sti") == 0)
        return ": no interrupts are ever delivered, so there is nothing to mask";
    return "";
}

static int describe_gp(const struct skiff_vm *vm, const struct low_fault_frame *f, char *out,
                       size_t len)
{
    uint8_t code[15]; /* the longest x86 instruction */
    size_t n = 0;
    if (f->rip < vm->mem_size) {
        uint64_t room = vm->mem_size - f->rip;
        n = room < sizeof code ? (size_t)room : sizeof code;
        const void *p = skiff_gpa_ptr(vm, f->rip, n);
        if (p)
            memcpy(code, p, n);
        else
            n = 0;
    }
    long port;
    const char *insn = privileged_insn(code, n, f->rdx, &port);
    if (insn && port >= 0) {
        /* Solo5's hvt sees such an access as an exit and refuses it. */
        snprintf(out, len,
                 "Invalid guest port access: port=0x%lx (guest fault: %s at rip 0x%llx: %s on "
                 "port 0x%lx, which is not a hypercall port; hvt guests run at CPL 3 and may "
                 "only use those)",
                 port, vector_names[13], (unsigned long long)f->rip, insn, port);
        return 1;
    }
    if (insn)
        snprintf(out, len,
                 "guest fault: %s at rip 0x%llx: privileged instruction %s (hvt guests run at "
                 "CPL 3%s)",
                 vector_names[13], (unsigned long long)f->rip, insn, insn_hint(insn));
    else
        snprintf(out, len, "guest fault: %s at rip 0x%llx, error code 0x%llx", vector_names[13],
                 (unsigned long long)f->rip, (unsigned long long)f->error_code);
    return 255;
}

static int describe_pf(const struct skiff_vm *vm, const struct low_fault_frame *f, uint64_t cr2,
                       char *out, size_t len)
{
    unsigned ec = (unsigned)f->error_code;
    const char *why;
    if (!(ec & PF_P) && cr2 < SKIFF_GUEST_LOAD_MIN)
        why = "null or low pointer (nothing is mapped below 1 MiB)";
    else if (!(ec & PF_P) && cr2 >= vm->mem_size)
        why = "address outside guest memory";
    else if (!(ec & PF_P))
        why = "address not mapped";
    else if (ec & PF_I)
        why = "executing a no-execute page (data, heap or stack)";
    else if (ec & PF_W)
        why = "write to a read-only page (code or read-only data)";
    else
        why = "access not allowed";
    /* A write to the image's code or read-only data: Solo5's hvt keeps
     * those pages read-only in the tender, so KVM cannot map the write and
     * the tender stops with these words and status 1. */
    bool solo5_tender_fault = (ec & PF_P) && (ec & PF_W) && !(ec & PF_I) &&
                              cr2 >= SKIFF_GUEST_LOAD_MIN && cr2 < vm->mem_size;
    char head[64] = "";
    if (solo5_tender_fault)
        snprintf(head, sizeof head, "KVM: host/guest translation fault: rip=0x%llx (",
                 (unsigned long long)f->rip);
    snprintf(out, len, "%sguest fault: %s at rip 0x%llx: %s %s 0x%llx%s", head, vector_names[14],
             (unsigned long long)f->rip, why,
             (ec & PF_I)   ? "fetching"
             : (ec & PF_W) ? "writing"
                           : "reading",
             (unsigned long long)cr2, solo5_tender_fault ? ")" : "");
    return solo5_tender_fault ? 1 : 255;
}

int skiff_x86_describe_fault(const struct skiff_vm *vm, uint64_t frame, uint64_t cr2, char *out,
                             size_t len)
{
    struct low_fault_frame f;
    const void *p = skiff_gpa_ptr(vm, frame, sizeof f);
    if (!p) {
        snprintf(out, len, "guest fault report with a frame outside guest memory (0x%llx)",
                 (unsigned long long)frame);
        return 255;
    }
    memcpy(&f, p, sizeof f); /* once: the guest could be rewriting it */
    if (f.vector >= IDT_VECTORS) {
        snprintf(out, len, "guest fault report with a bad vector (%llu)",
                 (unsigned long long)f.vector);
        return 255;
    }
    if (f.vector == 13)
        return describe_gp(vm, &f, out, len);
    if (f.vector == 14)
        return describe_pf(vm, &f, cr2, out, len);
    const char *name = vector_names[f.vector];
    char unnamed[32];
    if (!name) {
        snprintf(unnamed, sizeof unnamed, "exception %llu", (unsigned long long)f.vector);
        name = unnamed;
    }
    snprintf(out, len, "guest fault: %s at rip 0x%llx", name, (unsigned long long)f.rip);
    return 255;
}
