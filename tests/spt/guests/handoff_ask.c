/*
 * handoff_ask: an spt guest that sleeps once with its RX ring drained and
 * prints what it then asks of the tender, for tests/spt/nic_flags.sh: whether
 * it has the packet fd to send on itself (the TX bypass) and whether it asked
 * for the fd to read itself (the RX hand-off request in its RX ring's
 * flow-control block). The tender alone decides which NIC has which; the
 * guest must never ask for what the tender would not grant.
 *
 * It reaches into the bindings' boot info and ring memory on purpose: the
 * request is what crosses the boundary, and nothing else shows it.
 */
#include <stdint.h>

#include "shmstream/abi.h"
#include "skiff/abi.h"
#include "skiff/rt.h"
#include "solo5.h"

extern const struct skiff_boot_info *skiff_boot;

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    struct solo5_net_info info;
    solo5_handle_t h;
    if (solo5_net_acquire("service", &h, &info) != SOLO5_R_OK) {
        skiff_printf("handoff_ask: FAILED: no NIC \"service\"\n");
        return 1;
    }
    /* Nothing arrives (the peer is silent): the guest sleeps with its ring
     * drained, which is when it asks for the packet fd if it may. */
    solo5_handle_set_t ready = 0;
    solo5_yield(solo5_clock_monotonic() + 20ull * 1000 * 1000, &ready);

    const struct skiff_boot_nic *b = &skiff_boot->nics[0];
    uint64_t asked = 0;
    if (b->rx_ctrl != 0) { /* ring modes: spt maps gpa == address */
        const struct shms_ctrl *c = (const struct shms_ctrl *)(uintptr_t)b->rx_ctrl;
        asked = __atomic_load_n(&c->r_handoff, __ATOMIC_ACQUIRE);
    }
    int sends = skiff_boot->io_mode != SKIFF_IO_DIRECT && b->spt_direct_fd >= 0;
    skiff_printf("handoff_ask: sends_itself=%d asked_rx_handoff=%d\n", sends, asked != 0);
    return 0;
}
