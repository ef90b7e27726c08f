/*
 * RX: packet fd -> the guest's RX ring. One commit loop over the packet-I/O
 * seam (pktio.h): reserve a batch of slots, read frames straight into them,
 * commit them oldest first, publish. Also the closed protocol (the fd is
 * gone: drain, then deactivate) and the source hand-off (the guest reads the
 * fd itself while it sleeps with its ring drained, datapath.h).
 *
 * Every frame is charged to this pass's budget and to --net-rate as it is
 * read; with --net-rate on, each frame is read on its own after a check of
 * the buckets, so the limiter never lets a frame through unchecked. Frames
 * held back wait in the kernel's queue.
 */
#include "datapath/dp_internal.h"
#include "capture/capture.h"

#include <errno.h>
#include <string.h>

/* Longest we keep published frames readable after EOF for a silent guest. */
#define SKIFF_DP_DRAIN_NS (2ull * 1000 * 1000 * 1000)

/* Publish committed RX slots; wake the guest if it sleeps. */
static void rx_publish(struct skiff_dp *dp)
{
    struct skiff_nic *nic = dp->nic;
    if (shms_writer_publish(&nic->rx)) {
        skiff_dp_notify(nic->rx_wake_fd);
        SKIFF_STAT_ADD(nic->stats.guest_wakeups, 1);
    }
}

void skiff_dp_gone(struct skiff_dp *dp, const char *why)
{
    struct skiff_nic *nic = dp->nic;
    if (why != NULL)
        skiff_nic_report_gone(nic, why);
    else
        nic->gone_reported = true; /* graceful stop: closed on purpose */
    CMM_STORE_SHARED(nic->closed, true);
    if (dp->rx_granted != 0) {
        /* Nothing more is read from the fd: the guest loses it too. */
        shms_writer_set_handoff(&nic->rx, 0);
        dp->rx_granted = 0;
    }
    if (dp->rx_full) {
        shms_writer_finish_wait(&nic->rx);
        dp->rx_full = false;
    }
    /* A stashed TX frame has nowhere to go any more. */
    skiff_dp_tx_drop_stash(dp);
    dp->rx_draining = true;
    dp->drain_start = skiff_dp_now_ns();
    skiff_dp_rx_drain(dp);
}

void skiff_dp_close(struct skiff_dp *dp)
{
    if (!dp->nic->closed)
        skiff_dp_gone(dp, NULL);
}

bool skiff_dp_rx_drain(struct skiff_dp *dp)
{
    struct skiff_nic *nic = dp->nic;
    if (!dp->rx_draining)
        return false;

    /* Own read of the guest's counters: only equality matters, so a lying
     * guest can only hasten or (bounded by the deadline) delay its notice. */
    struct shms_ctrl *ctrl = nic->rx.ctrl;
    uint64_t r_epoch = CMM_LOAD_SHARED(ctrl->r_epoch);
    uint64_t rc = CMM_LOAD_SHARED(ctrl->rc);
    bool done = (r_epoch == nic->rx.epoch && rc == nic->rx.wc) || nic->rx.wc == 0;
    if (!done && skiff_dp_now_ns() - dp->drain_start < SKIFF_DP_DRAIN_NS)
        return true;

    shms_writer_deactivate(&nic->rx);
    dp->rx_draining = false;
    /* Unconditional: deactivation is not covered by publish's wake logic. */
    skiff_dp_notify(nic->rx_wake_fd);
    SKIFF_STAT_ADD(nic->stats.guest_wakeups, 1);
    return false;
}

/* Ring full: announce the wait. Returns true if we must stop reading. */
static bool rx_ring_full(struct skiff_dp *dp)
{
    struct skiff_nic *nic = dp->nic;
    /* Committed frames must be visible before the guest can free anything. */
    rx_publish(dp);
    if (!shms_writer_prepare_wait(&nic->rx))
        return false; /* space appeared meanwhile */
    dp->rx_full = true;
    SKIFF_STAT_ADD(nic->stats.rx_ring_full, 1);
    return true;
}

bool skiff_dp_rx_handoff(struct skiff_dp *dp)
{
    struct skiff_nic *nic = dp->nic;
    if (!nic->rx_handoff || dp->rx_granted != 0 || dp->pkt.ring != NULL || nic->closed ||
        dp->rx_full || shms_writer_pending(&nic->rx) != 0)
        return false;
    uint64_t req = shms_writer_handoff_request(&nic->rx); /* read once */
    if (req == 0)
        return false;
    /* Asleep with every frame read: a lying guest only delays its own RX. */
    if (!shms_writer_reader_idle(&nic->rx))
        return false;
    if (!skiff_dp_handoff_ok(dp))
        return false;                          /* bounded (see datapath.h): read as usual */
    SKIFF_STAT_ADD(nic->stats.rx_handoffs, 1); /* counted before it is seen */
    dp->rx_granted = req;
    shms_writer_set_handoff(&nic->rx, req);
    skiff_dp_notify(nic->rx_wake_fd); /* it sleeps; the waiting frame is its to read */
    SKIFF_STAT_ADD(nic->stats.guest_wakeups, 1);
    return true;
}

bool skiff_dp_rx_takeback(struct skiff_dp *dp)
{
    if (dp->rx_granted == 0 || shms_writer_handoff_request(&dp->nic->rx) == dp->rx_granted)
        return false;
    /* Withdrawn (or replaced by a request not granted yet): the guest
     * reads the fd no more. Clear the grant before reading, so a newer
     * request never sees the old one's grant. */
    shms_writer_set_handoff(&dp->nic->rx, 0);
    dp->rx_granted = 0;
    dp->kick_progress = true; /* the give-back kick did its job */
    return true;
}

bool skiff_dp_rx_resume(struct skiff_dp *dp)
{
    if (!dp->rx_full)
        return false;
    if (shms_writer_space(&dp->nic->rx) == 0)
        return false;
    shms_writer_finish_wait(&dp->nic->rx);
    dp->rx_full = false;
    dp->kick_progress = true;
    return true;
}

/*
 * A read that moved no frame: set *why (if not set yet) when the fd is
 * gone. An empty fd that was reported readable (`check_hangup`) is checked
 * for hang-up, so a dead fd cannot make the loop spin; anything else
 * (ENOBUFS, EINTR...) is transient.
 */
static void rx_read_failed(struct skiff_dp *dp, const struct skiff_pkt_res *r, bool check_hangup,
                           const char **why)
{
    if (*why != NULL || r->status == SKIFF_PKT_NOT_RUN)
        return;
    if (r->status == SKIFF_PKT_GONE)
        *why = r->err == 0 ? "end of file" : strerror(r->err);
    else if ((r->err == EAGAIN || r->err == EWOULDBLOCK) && check_hangup &&
             skiff_pktio_hung_up(&dp->pkt_rw))
        *why = "hang-up";
}

/*
 * A read of n > 0 bytes into a slot with room for `limit`: charge it to this
 * pass's budget and --net-rate, and return the frame's length, or 0 if it is
 * dropped (counted): longer than the limit (the scratch byte caught it), or
 * no frame behind the vnet header (not from a TAP).
 */
static uint32_t rx_frame_len(struct skiff_dp *dp, size_t n, size_t limit)
{
    struct skiff_nic *nic = dp->nic;
    dp->rx_left--;
    dp->rx_bytes_left -= (int64_t)n;
    if (skiff_limiter_on(&dp->rx_limit))
        skiff_limiter_charge(&dp->rx_limit, (uint64_t)n);
    if (n > limit) {
        SKIFF_STAT_ADD(nic->stats.rx_drops[SKIFF_DROP_TOO_BIG], 1);
        return 0;
    }
    if (n <= dp->vnet_len) {
        SKIFF_STAT_ADD(nic->stats.rx_drops[SKIFF_DROP_BAD_SLOT], 1);
        return 0;
    }
    return (uint32_t)(n - dp->vnet_len);
}

/*
 * How many frames the next batch asks for: never more than this pass's
 * budget has room for (one at least); one with --net-rate on (a check
 * before every frame). A batched pktio pays one system call per batch
 * whatever it finds, so its batch grows while every read finds a frame and
 * shrinks to what was found otherwise: an idle NIC then costs about what
 * the per-frame pktio costs (two reads), whose reads stop at the first
 * empty one anyway.
 */
static uint32_t rx_batch_size(struct skiff_dp *dp, const struct skiff_pktio *p)
{
    uint32_t want = dp->vnet_len + dp->frame_max;
    uint32_t n = dp->rx_left < SKIFF_DP_BATCH ? dp->rx_left : SKIFF_DP_BATCH;
    uint64_t by_bytes = (uint64_t)dp->rx_bytes_left / want;
    if (by_bytes == 0)
        by_bytes = 1;
    if (n > by_bytes)
        n = (uint32_t)by_bytes;
    if (skiff_dp_limited(dp, &dp->rx_limit))
        return 1;
    if (skiff_pktio_batched(p)) {
        if (dp->rx_batch_want < 2)
            dp->rx_batch_want = 2;
        if (n > dp->rx_batch_want)
            n = dp->rx_batch_want;
    }
    return n;
}

/* Reserve up to n slots (a lossy ring takes one at a time). */
static uint32_t rx_reserve(struct shms_writer *w, struct shms_wslot *ws, uint32_t n)
{
    if (w->mode != SHMS_MODE_LOSSLESS)
        return shms_writer_reserve(w, &ws[0]) == SHMS_OK ? 1 : 0;
    return shms_writer_reserve_batch(w, ws, n);
}

/*
 * One batch: reserve slots, read into all of them through the seam, then
 * commit the frames oldest first. A read that found nothing or a dropped
 * frame leaves a hole; a frame behind it moves down into the next slot to
 * commit (rare: io_uring's reads run on past a hole, or a frame was
 * dropped), so the guest sees frames in the fd's order and no slot it has
 * not been given a frame for. Publishes once SKIFF_DP_BATCH frames wait or
 * reading stops: a wake-up per small batch would cost the guest a context
 * switch each (skiff_dp_rx publishes whatever is left when it stops).
 * *why is set when the fd turned out to be gone; *more when every read
 * found a frame (read on).
 */
static unsigned rx_batch(struct skiff_dp *dp, bool ready, const char **why, bool *more)
{
    struct skiff_nic *nic = dp->nic;
    struct skiff_pktio *p =
        dp->nic->rx.mode == SHMS_MODE_LOSSLESS ? skiff_dp_pktio(dp, &dp->rx_limit) : &dp->pkt_rw;
    struct shms_wslot ws[SKIFF_DP_BATCH];
    struct iovec iov[2 * SKIFF_DP_BATCH];
    struct skiff_pkt_res res[SKIFF_DP_BATCH];
    uint32_t want = dp->vnet_len + dp->frame_max;

    *more = false;
    if (!skiff_dp_limit_ok(dp, &dp->rx_limit, &dp->rx_resume_ns, &nic->stats.rx_throttled))
        return 0;
    uint32_t n = rx_batch_size(dp, p);
    uint32_t k = rx_reserve(&nic->rx, ws, n);
    if (k == 0) {
        if (rx_ring_full(dp))
            return 0;
        k = rx_reserve(&nic->rx, ws, n);
        if (k == 0)
            return 0;
    }
    for (uint32_t i = 0; i < k; i++) {
        /* Straight into the slot. The scratch byte behind it turns a frame
         * longer than the limit into a read longer than the limit, whether
         * the fd truncates (sockets) or reports the full length. */
        iov[2 * i].iov_base = ws[i].data;
        iov[2 * i].iov_len = ws[i].cap < want ? ws[i].cap : want;
        iov[2 * i + 1].iov_base = &dp->rx_scratch;
        iov[2 * i + 1].iov_len = 1;
    }
    unsigned ran = skiff_pktio_read(p, iov, k, res);
    bool batched = skiff_pktio_batched(p); /* after the call: a ring may have failed */

    unsigned handled = 0;
    uint32_t used = 0; /* slots committed */
    bool commit_failed = false;
    for (uint32_t i = 0; i < ran; i++) {
        if (res[i].status != SKIFF_PKT_OK) {
            rx_read_failed(dp, &res[i], ready && i == 0, why);
            continue;
        }
        handled++;
        uint32_t frame_len = rx_frame_len(dp, res[i].len, iov[2 * i].iov_len);
        if (frame_len == 0)
            continue;
        /* Cannot fail (the read fit the slot); if it did, the slots
         * behind it would no longer be the ones reserved: drop the rest. */
        if (commit_failed) {
            SKIFF_STAT_ADD(nic->stats.rx_drops[SKIFF_DROP_TOO_BIG], 1);
            continue;
        }
        if (used != i)
            memcpy(ws[used].data, ws[i].data, res[i].len);
        if (shms_writer_commit(&nic->rx, &ws[used], frame_len, dp->vnet_len) != SHMS_OK) {
            commit_failed = true;
            SKIFF_STAT_ADD(nic->stats.rx_drops[SKIFF_DROP_TOO_BIG], 1);
            continue;
        }
        /* Committed, not yet published: the slot is still ours to read. */
        skiff_capture_frame(nic->capture, (const uint8_t *)ws[used].data + dp->vnet_len, frame_len);
        used++;
        SKIFF_STAT_ADD(nic->stats.rx_frames, 1);
        SKIFF_STAT_ADD(nic->stats.rx_bytes, frame_len);
    }
    shms_writer_unreserve(&nic->rx);
    if (batched) {
        SKIFF_STAT_ADD(nic->stats.tap_batches, 1);
        if (handled == k)
            dp->rx_batch_want = 2 * k < SKIFF_DP_BATCH ? 2 * k : SKIFF_DP_BATCH;
        else
            dp->rx_batch_want = handled + 1;
    }
    *more = handled == k;
    if (!*more || shms_writer_pending(&nic->rx) >= SKIFF_DP_BATCH)
        rx_publish(dp);
    return handled;
}

/*
 * Batches keep coming while the fd delivers, up to this pass's budget. A
 * guest woken by the first publish finds more frames before it can go back
 * to sleep, which keeps wake-ups per frame low.
 */
unsigned skiff_dp_rx(struct skiff_dp *dp, bool ready)
{
    unsigned handled = 0;
    const char *why = NULL;
    bool more;

    if (dp->nic->closed || dp->rx_full || dp->rx_granted != 0 || skiff_dp_held(&dp->rx_resume_ns))
        return 0;
    do
        handled += rx_batch(dp, ready && handled == 0, &why, &more);
    while (more && why == NULL && !dp->rx_full && dp->rx_left > 0 && dp->rx_bytes_left > 0 &&
           dp->rx_resume_ns == 0);
    if (shms_writer_pending(&dp->nic->rx) != 0)
        rx_publish(dp);
    if (why != NULL)
        skiff_dp_gone(dp, why);
    return handled;
}
