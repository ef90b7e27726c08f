/*
 * hvt_probe: a test guest that misbehaves on request, so the hvt backend's
 * argument checks and exit handling can be checked end to end. The command
 * line picks one action: those of every probe (tests/lib/probe: exit N,
 * echo ARGS, fault, wx, sleep), or
 *   badarg     PUTS with its argument block outside guest memory
 *   baddata    PUTS whose data pointer lies outside guest memory
 *   badhalt    HALT whose message pointer lies outside guest memory
 *   badport    OUT to a port that is not a hypercall
 *   nx         jump into data (no-execute page)
 *   hlt, wrmsr privileged instructions (the guest runs at CPL 3)
 *   ud2        an invalid opcode
 *   abort      exit 255 with an abort message
 *   wall       print whether the wall clock looks sane and the monotonic
 *              clock (TSC) keeps time with it
 *   tls        set the TLS base twice and read through %fs
 *   exitcost N time N hypercalls that exit to the tender (WALLTIME) and
 *              print the mean round trip in ns (bench/vmexits/hvt_exits.sh)
 *   netio-count, netio-ops, netio-data, netio-kind
 *              NETIO with too many ops, its op array or one op's buffer
 *              outside guest memory, an op of no known kind
 *   netio-nic  NETIO naming NICs that do not exist (each op must come back
 *              ERROR, the guest goes on) and printing what came back
 */
#include <stdint.h>

#include "probe.h"
#include "skiff/abi.h"
#include "skiff/rt.h"
#include "solo5.h"

static void outl(uint16_t port, uint32_t v)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static void hypercall(unsigned nr, uint64_t gpa)
{
    outl((uint16_t)(SKIFF_HVT_PIO_BASE + nr), (uint32_t)gpa);
}

static uint64_t fs_read(void)
{
    uint64_t v;
    __asm__ __volatile__("movq %%fs:8, %0" : "=r"(v) : : "memory");
    return v;
}

/* Two TLS blocks in turn: %fs:8 must follow the base each time. */
static int tls_check(void)
{
    static uint64_t a[2] = { 0, 0x1111111111111111ull }, b[2] = { 0, 0x2222222222222222ull };
    int ok = solo5_set_tls_base((uintptr_t)a) == SOLO5_R_OK && fs_read() == a[1] &&
             solo5_set_tls_base((uintptr_t)b) == SOLO5_R_OK && fs_read() == b[1] &&
             solo5_set_tls_base(0x800000000000ull) == SOLO5_R_EINVAL;
    skiff_printf("hvt_probe: tls %s\n", ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}

/* NETIO (direct mode) with one thing wrong at a time. */
static int netio(const char *what)
{
    static volatile struct skiff_hc_netio a;
    static volatile struct skiff_hc_netio_op op[2];
    static uint8_t buf[64];

    op[0] = (struct skiff_hc_netio_op){
        .handle = 5, .op = SKIFF_NETIO_WRITE, .data = (uintptr_t)buf, .len = sizeof buf, .ret = 9
    };
    op[1] = (struct skiff_hc_netio_op){
        .handle = 6, .op = SKIFF_NETIO_READ, .data = (uintptr_t)buf, .len = sizeof buf, .ret = 9
    };
    a.ops = (uintptr_t)op;
    a.count = 2;
    a.flags = 0;
    if (strcmp(what, "count") == 0)
        a.count = SKIFF_NETIO_MAX + 1;
    else if (strcmp(what, "ops") == 0)
        a.ops = 0xfff00000u;
    else if (strcmp(what, "data") == 0)
        op[1].data = 0xfff00000u;
    else if (strcmp(what, "kind") == 0)
        op[1].op = 7;
    hypercall(SKIFF_HC_NETIO, (uintptr_t)&a);
    skiff_printf("hvt_probe: netio write %d read %d\n", (int)op[0].ret, (int)op[1].ret);
    return op[0].ret == SKIFF_NET_ERROR && op[1].ret == SKIFF_NET_ERROR ? 0 : 1;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *cmd = si->cmdline;
    static volatile struct skiff_hc_puts puts_arg;
    static volatile struct skiff_hc_halt halt_arg;
    int status;

    if (probe_common("hvt_probe", si, &status)) /* exit, echo, fault, wx, sleep */
        return status;
    if (strcmp(cmd, "badcall") == 0)      /* a hypercall port with no hypercall */
        hypercall(SKIFF_HC_PORTS - 1, 0); /* stays free as hypercalls are added */
    if (strcmp(cmd, "badarg") == 0)
        hypercall(SKIFF_HC_PUTS, 0xfffff000u); /* beyond any test --mem */
    if (strcmp(cmd, "baddata") == 0) {
        puts_arg.data = 0xfff00000u;
        puts_arg.len = 16;
        hypercall(SKIFF_HC_PUTS, (uintptr_t)&puts_arg);
    }
    if (strcmp(cmd, "badhalt") == 0) {
        halt_arg.exit_status = 3;
        halt_arg.cookie = 0xfff00000u;
        hypercall(SKIFF_HC_HALT, (uintptr_t)&halt_arg);
    }
    if (strncmp(cmd, "netio-", 6) == 0)
        return netio(cmd + 6);
    if (strcmp(cmd, "badport") == 0)
        outl(SKIFF_HVT_PIO_BASE + 0x40, 0);
    if (strcmp(cmd, "nx") == 0) {
        static volatile uint8_t ret_insn[16] = { 0xc3 }; /* ret, in .data */
        ((void (*)(void))(uintptr_t)ret_insn)();
    }
    if (strcmp(cmd, "hlt") == 0)
        __asm__ __volatile__("hlt");
    if (strcmp(cmd, "wrmsr") == 0)
        __asm__ __volatile__("wrmsr" : : "c"(0xc0000100u), "a"(0), "d"(0));
    if (strcmp(cmd, "ud2") == 0)
        __asm__ __volatile__("ud2");
    if (strcmp(cmd, "tls") == 0)
        return tls_check();
    if (probe_starts(cmd, "exitcost ")) {
        uint64_t n = 0;
        for (const char *p = cmd + 9; *p >= '0' && *p <= '9'; p++)
            n = n * 10 + (uint64_t)(*p - '0');
        if (n == 0)
            n = 1;
        uint64_t t0 = solo5_clock_monotonic();
        for (uint64_t i = 0; i < n; i++)
            (void)solo5_clock_wall(); /* one WALLTIME hypercall: an exit */
        uint64_t dt = solo5_clock_monotonic() - t0;
        skiff_printf("hvt_probe: exitcost %llu exits, %llu ns each\n", (unsigned long long)n,
                     (unsigned long long)(dt / n));
        return 0;
    }
    if (strcmp(cmd, "abort") == 0)
        solo5_abort();
    if (strcmp(cmd, "wall") == 0) {
        /* After 2020-01-01, and over 200 ms the monotonic clock (the TSC at
         * the rate the tender reported) agrees with the host's wall clock
         * within 2 %: a wrong TSC rate shows here. Each wall read is an
         * exit, which an emulated machine under load can make last
         * milliseconds: it is bracketed by monotonic reads, and the test is
         * whether any monotonic interval the brackets allow is within 2 %
         * of the wall one. */
        uint64_t a0 = solo5_clock_monotonic(), w0 = solo5_clock_wall();
        uint64_t a1 = solo5_clock_monotonic();
        int ok = w0 > 1577836800ull * 1000000000ull;
        solo5_yield(a1 + 200000000ull, NULL);
        uint64_t b0 = solo5_clock_monotonic(), w1 = solo5_clock_wall();
        uint64_t b1 = solo5_clock_monotonic();
        uint64_t dw = w1 - w0, lo = b0 - a1, hi = b1 - a0;
        ok = ok && lo >= 200000000ull && lo * 100 <= dw * 102 && hi * 100 >= dw * 98;
        skiff_printf("hvt_probe: clocks %s (monotonic %llu-%llu ns, wall %llu ns)\n",
                     ok ? "ok" : "WRONG", (unsigned long long)lo, (unsigned long long)hi,
                     (unsigned long long)dw);
        return ok ? 0 : 1;
    }
    skiff_printf("hvt_probe: unknown action \"%s\"\n", cmd);
    return 99;
}
