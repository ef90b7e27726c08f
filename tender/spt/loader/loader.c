/*
 * skiff-guest: the loader of an spt guest process. The tender forks, keeps
 * only the fds the guest may use, and executes this small static program
 * (no C library, its own _start, raw system calls), so the guest's address
 * space holds guest memory, this loader and the kernel's stack/vDSO pages:
 * nothing of the tender (no heap, no glibc, no libev, no TLS).
 *
 * It reads its launch block (spt_launch.h) from the fd in argv[1], maps the
 * guest-memory memfd at the same address as the tender, applies the image's
 * segment protections, tells the guest where the vDSO's clock is (vdso.c),
 * installs the handlers that report a fatal signal, drops every capability,
 * loads the seccomp filter the tender compiled, and jumps to the guest
 * entry. From the first guest instruction on the filter is in force.
 *
 * A fatal signal (fault, forbidden system call) runs on_signal() on a
 * signal stack here: it writes one report record for the tender, then
 * raises the same signal again with the handler reset to the default, so
 * the process dies by that signal (the exit status Solo5's spt gives).
 */
#include <stddef.h>
#include <stdint.h>

#include <asm/siginfo.h>
#include <asm/sigcontext.h>
#include <asm/signal.h>
#include <asm/ucontext.h>
#include <asm/unistd.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>

#include "skiff/abi.h"
#include "spt_launch.h"
#include "syscall.h" /* guest/bindings/spt: the raw system calls the guest uses too */
#include "vdso.h"

#define ALTSTACK_BYTES (64u * 1024u) /* room for an AVX-512 signal frame */
#define PAGE_BYTES     4096u
#define EXIT_FAILED    127

/* The synchronous signals a guest can cause: each gets the report handler
 * and stays unblocked (every other signal is blocked). */
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS };

/* What the handler needs, on a page of its own: read-only once the guest
 * runs (the guest cannot mprotect), so a guest cannot point the handler
 * elsewhere. */
static union {
    struct {
        int32_t pid, report_fd;
    } s;
    uint8_t page[PAGE_BYTES];
} ro __attribute__((aligned(PAGE_BYTES)));

static struct skiff_spt_launch launch;
static struct sock_filter bpf[SKIFF_SPT_BPF_MAX];
static uint8_t altstack[ALTSTACK_BYTES] __attribute__((aligned(64)));

_Noreturn void loader_main(const uint64_t *sp);
_Noreturn void enter_guest(uint64_t entry, uint64_t stack_top, uint64_t arg);
void signal_restorer(void);

/*
 * The kernel starts us with rsp at argc. enter_guest switches to the guest
 * stack, clears every register the guest could learn a loader address
 * from, and jumps with rdi = boot info (a zero return address below, so a
 * guest returning from its entry faults at 0). signal_restorer is never
 * used (handlers do not return) but x86_64 requires one.
 */
__asm__(".text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "\txorl %ebp, %ebp\n"
        "\tmovq %rsp, %rdi\n"
        "\tandq $-16, %rsp\n"
        "\tcall loader_main\n"
        "\tud2\n"
        ".size _start, . - _start\n"
        ".globl enter_guest\n"
        ".type enter_guest, @function\n"
        "enter_guest:\n"
        "\tmovq %rsi, %rsp\n"
        "\tmovq %rdi, %r11\n"
        "\tmovq %rdx, %rdi\n"
        "\txorl %eax, %eax\n"
        "\txorl %ebx, %ebx\n"
        "\txorl %ecx, %ecx\n"
        "\txorl %edx, %edx\n"
        "\txorl %esi, %esi\n"
        "\txorl %ebp, %ebp\n"
        "\txorl %r8d, %r8d\n"
        "\txorl %r9d, %r9d\n"
        "\txorl %r10d, %r10d\n"
        "\txorl %r12d, %r12d\n"
        "\txorl %r13d, %r13d\n"
        "\txorl %r14d, %r14d\n"
        "\txorl %r15d, %r15d\n"
        "\tcld\n"
        "\tpushq $0\n"
        "\tjmp *%r11\n"
        ".size enter_guest, . - enter_guest\n"
        ".globl signal_restorer\n"
        ".type signal_restorer, @function\n"
        "signal_restorer:\n"
        "\tud2\n"
        ".size signal_restorer, . - signal_restorer\n");

/* The compiler may emit calls to these for struct copies and zeroing. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    __asm__ __volatile__("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    void *d = dst;
    __asm__ __volatile__("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

/*
 * An address the compiler cannot treat as a link-time constant, so a
 * struct holding it is built with instructions, never copied from a
 * template in initialised data (which would need a run-time relocation:
 * loader.ld refuses those).
 */
static void *runtime_addr(void *p)
{
    __asm__("" : "+r"(p));
    return p;
}

static _Noreturn void exit_group(int status)
{
    for (;;)
        spt_syscall3(__NR_exit_group, status, 0, 0);
}

/* Set-up failed: tell the tender which step and why, and end. */
static _Noreturn void fail(enum skiff_spt_step step, long err)
{
    struct skiff_spt_report r = {
        .magic = SKIFF_SPT_REPORT_MAGIC,
        .kind = SKIFF_SPT_REPORT_FAILED,
        .signo = (int32_t)step,
        .code = (int32_t)(err < 0 ? -err : err),
    };
    if (ro.s.report_fd >= 0)
        spt_syscall3(__NR_write, ro.s.report_fd, (long)&r, sizeof r);
    exit_group(EXIT_FAILED);
}

static long read_full(int fd, void *buf, uint64_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        long n = spt_syscall3(__NR_read, fd, (long)p, (long)len);
        if (n == -4 /* EINTR */)
            continue;
        if (n <= 0)
            return n < 0 ? n : -5 /* EIO: the tender went away */;
        p += n;
        len -= (uint64_t)n;
    }
    return 0;
}

static int parse_fd(const char *s)
{
    int v = 0;
    if (s == NULL || *s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

/*
 * A fatal signal. SA_RESETHAND has already put the default action back and
 * SA_NODEFER leaves the signal unblocked, so raising it again ends the
 * process by it (tgkill on this very process is all the filter allows).
 */
static void on_signal(int sig, siginfo_t *si, void *ucv)
{
    const struct ucontext *uc = ucv;
    struct skiff_spt_report r = {
        .magic = SKIFF_SPT_REPORT_MAGIC,
        .kind = SKIFF_SPT_REPORT_SIGNAL,
        .signo = sig,
        .code = si->si_code,
    };
    if (sig == SIGSYS) {
        r.syscall_nr = (uint32_t)si->si_syscall;
        r.arch = si->si_arch;
        r.ip = (uint64_t)(uintptr_t)si->si_call_addr;
    } else {
        r.addr = (uint64_t)(uintptr_t)si->si_addr;
        r.ip = uc->uc_mcontext.rip;
    }
    spt_syscall3(__NR_write, ro.s.report_fd, (long)&r, sizeof r);
    spt_syscall3(__NR_tgkill, ro.s.pid, ro.s.pid, sig);
    exit_group(128 + sig); /* not reached */
}

static void install_handlers(void)
{
    stack_t ss = { .ss_sp = runtime_addr(altstack), .ss_flags = 0, .ss_size = sizeof altstack };
    long r = spt_syscall3(__NR_sigaltstack, (long)&ss, 0, 0);
    if (r < 0)
        fail(SKIFF_SPT_STEP_SIGNALS, r);

    unsigned long keep = 0;
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        keep |= 1ul << (fatal_signals[i] - 1);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) {
        struct sigaction sa = {
            .sa_handler = (__sighandler_t)runtime_addr((void *)(uintptr_t)on_signal),
            .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND | SA_NODEFER | SA_RESTORER,
            .sa_restorer = (__sigrestore_t)runtime_addr((void *)(uintptr_t)signal_restorer),
            /* Nothing else interrupts a report; the fatal signals stay
             * deliverable, or the re-raise would wait forever. */
            .sa_mask = ~keep,
        };
        r = spt_syscall4(__NR_rt_sigaction, fatal_signals[i], (long)&sa, 0, sizeof(sigset_t));
        if (r < 0)
            fail(SKIFF_SPT_STEP_SIGNALS, r);
    }
    /* Everything else stays pending forever: the tender's SIGINT from a
     * terminal, SIGPIPE (ignored anyway), a stray SIGTERM. SIGKILL, which
     * the tender uses to stop the guest, cannot be blocked. */
    sigset_t mask = ~keep;
    r = spt_syscall4(__NR_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, sizeof mask);
    if (r < 0)
        fail(SKIFF_SPT_STEP_SIGNALS, r);
}

_Noreturn void loader_main(const uint64_t *sp)
{
    uint64_t argc = sp[0];
    const char *const *argv = (const char *const *)(sp + 1);

    ro.s.report_fd = -1;
    int launch_fd = argc >= 2 ? parse_fd(argv[1]) : -1;
    if (launch_fd < 0)
        exit_group(EXIT_FAILED);
    if (read_full(launch_fd, &launch, sizeof launch) < 0 ||
        launch.magic != SKIFF_SPT_LAUNCH_MAGIC || launch.version != SKIFF_SPT_LAUNCH_VERSION)
        exit_group(EXIT_FAILED); /* no trustworthy report fd yet */
    ro.s.report_fd = launch.report_fd;
    ro.s.pid = launch.pid;
    if (launch.seg_count > SKIFF_SPT_MAX_SEGS || launch.bpf_len == 0 ||
        launch.bpf_len > SKIFF_SPT_BPF_MAX || launch.mem_len == 0)
        fail(SKIFF_SPT_STEP_LAUNCH, 22 /* EINVAL */);
    long r = read_full(launch_fd, bpf, (uint64_t)launch.bpf_len * sizeof bpf[0]);
    if (r < 0)
        fail(SKIFF_SPT_STEP_LAUNCH, r);
    spt_syscall3(__NR_close, launch_fd, 0, 0);

    /* Guest memory: the tender's shared memfd, at the tender's address. */
    r = spt_syscall6(__NR_mmap, (long)launch.mem_addr, (long)launch.mem_len, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_FIXED_NOREPLACE, launch.mem_fd, 0);
    if (r < 0 && r > -4096)
        fail(SKIFF_SPT_STEP_MAP, r);
    if ((uint64_t)r != launch.mem_addr) /* a kernel that took the address as a hint */
        fail(SKIFF_SPT_STEP_MAP, 17 /* EEXIST */);
    spt_syscall3(__NR_close, launch.mem_fd, 0, 0);
    for (uint32_t i = 0; i < launch.seg_count; i++) {
        const struct skiff_spt_seg *s = &launch.segs[i];
        r = spt_syscall3(__NR_mprotect, (long)s->addr, (long)s->len, s->prot);
        if (r < 0)
            fail(SKIFF_SPT_STEP_PROTECT, r);
    }

    /* The guest reads its clocks through the vDSO the kernel mapped into
     * this process at exec: a function call instead of a system call. The
     * boot info lies outside the image's segments, so it is writable. */
    struct skiff_boot_info *bi = (struct skiff_boot_info *)(uintptr_t)launch.boot_gpa;
    if (launch.mem_len >= sizeof *bi && launch.boot_gpa >= launch.mem_addr &&
        launch.boot_gpa - launch.mem_addr <= launch.mem_len - sizeof *bi)
        bi->spt_vdso_clock_gettime = skiff_vdso_lookup(sp, "__vdso_clock_gettime");

    spt_syscall6(__NR_prctl, PR_SET_NAME, (long)"skiff-guest", 0, 0, 0, 0); /* ps, top, bench */
    install_handlers();
    r = spt_syscall3(__NR_mprotect, (long)&ro, sizeof ro, PROT_READ);
    if (r < 0)
        fail(SKIFF_SPT_STEP_SIGNALS, r);

    /* A guest of a tender run as root holds no capability either. */
    struct __user_cap_header_struct caph = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct capd[_LINUX_CAPABILITY_U32S_3];
    memset(capd, 0, sizeof capd);
    r = spt_syscall3(__NR_capset, (long)&caph, (long)capd, 0);
    if (r < 0)
        fail(SKIFF_SPT_STEP_CAPS, r);

    struct sock_fprog prog = { .len = (unsigned short)launch.bpf_len, .filter = runtime_addr(bpf) };
    r = spt_syscall6(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
    if (r < 0)
        fail(SKIFF_SPT_STEP_SECCOMP, r);
    r = spt_syscall3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog);
    if (r < 0)
        fail(SKIFF_SPT_STEP_SECCOMP, r);
    /* Confined: only the guest's own calls from here on. */
    enter_guest(launch.entry, launch.stack_top, launch.boot_gpa);
}
