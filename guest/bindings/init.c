/*
 * Start-up of the bindings: attach every NIC in the boot info to its rings.
 * The tender has already initialised and activated each RX channel; the guest
 * initialises each TX channel (the tender syncs once its epoch is non-zero).
 */
#include "skiff/rt.h"

#include "bindings.h"
#include "hc.h"

const struct skiff_boot_info *skiff_boot;
bool skiff_direct;
struct gnic skiff_nics[SKIFF_MAX_NICS];

_Noreturn void skiff_fatal(const char *what)
{
    skiff_printf("skiff: %s\n", what);
    hc_exit(SOLO5_EXIT_ABORT, NULL);
}

static void attach_rings(struct gnic *n)
{
    const struct skiff_boot_nic *b = n->boot;
    const struct shms_geometry g = {
        .protocol = SHMS_PROTOCOL_ETH,
        .size = b->slot_size,
        .elements = b->slot_count,
    };
    uint64_t need = shms_channel_bytes(&g);

    if (need == 0 || need > b->chan_bytes)
        skiff_fatal("boot info: bad ring geometry");
    if (n->max_frame > shms_slot_capacity(g.size))
        skiff_fatal("boot info: MTU larger than a ring slot");

    if (shms_writer_init(&n->tx, (void *)(uintptr_t)b->tx_chan, b->chan_bytes,
                         (struct shms_ctrl *)(uintptr_t)b->tx_ctrl, &g, SKIFF_GUEST_TX_EPOCH,
                         SHMS_MODE_LOSSLESS) != SHMS_OK)
        skiff_fatal("cannot initialise TX channel");

    shms_reader_init(&n->rx, (const void *)(uintptr_t)b->rx_chan, b->chan_bytes,
                     (struct shms_ctrl *)(uintptr_t)b->rx_ctrl, &g, SHMS_MODE_LOSSLESS);
    int r;
    int tries = 0;
    do /* EPOCH_CHANGED only if the tender re-initialises right now */
        r = shms_reader_sync(&n->rx);
    while (r == SHMS_EPOCH_CHANGED && ++tries < 100);
    if (r == SHMS_INACTIVE) {
        /* The device closed before we started (an fd already at end of
         * file): the tender deactivated RX with nothing in it. */
        n->closed = true;
        return;
    }
    if (r != SHMS_OK)
        skiff_fatal("cannot attach RX channel");
    if (n->rx.epoch != b->rx_epoch)
        skiff_fatal("RX channel epoch differs from boot info");
}

void skiff_bindings_init(const struct skiff_boot_info *bi)
{
    skiff_boot = bi;
    skiff_direct = bi->io_mode == SKIFF_IO_DIRECT;
    if (bi->nic_count > SKIFF_MAX_NICS)
        skiff_fatal("boot info: too many NICs");
    if (bi->block_count > SKIFF_MAX_BLOCKS)
        skiff_fatal("boot info: too many block devices");

    for (unsigned i = 0; i < bi->nic_count; i++) {
        struct gnic *n = &skiff_nics[i];
        n->boot = &bi->nics[i];
        n->index = i;
        n->max_frame = (size_t)bi->nics[i].mtu + SOLO5_NET_HLEN;
        if (bi->nics[i].flags & ~SKIFF_NIC_F_BOOT_KNOWN)
            skiff_fatal("boot info: unknown NIC flags");
        /* The tender only enables vnet in ring modes; never trust that. */
        if ((bi->nics[i].flags & SKIFF_NIC_F_VNET) && !skiff_direct) {
            n->vnet = true;
            n->max_frame = SOLO5_NET_VNET_BUF_MAX;
        }
        n->report_closed = (bi->nics[i].flags & SKIFF_NIC_F_CLOSED) != 0;
        if (!skiff_direct)
            attach_rings(n);
        /* spt event mode: the tender handed us the packet fd for sending
         * frames ourselves while its I/O thread sleeps (net_tx.c), and
         * perhaps to read ourselves once it grants a request (net_rx.c).
         * Its flags say which; the fd must be there too. */
        uint32_t flags = bi->nics[i].flags;
        n->tx_bypass =
            !skiff_direct && (flags & SKIFF_NIC_F_TX_BYPASS) && bi->nics[i].spt_direct_fd >= 0;
        n->rx_handoff = n->tx_bypass && (flags & SKIFF_NIC_F_RX_HANDOFF);
    }
}
