/*
 * The datapath shared by both I/O modes: packet fd -> RX ring (rx.c: read
 * straight into reserved slots) and TX ring -> packet fd (tx.c: write
 * straight from the guest's slots), through the packet-I/O seam (pktio.h),
 * with the flow control and notifications the ring library asks for, and
 * the holds that bound what a NIC may do (holds.c). This file: per-NIC set-up
 * and what both directions share. Nothing here blocks; the caller's loop
 * decides when to sleep and which fd events to watch (skiff_dp_want_*).
 *
 * A NIC with vnet headers (nic->vnet, see vnet.h) moves "12-byte header +
 * frame" in one read(2)/write(2): the header sits in the slot right before
 * the frame (slot vnet_len 12), so nothing is copied either way. The header
 * is the kernel's to check; counters count frames (a GSO super-frame is one
 * frame, as the TAP's own counters see it) and frame bytes without headers.
 *
 * Everything in guest memory is hostile. The ring library validates counters
 * and slot headers; the only shared words this file reads itself are the RX
 * ctrl counters while draining after EOF, and a lie there only delays the
 * guest's own "closed" notice.
 *
 * Closed protocol (EOF on the packet fd, or an error that means it is gone,
 * as skiff/closed.h defines for every mode): the NIC is marked closed, the
 * fd no longer read, and one line names the NIC. Frames already published
 * stay readable: once the guest has released all of them (or after
 * SKIFF_DP_DRAIN_NS if it never does), the RX channel is deactivated
 * (epoch 0) and the guest is woken. The guest bindings report
 * SOLO5_R_CLOSED when a synced RX channel goes inactive. Guest TX frames on a
 * closed NIC are consumed and counted as TAP errors so the guest never
 * blocks on a dead link.
 *
 * Fairness and --net-rate: every direction stops at this pass's budget
 * (skiff_dp_pass_begin) and, with a limiter, whenever its buckets are empty;
 * a held-back direction records when it may move again and the loop's timer
 * brings it back (skiff_dp_limit_check). Held-back frames wait where they
 * are: RX in the kernel's queue, TX in the guest's ring (which fills and
 * pushes back on the guest), so the limiter itself loses nothing.
 */
#include "datapath/dp_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/vnet.h"

uint64_t skiff_dp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void skiff_dp_notify(int fd)
{
    uint64_t one = 1;
    ssize_t r;
    do
        r = write(fd, &one, sizeof(one));
    while (r < 0 && errno == EINTR);
}

int skiff_dp_init(struct skiff_dp *dp, struct skiff_nic *nic)
{
    memset(dp, 0, sizeof(*dp));
    dp->nic = nic;
    dp->vnet_len = nic->vnet ? SKIFF_VNET_HDR_LEN : 0;
    dp->frame_max = nic->vnet ? SKIFF_VNET_FRAME_MAX : skiff_frame_max(nic->mtu);
    dp->stash = malloc((size_t)dp->vnet_len + dp->frame_max);
    if (dp->stash == NULL) {
        fprintf(stderr, "skiff: error: net %s: out of memory\n", nic->name);
        return -1;
    }
    skiff_pktio_rw_init(&dp->pkt_rw, nic->fd, nic->name);
    dp->pkt = dp->pkt_rw;
    skiff_dp_holds_init(dp);
    skiff_dp_pass_begin(dp);
    return 0;
}

void skiff_dp_use_uring(struct skiff_dp *dp, struct skiff_uring *ring, unsigned idx)
{
    skiff_pktio_uring_init(&dp->pkt, dp->nic->fd, dp->nic->name, ring, idx);
}

void skiff_dp_fini(struct skiff_dp *dp)
{
    uint64_t n = skiff_log_limit_flush(&dp->rl_incompatible);
    if (n != 0 && dp->nic != NULL)
        fprintf(stderr,
                "skiff: warning: net %s: guest TX channel was incompatible %llu more "
                "times (not shown)\n",
                dp->nic->name, (unsigned long long)n);
    free(dp->stash);
    dp->stash = NULL;
}

void skiff_dp_pass_begin(struct skiff_dp *dp)
{
    dp->rx_left = dp->tx_left = SKIFF_DP_PASS_FRAMES;
    dp->rx_bytes_left = dp->tx_bytes_left = SKIFF_DP_PASS_BYTES;
}

bool skiff_dp_kick(struct skiff_dp *dp)
{
    uint64_t v;
    ssize_t n;
    do
        n = read(dp->nic->tx_kick_fd, &v, sizeof(v));
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(v))
        return false;
    SKIFF_STAT_ADD(dp->nic->stats.guest_kicks, 1);
    return true;
}
