/*
 * hvt hypercall layer: a hypercall is a 32-bit OUT of the guest-physical
 * address of its argument block to SKIFF_HVT_PIO_BASE + number; the tender
 * handles the VM exit and writes results back into the block. Guest memory
 * is identity-mapped, so a pointer is its gpa (it must lie below 4 GiB).
 * Kicks go to SKIFF_HVT_PIO_KICK, which an ioeventfd absorbs in the kernel.
 */
#include "../hc.h"
#include "netio_hvt.h"
#include "pio.h"

#define NSEC_PER_SEC 1000000000ull

static struct {
    uint64_t tsc_freq; /* Hz */
    uint64_t tsc_base; /* TSC at hc_init: monotonic time 0 */
    unsigned nic_count;
    uint32_t features; /* SKIFF_HVT_F_* */
} hvt;

static void hypercall(enum skiff_hvt_hc nr, volatile void *arg)
{
    pio_outl((uint16_t)(SKIFF_HVT_PIO_BASE + (unsigned)nr), (uint32_t)(uintptr_t)arg);
}

const char *hc_init(const struct skiff_boot_info *bi)
{
    hvt.tsc_freq = bi->tsc_freq;
    hvt.tsc_base = cpu_rdtsc();
    hvt.nic_count = bi->nic_count <= SKIFF_MAX_NICS ? bi->nic_count : 0;
    hvt.features = bi->hvt_features;
    netio_init(bi);
    /* The clock's scaling (below) needs 0 < freq < UINT64_MAX / 1e9. */
    if (hvt.tsc_freq == 0 || hvt.tsc_freq >= UINT64_MAX / NSEC_PER_SEC) {
        hvt.tsc_freq = 1; /* keep the clock from dividing by zero */
        return "boot info: unusable TSC frequency";
    }
    return NULL;
}

void hc_console_write(const char *buf, size_t len)
{
    while (len > 0) {
        size_t n = len < SKIFF_HC_PUTS_MAX ? len : SKIFF_HC_PUTS_MAX;
        volatile struct skiff_hc_puts a = { .data = (uintptr_t)buf, .len = n };
        hypercall(SKIFF_HC_PUTS, &a);
        buf += n;
        len -= n;
    }
}

/*
 * ns = ticks * 1e9 / freq without 128-bit arithmetic: split ticks into whole
 * seconds and a remainder below freq. remainder * 1e9 < freq * 1e9 fits in 64
 * bits for any freq below 18.4 GHz (checked by hc_init).
 */
uint64_t hc_clock_monotonic(void)
{
    uint64_t now = hvt_clock_raw();
    netio_flush_aged(now);
    return now;
}

uint64_t hvt_clock_raw(void)
{
    uint64_t ticks = cpu_rdtsc() - hvt.tsc_base;
    uint64_t secs = ticks / hvt.tsc_freq, rem = ticks % hvt.tsc_freq;

    return secs * NSEC_PER_SEC + rem * NSEC_PER_SEC / hvt.tsc_freq;
}

uint64_t hc_clock_wall(void)
{
    volatile struct skiff_hc_walltime a = { .nsecs = 0 };
    hypercall(SKIFF_HC_WALLTIME, &a);
    return a.nsecs;
}

uint64_t hc_wait(uint64_t deadline)
{
    uint64_t now = hvt_clock_raw(), ready;
    if (netio_wait(deadline > now ? deadline - now : 0, &ready))
        return ready;
    volatile struct skiff_hc_poll a = {
        .timeout_nsecs = deadline > now ? deadline - now : 0,
    };
    /* The tender waits on the same epoll set as spt and consumes the wake
     * notifications itself (the guest cannot read host fds). */
    hypercall(SKIFF_HC_POLL, &a);
    if (a.ret != 0)
        return 0;
    return a.ready_set & ((1ull << hvt.nic_count) - 1);
}

void hc_kick(unsigned nic)
{
    pio_outl(SKIFF_HVT_PIO_KICK, nic);
}

/* The tender's answer, as one of the results the ABI names. */
static enum skiff_net_result net_result(int64_t ret)
{
    switch (ret) {
    case SKIFF_NET_OK: return SKIFF_NET_OK;
    case SKIFF_NET_AGAIN: return SKIFF_NET_AGAIN;
    case SKIFF_NET_CLOSED: return SKIFF_NET_CLOSED;
    default: return SKIFF_NET_ERROR;
    }
}

enum skiff_net_result hc_net_write(unsigned nic, const void *buf, size_t len)
{
    enum skiff_net_result r;
    if (netio_write(nic, buf, len, &r))
        return r;
    volatile struct skiff_hc_net a = {
        .handle = nic, .data = (uintptr_t)buf, .len = len, .ret = SKIFF_NET_ERROR
    };
    hypercall(SKIFF_HC_NETWRITE, &a);
    return net_result(a.ret);
}

void hc_net_forget(unsigned nic)
{
    /* The tender took the fd out of the POLL set when NETREAD said closed. */
    netio_forget(nic);
}

void hc_net_watch(unsigned nic, int on)
{
    /* The tender hands the packet fd to spt guests only. */
    (void)nic;
    (void)on;
}

enum skiff_net_result hc_net_read(unsigned nic, void *buf, size_t size, size_t *len)
{
    enum skiff_net_result r;
    if (netio_read(nic, buf, size, len, &r))
        return r;
    volatile struct skiff_hc_net a = {
        .handle = nic, .data = (uintptr_t)buf, .len = size, .ret = SKIFF_NET_ERROR
    };
    hypercall(SKIFF_HC_NETREAD, &a);
    r = net_result(a.ret);
    if (r == SKIFF_NET_OK) {
        if (a.len > size) /* the tender is trusted; this is a bug guard */
            return SKIFF_NET_ERROR;
        *len = a.len;
    }
    return r;
}

int hc_block_io(unsigned index, int write, uint64_t offset, void *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        size_t n = len - done < SKIFF_BLOCK_IO_MAX ? len - done : SKIFF_BLOCK_IO_MAX;
        volatile struct skiff_hc_block a = { .index = index,
                                             .offset = offset + done,
                                             .data = (uintptr_t)buf + done,
                                             .len = n,
                                             .ret = -1 };
        hypercall(write ? SKIFF_HC_BLOCK_WRITE : SKIFF_HC_BLOCK_READ, &a);
        if (a.ret != 0)
            return -1;
        done += n;
    }
    return 0;
}

int hc_set_tls_base(uintptr_t base)
{
    if (hvt.features & SKIFF_HVT_F_WRFSBASE) {
        cpu_wrfsbase(base); /* no exit */
        return 0;
    }
    volatile struct skiff_hc_set_tls a = { .base = base, .ret = -1 };
    hypercall(SKIFF_HC_SET_TLS, &a);
    return a.ret == 0 ? 0 : -1;
}

_Noreturn void hc_exit(int status, const char *msg)
{
    netio_flush(); /* frames written last go out before the end */
    volatile struct skiff_hc_halt a = { .exit_status = (uint64_t)(status & 0xff),
                                        .cookie = (uintptr_t)msg };
    hypercall(SKIFF_HC_HALT, &a);
    cpu_halt_forever(); /* the tender never resumes a halted guest */
    __builtin_unreachable();
}

_Noreturn void hc_early_fail(void)
{
    volatile struct skiff_hc_halt a = { .exit_status = 255, .cookie = 0 };
    hypercall(SKIFF_HC_HALT, &a);
    cpu_halt_forever();
    __builtin_unreachable();
}
