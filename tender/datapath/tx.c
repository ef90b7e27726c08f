/*
 * TX: the guest's TX ring -> packet fd. One commit loop over the packet-I/O
 * seam (pktio.h): take slots from the ring (tx_take: every slot judged
 * once, a frame queued, anything else counted as a drop), write the queue
 * (tx_flush: every result accounted once), release the slots, repeat until
 * the ring is empty, the fd is full or this pass's budget is spent.
 *
 * Slots are released only after their frames were written, so the guest
 * never sees its slot back while the kernel might still read it. A frame
 * the fd refuses (would block) is copied to the stash and the slots behind
 * it go back to the ring unread: the guest has every other slot back while
 * the fd is congested, and frames reach the fd in ring order.
 * The stash's own slot is back with the guest too, so the stash is counted
 * whatever becomes of it: written, or dropped when the NIC closes or the
 * tender exits with the fd still full (skiff_dp_tx_final).
 *
 * Guest TX frames on a closed NIC are consumed and counted as TAP errors so
 * the guest never blocks on a dead link. With --net-rate on, each frame is
 * taken and written on its own after a check of the buckets; held-back
 * frames wait in the guest's ring (which fills and pushes back on the guest).
 */
#include "datapath/dp_internal.h"
#include "capture/capture.h"

#include <stdio.h>
#include <string.h>

/* Re-sync attempts per call when the guest keeps moving its TX epoch. */
#define SKIFF_DP_SYNC_TRIES 4

/* One incompatible epoch, one (rate-limited) line: a guest flipping
 * epochs cannot flood the log. */
static void tx_incompatible(struct skiff_dp *dp)
{
    struct skiff_nic *nic = dp->nic;
    uint64_t epoch = CMM_LOAD_SHARED(nic->tx.hdr->epoch);
    uint64_t more = 0;
    if (epoch == dp->tx_bad_epoch)
        return;
    dp->tx_bad_epoch = epoch;
    if (!skiff_log_limit_hit(&dp->rl_incompatible, skiff_dp_now_ns(), &more))
        return;
    if (more == 0)
        fprintf(stderr,
                "skiff: warning: net %s: guest TX channel is "
                "incompatible; its frames are ignored\n",
                nic->name);
    else
        fprintf(stderr,
                "skiff: warning: net %s: guest TX channel is "
                "incompatible; its frames are ignored (%llu more "
                "times since the last such line)\n",
                nic->name, (unsigned long long)more);
}

/* Make sure the TX reader follows the guest's current epoch. */
static bool tx_sync(struct skiff_dp *dp)
{
    struct skiff_nic *nic = dp->nic;
    for (int i = 0; i < SKIFF_DP_SYNC_TRIES; i++) {
        /* An inactive channel costs one load; anything else a token. */
        if (CMM_LOAD_SHARED(nic->tx.hdr->epoch) == 0 || !skiff_dp_resync_ok(dp))
            return false;
        int rv = shms_reader_sync(&nic->tx);
        if (rv == SHMS_OK)
            return true;
        if (rv == SHMS_EPOCH_CHANGED)
            continue;
        if (rv == SHMS_INCOMPATIBLE)
            tx_incompatible(dp);
        return false;
    }
    return false;
}

/* Release everything consumed; wake a guest that waits for TX space. */
static void tx_publish(struct skiff_dp *dp)
{
    struct skiff_nic *nic = dp->nic;
    shms_reader_release(&nic->tx);
    if (shms_reader_publish(&nic->tx)) {
        skiff_dp_notify(nic->rx_wake_fd);
        SKIFF_STAT_ADD(nic->stats.tx_waiter_wakeups, 1);
    }
}

/* Frames taken from the ring for one write, the vnet header included: the
 * last n slots peeked, in order. */
struct tx_queue {
    unsigned n;
    bool consumed; /* an overrun behind these frames moved the reader past
                    * them: they can no longer go back to the ring */
    const void *buf[SKIFF_DP_BATCH];
    uint32_t len[SKIFF_DP_BATCH];
};

/* A peeked slot holds a frame to write... */
#define TX_FRAME (-1)

/* ...or is counted as a drop, for this reason. The one place a slot is judged. */
static int tx_judge(const struct skiff_dp *dp, int rv, const struct shms_rslot *rs)
{
    if (rv == SHMS_OVERRUN)
        return SKIFF_DROP_OVERRUN;
    if (rv != SHMS_OK || rs->len == 0)
        return SKIFF_DROP_BAD_SLOT;
    /* A vnet NIC needs the header the TAP expects; the ring library has
     * checked that it lies inside the slot. Plain NICs ignore one. */
    if (dp->vnet_len != 0 && rs->vnet_len != dp->vnet_len)
        return SKIFF_DROP_BAD_SLOT;
    if (rs->len > dp->frame_max)
        return SKIFF_DROP_TOO_BIG;
    if (dp->nic->closed)
        return SKIFF_DROP_TAP_ERROR;
    return TX_FRAME;
}

/*
 * Take slots into q (at most `cap` frames) while this pass's budget lasts.
 * Returns true if TX stops after q is written (ring empty, budget spent,
 * --net-rate, a channel that will not sync), false if it goes on (q is
 * full, or a slot that is not a frame waits behind q: it is put back and
 * judged again with q empty, so it is counted once and nothing overtakes
 * the queued frames).
 */
static bool tx_take(struct skiff_dp *dp, struct tx_queue *q, unsigned cap, unsigned *handled,
                    int *resyncs)
{
    struct skiff_nic *nic = dp->nic;
    struct skiff_nic_stats *st = &nic->stats;
    bool limited = skiff_limiter_on(&dp->tx_limit);

    for (;;) {
        if (*handled >= SKIFF_DP_BATCH || dp->tx_left == 0 || dp->tx_bytes_left <= 0)
            return true;
        if (q->n == cap)
            return false;
        /* Held back only with a frame waiting (available() is a hint; a
         * lying guest only makes us check the buckets for nothing). */
        if (!nic->closed && limited && shms_reader_available(&nic->tx) != 0 &&
            !skiff_dp_limit_ok(dp, &dp->tx_limit, &dp->tx_resume_ns, &st->tx_throttled))
            return true;
        struct shms_rslot rs;
        uint64_t peeked = nic->tx.peeked;
        int rv = shms_reader_peek(&nic->tx, &rs);
        if (rv == SHMS_NO_DATA)
            return true;
        int verdict = tx_judge(dp, rv, &rs);
        if (verdict != TX_FRAME && q->n > 0) {
            if (rv == SHMS_OVERRUN) {
                /* Already skipped to the writer: it cannot be judged
                 * again, so it counts now. */
                q->consumed = true;
                (*handled)++;
                dp->tx_left--;
                if (limited)
                    skiff_bucket_charge(&dp->tx_limit.frames, 1);
                SKIFF_STAT_ADD(st->tx_drops[SKIFF_DROP_OVERRUN], 1);
            } else if (nic->tx.peeked > peeked) {
                shms_reader_unpeek(&nic->tx, 1);
            }
            return false;
        }
        if (rv == SHMS_INACTIVE || rv == SHMS_EPOCH_CHANGED) {
            /* Guest re-initialised (or dropped) its TX channel. */
            if (++*resyncs > SKIFF_DP_SYNC_TRIES || !tx_sync(dp))
                return true;
            continue;
        }
        /* Every slot consumed counts as a frame, valid or not. */
        (*handled)++;
        dp->tx_left--;
        if (limited)
            skiff_bucket_charge(&dp->tx_limit.frames, 1);
        if (verdict != TX_FRAME) {
            SKIFF_STAT_ADD(st->tx_drops[verdict], 1);
            continue;
        }
        uint32_t out_len = dp->vnet_len + rs.len;
        dp->tx_bytes_left -= out_len;
        if (limited)
            skiff_bucket_charge(&dp->tx_limit.bytes, out_len);
        q->buf[q->n] = (const uint8_t *)rs.data - dp->vnet_len;
        q->len[q->n] = out_len;
        q->n++;
    }
}

/* One write's verdict on the counters (for a frame not kept for later). */
static void tx_count(struct skiff_dp *dp, const struct skiff_pkt_res *r, const void *buf,
                     uint32_t len)
{
    struct skiff_nic *nic = dp->nic;
    if (r->status == SKIFF_PKT_OK) {
        skiff_capture_frame(nic->capture, (const uint8_t *)buf + dp->vnet_len, len - dp->vnet_len);
        SKIFF_STAT_ADD(nic->stats.tx_frames, 1);
        SKIFF_STAT_ADD(nic->stats.tx_bytes, len - dp->vnet_len);
        return;
    }
    /* DROP or GONE: this frame is lost; a gone fd closes the NIC. */
    SKIFF_STAT_ADD(nic->stats.tx_drops[r->drop], 1);
    if (r->status == SKIFF_PKT_GONE && !nic->closed)
        skiff_dp_gone(dp, strerror(r->err));
}

/* Hand the last k queued frames back to the ring to be taken again, or,
 * where a lying guest's overrun already moved the reader past them, count
 * them lost (so in = out + drops still holds). */
static void tx_give_back(struct skiff_dp *dp, const struct tx_queue *q, unsigned k)
{
    if (q->consumed)
        SKIFF_STAT_ADD(dp->nic->stats.tx_drops[SKIFF_DROP_OVERRUN], k);
    else
        shms_reader_unpeek(&dp->nic->tx, k);
}

/*
 * Write the queue. Returns false if the fd would block (TX stops: the
 * stash holds that frame, the slots behind it are back in the ring).
 * Frames never written (behind a failed one) go back to the ring too; the
 * next take finds them again.
 */
static bool tx_flush(struct skiff_dp *dp, struct skiff_pktio *p, struct tx_queue *q)
{
    struct skiff_nic *nic = dp->nic;
    struct skiff_pkt_res res[SKIFF_DP_BATCH];
    unsigned n = q->n;

    q->n = 0;
    skiff_pktio_write(p, q->buf, q->len, n, res);
    if (skiff_pktio_batched(p))
        SKIFF_STAT_ADD(nic->stats.tap_batches, 1);
    for (unsigned i = 0; i < n; i++) {
        switch (res[i].status) {
        case SKIFF_PKT_AGAIN:
            memcpy(dp->stash, q->buf[i], q->len[i]);
            dp->stash_len = q->len[i];
            dp->tx_blocked = true;
            tx_give_back(dp, q, n - i - 1);
            return false;
        case SKIFF_PKT_NOT_RUN: tx_give_back(dp, q, n - i); return true;
        default: tx_count(dp, &res[i], q->buf[i], q->len[i]);
        }
    }
    return true;
}

unsigned skiff_dp_tx(struct skiff_dp *dp)
{
    struct skiff_nic *nic = dp->nic;
    unsigned handled = 0;
    int resyncs = 0;
    bool stop;

    if (dp->tx_blocked || skiff_dp_held(&dp->tx_resume_ns))
        return 0;
    if (!nic->tx.synced && !tx_sync(dp))
        return 0;

    struct skiff_pktio *p = skiff_dp_pktio(dp, &dp->tx_limit);
    unsigned cap = skiff_dp_limited(dp, &dp->tx_limit) ? 1 : SKIFF_DP_BATCH;
    do {
        struct tx_queue q;
        q.n = 0;
        q.consumed = false;
        stop = tx_take(dp, &q, cap, &handled, &resyncs);
        if (q.n > 0 && !tx_flush(dp, p, &q))
            break;
    } while (!stop);

    tx_publish(dp);
    if (handled > 0)
        dp->kick_progress = true;
    return handled;
}

unsigned skiff_dp_tx_writable(struct skiff_dp *dp)
{
    if (dp->tx_blocked) {
        const void *buf = dp->stash;
        struct skiff_pkt_res r;
        skiff_pktio_write(&dp->pkt_rw, &buf, &dp->stash_len, 1, &r);
        if (r.status == SKIFF_PKT_AGAIN)
            return 0;
        /* No longer kept: a gone fd must not count it a second time. */
        dp->tx_blocked = false;
        tx_count(dp, &r, dp->stash, dp->stash_len);
    }
    return 1 + skiff_dp_tx(dp);
}

void skiff_dp_tx_drop_stash(struct skiff_dp *dp)
{
    if (dp->tx_blocked) {
        dp->tx_blocked = false;
        SKIFF_STAT_ADD(dp->nic->stats.tx_drops[SKIFF_DROP_TAP_ERROR], 1);
    }
}

void skiff_dp_tx_final(struct skiff_dp *dp)
{
    uint64_t rounds = dp->nic->tx.elements / SKIFF_DP_BATCH + 2;

    /* Last words go out whatever --net-rate says (still bounded). */
    dp->unlimited = true;
    dp->tx_resume_ns = 0;
    skiff_dp_pass_begin(dp);
    /* One more try for the stash: the fd may have drained since it was
     * refused, and the loop no longer watches for that. */
    if (dp->tx_blocked && skiff_dp_tx_writable(dp) == 0)
        rounds = 0;
    while (rounds-- > 0 && !dp->tx_blocked) {
        skiff_dp_pass_begin(dp);
        if (skiff_dp_tx(dp) == 0)
            break;
    }
    /* Still refused: nobody will write it now. Its slot went back to the
     * guest when it was stashed, so it is counted here or nowhere. */
    skiff_dp_tx_drop_stash(dp);
}

bool skiff_dp_tx_prepare_sleep(struct skiff_dp *dp)
{
    if (dp->tx_blocked || dp->tx_resume_ns != 0)
        return true; /* the fd's writability (or the limiter's timer) wakes us */
    if (!shms_reader_prepare_sleep(&dp->nic->tx))
        return false;
    dp->tx_asleep = true;
    return true;
}

void skiff_dp_tx_finish_sleep(struct skiff_dp *dp)
{
    if (dp->tx_asleep) {
        shms_reader_finish_sleep(&dp->nic->tx);
        dp->tx_asleep = false;
    }
}
