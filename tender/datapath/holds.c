/*
 * Holds: what keeps a NIC's direction from moving for a while, and when it
 * may move again. --net-rate (token buckets per direction), the always-on
 * bounds on TX re-synchronisations and RX hand-offs, and kick muting (a
 * guest whose kicks keep finding nothing has its kick fd unwatched for a
 * while, see datapath.h). A held direction records when it may resume; the
 * loop's timer brings it back (skiff_dp_limit_check).
 */
#include "datapath/dp_internal.h"

/* Buckets for one direction: capacity is burst_ms of the rate, and never
 * less than the largest frame, or that frame could never pass. */
static void limiter_init(struct skiff_limiter *l, uint64_t frames, uint64_t bytes,
                         uint32_t burst_ms, uint64_t frame_bytes)
{
    uint64_t ms = burst_ms ? burst_ms : SKIFF_RATE_BURST_MS_DEFAULT;
    uint64_t now = skiff_dp_now_ns();
    uint64_t fcap = frames / 1000 * ms + frames % 1000 * ms / 1000;
    uint64_t bcap = bytes / 1000 * ms + bytes % 1000 * ms / 1000;
    skiff_bucket_init(&l->frames, frames, fcap ? fcap : 1, now);
    skiff_bucket_init(&l->bytes, bytes, bcap > frame_bytes ? bcap : frame_bytes, now);
}

void skiff_dp_holds_init(struct skiff_dp *dp)
{
    const struct skiff_nic *nic = dp->nic;
    uint64_t frame_bytes = (uint64_t)dp->vnet_len + dp->frame_max;
    limiter_init(&dp->rx_limit, nic->rate.rx_frames, nic->rate.rx_bytes, nic->rate.burst_ms,
                 frame_bytes);
    limiter_init(&dp->tx_limit, nic->rate.tx_frames, nic->rate.tx_bytes, nic->rate.burst_ms,
                 frame_bytes);
    skiff_bucket_init(&dp->resyncs, SKIFF_DP_RESYNC_RATE, SKIFF_DP_RESYNC_BURST, skiff_dp_now_ns());
    skiff_bucket_init(&dp->handoffs, SKIFF_DP_HANDOFF_RATE, SKIFF_DP_HANDOFF_BURST,
                      skiff_dp_now_ns());
}

bool skiff_dp_limit_ok(struct skiff_dp *dp, struct skiff_limiter *l, uint64_t *resume,
                       uint64_t *throttled)
{
    if (!skiff_dp_limited(dp, l))
        return true;
    uint64_t now = skiff_dp_now_ns();
    if (skiff_limiter_ready(l, now))
        return true;
    *resume = now + skiff_limiter_wait_ns(l);
    SKIFF_STAT_ADD(*throttled, 1);
    return false;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    if (a == 0 || (b != 0 && b < a))
        return b;
    return a;
}

uint64_t skiff_dp_limit_check(struct skiff_dp *dp, uint64_t now_ns)
{
    if (dp->rx_resume_ns != 0 && now_ns >= dp->rx_resume_ns)
        dp->rx_resume_ns = 0;
    if (dp->tx_resume_ns != 0 && now_ns >= dp->tx_resume_ns)
        dp->tx_resume_ns = 0;
    if (dp->kick_resume_ns != 0 && now_ns >= dp->kick_resume_ns)
        dp->kick_resume_ns = 0;
    return earliest(earliest(dp->rx_resume_ns, dp->tx_resume_ns), dp->kick_resume_ns);
}

bool skiff_dp_held(uint64_t *resume)
{
    if (*resume == 0)
        return false;
    if (skiff_dp_now_ns() >= *resume) {
        *resume = 0;
        return false;
    }
    return true;
}

bool skiff_dp_resync_ok(struct skiff_dp *dp)
{
    uint64_t now = skiff_dp_now_ns();
    if (!skiff_bucket_ready(&dp->resyncs, now)) {
        dp->tx_resume_ns = now + skiff_bucket_wait_ns(&dp->resyncs);
        return false;
    }
    skiff_bucket_charge(&dp->resyncs, 1);
    return true;
}

bool skiff_dp_handoff_ok(struct skiff_dp *dp)
{
    if (!skiff_bucket_ready(&dp->handoffs, skiff_dp_now_ns()))
        return false;
    skiff_bucket_charge(&dp->handoffs, 1);
    return true;
}

void skiff_dp_kick_done(struct skiff_dp *dp)
{
    bool productive = dp->kick_progress;
    dp->kick_progress = false;
    if (productive) {
        dp->kick_idle = 0;
        dp->kick_mutes = 0;
        return;
    }
    if (++dp->kick_idle < SKIFF_DP_KICK_IDLE_MAX)
        return;
    uint64_t mute = SKIFF_DP_KICK_MUTE_NS << (dp->kick_mutes < 6 ? dp->kick_mutes : 6);
    if (mute > SKIFF_DP_KICK_MUTE_MAX_NS)
        mute = SKIFF_DP_KICK_MUTE_MAX_NS;
    dp->kick_idle = 0;
    dp->kick_mutes++;
    dp->kick_resume_ns = skiff_dp_now_ns() + mute;
    SKIFF_STAT_ADD(dp->nic->stats.kick_mutes, 1);
}
