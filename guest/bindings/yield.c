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

void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set)
{
    uint64_t acquired = acquired_set();
    uint64_t ready;

    if (skiff_direct) {
        ready = hc_poll(deadline) & acquired;
    } else if ((ready = rx_ready_set(acquired)) == 0) {
        uint64_t asleep = 0;

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
        if (ready == 0)
            hc_poll(deadline);
        for (unsigned i = 0; i < skiff_boot->nic_count; i++)
            if (asleep & (1ull << i))
                shms_reader_finish_sleep(&skiff_nics[i].rx);
        ready = rx_ready_set(acquired);
    }
    if (ready_set != NULL)
        *ready_set = ready;
}
