/*
 * solo5_yield(): wait for input or a deadline.
 *
 * Ring modes: if any acquired NIC already has RX frames, return at once with
 * no system call or hypercall - the common case under load. Otherwise
 * announce "asleep" in every acquired NIC's RX flow-control block, check
 * again (the tender may have published between the first check and the
 * announcement; it only wakes readers that announced), then block in the
 * hypercall poll. After waking, withdraw the announcements and report what
 * the rings hold. Direct mode polls the packet fds.
 *
 * Sleeping costs a hypercall (hvt: a VM exit, far dearer on PVM than on
 * hardware KVM: docs/analysis/hvt-exits.md), so before sleeping the guest
 * polls its rings for a while, like KVM's halt polling: the window starts
 * at 0, doubles (up to the tender's poll_max_ns) whenever input woke a
 * sleep that the window would have covered, and is reset when a sleep
 * lasted longer than that - so an idle guest never spins, and a busy one
 * rarely sleeps.
 *
 * spt event mode: before sleeping the guest also asks for its packet fds
 * (the source hand-off, net_rx.c); a packet fd granted to it is in its poll
 * set, and no ring polling can see its frames, so it then sleeps at once.
 */
#include "bindings.h"
#include "hc.h"

static uint64_t acquired_set(void)
{
    uint64_t set = 0;

    for (unsigned i = 0; i < skiff_boot->nic_count; i++)
        if (skiff_nics[i].acquired)
            set |= 1ull << i;
    return set;
}

static uint64_t rx_ready_set(uint64_t acquired)
{
    uint64_t set = 0;

    for (unsigned i = 0; i < skiff_boot->nic_count; i++)
        if ((acquired & (1ull << i)) && skiff_nic_rx_ready(&skiff_nics[i]))
            set |= 1ull << i;
    return set;
}

#define POLL_START_NS 2000ull

static inline void cpu_relax(void)
{
#if defined(__x86_64__)
    __asm__ __volatile__("pause");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static uint64_t poll_ns; /* current polling window */

/* Poll the rings until input, the deadline or the window's end. */
static uint64_t poll_rings(uint64_t acquired, solo5_time_t deadline)
{
    if (poll_ns == 0)
        return 0;
    uint64_t t0 = hc_clock_monotonic(), end = t0 + poll_ns;
    if (end > deadline)
        end = deadline;
    for (;;) {
        uint64_t ready = rx_ready_set(acquired);
        if (ready)
            return ready;
        if (hc_clock_monotonic() >= end)
            return 0;
        cpu_relax();
    }
}

/* Grow or reset the window after a sleep of `slept` ns that ended with input
 * (`woken`) or without. */
static void adapt_window(uint64_t slept, bool woken)
{
    uint64_t max = skiff_boot->poll_max_ns;
    if (woken && slept <= max)
        poll_ns = poll_ns ? (poll_ns * 2 < max ? poll_ns * 2 : max) : POLL_START_NS;
    else if (slept > max)
        poll_ns = 0;
}

/* NICs whose packet fd the tender has left to us (net_rx.c). */
static uint64_t handed_off_set(uint64_t acquired)
{
    uint64_t set = 0;

    for (unsigned i = 0; i < skiff_boot->nic_count; i++)
        if ((acquired & (1ull << i)) && skiff_nics[i].rx_handoff &&
            shms_reader_handed_off(&skiff_nics[i].rx))
            set |= 1ull << i;
    return set;
}

/* Nothing to read: ask for the packet fds (spt event mode), then poll the
 * rings for a while - unless a packet fd is ours, whose frames only the
 * sleep sees. Returns the NICs with input. */
static uint64_t sleep_prepare(uint64_t acquired, solo5_time_t deadline)
{
    if (skiff_rx_handoff_prepare(acquired) != 0)
        return 0;
    return poll_rings(acquired, deadline);
}

void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set)
{
    uint64_t acquired = acquired_set();
    uint64_t ready;

    if (skiff_direct) {
        /* A NIC already reported closed is out of the poll set; should its
         * fd show up anyway (a graceful stop swaps in a closed pipe), take
         * it out again and keep waiting rather than return for nothing. */
        for (;;) {
            uint64_t got = hc_wait(deadline) & acquired, stale = 0;
            for (unsigned i = 0; i < skiff_boot->nic_count; i++)
                if ((got & (1ull << i)) && skiff_nics[i].closed_told) {
                    stale |= 1ull << i;
                    hc_net_forget(i);
                }
            ready = got & ~stale;
            if (ready != 0 || stale == 0 || hc_clock_monotonic() >= deadline)
                break;
        }
    } else if ((ready = rx_ready_set(acquired)) == 0 &&
               (ready = sleep_prepare(acquired, deadline)) == 0) {
        uint64_t asleep = 0, polled = 0;

        for (unsigned i = 0; i < skiff_boot->nic_count; i++) {
            struct gnic *n = &skiff_nics[i];
            if (!(acquired & (1ull << i)) || n->closed)
                continue;
            if (shms_reader_prepare_sleep(&n->rx))
                asleep |= 1ull << i;
            else
                ready |= 1ull << i; /* frames arrived meanwhile */
        }
        /* prepare_sleep's re-check covers frames; this one covers a
         * channel deactivated (EOF) or re-initialised meanwhile. */
        if (ready == 0)
            ready = rx_ready_set(acquired);
        if (ready == 0) {
            uint64_t t0 = skiff_boot->poll_max_ns ? hc_clock_monotonic() : 0;
            polled = hc_wait(deadline);
            if (skiff_boot->poll_max_ns) {
                uint64_t slept = hc_clock_monotonic() - t0;
                adapt_window(slept, rx_ready_set(acquired) != 0);
            }
        }
        for (unsigned i = 0; i < skiff_boot->nic_count; i++)
            if (asleep & (1ull << i))
                shms_reader_finish_sleep(&skiff_nics[i].rx);
        /* A packet fd of ours reported readable, or just granted. */
        ready = rx_ready_set(acquired) | (polled & handed_off_set(acquired));
    }
    if (ready_set != NULL)
        *ready_set = ready;
}
