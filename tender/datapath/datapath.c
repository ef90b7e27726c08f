/*
 * The datapath shared by both I/O modes: packet fd -> RX ring (read(2)
 * straight into reserved slots) and TX ring -> packet fd (write(2) straight
 * from the guest's slots), with the flow control and notifications the ring
 * library asks for. Nothing here blocks; the caller's loop decides when to
 * sleep and which fd events to watch (skiff_dp_want_read/want_write).
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
#include "datapath/datapath.h"
#include "capture/capture.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "skiff/closed.h"
#include "net/vnet.h"

/* Longest we keep published frames readable after EOF for a silent guest. */
#define SKIFF_DP_DRAIN_NS (2ull * 1000 * 1000 * 1000)

/* Re-sync attempts per call when the guest keeps moving its TX epoch. */
#define SKIFF_DP_SYNC_TRIES 4

uint64_t skiff_dp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Signal an eventfd. EAGAIN means the counter is saturated: already signalled. */
static void notify(int fd)
{
    uint64_t one = 1;
    ssize_t r;
    do
        r = write(fd, &one, sizeof(one));
    while (r < 0 && errno == EINTR);
}

/* --------------------------------------------------------------- limiter */

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

/* May this direction move a frame now? If not, note until when it waits. */
static bool limit_ok(struct skiff_dp *dp, struct skiff_limiter *l, uint64_t *resume,
                     uint64_t *throttled)
{
    if (dp->unlimited || !skiff_limiter_on(l))
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

/* Is this direction held back right now (--net-rate, resync bound)? */
static bool held(uint64_t *resume)
{
    if (*resume == 0)
        return false;
    if (skiff_dp_now_ns() >= *resume) {
        *resume = 0;
        return false;
    }
    return true;
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
    limiter_init(&dp->rx_limit, nic->rate.rx_frames, nic->rate.rx_bytes, nic->rate.burst_ms,
                 (uint64_t)dp->vnet_len + dp->frame_max);
    limiter_init(&dp->tx_limit, nic->rate.tx_frames, nic->rate.tx_bytes, nic->rate.burst_ms,
                 (uint64_t)dp->vnet_len + dp->frame_max);
    skiff_bucket_init(&dp->resyncs, SKIFF_DP_RESYNC_RATE, SKIFF_DP_RESYNC_BURST, skiff_dp_now_ns());
    skiff_bucket_init(&dp->handoffs, SKIFF_DP_HANDOFF_RATE, SKIFF_DP_HANDOFF_BURST,
                      skiff_dp_now_ns());
    skiff_dp_pass_begin(dp);
    return 0;
}

void skiff_dp_fini(struct skiff_dp *dp)
{
    uint64_t n = skiff_ratelimit_flush(&dp->rl_incompatible);
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

/* ---------------------------------------------------------------- RX side */

/* Publish committed RX slots; wake the guest if it sleeps. */
static void rx_publish(struct skiff_dp *dp)
{
    struct skiff_nic *nic = dp->nic;
    if (shms_writer_publish(&nic->rx)) {
        notify(nic->rx_wake_fd);
        SKIFF_STAT_ADD(nic->stats.guest_wakeups, 1);
    }
}

/* The packet fd is gone: stop reading it and start draining (see top).
 * `why` names the cause for the log line, NULL for a graceful stop. */
static void rx_close(struct skiff_dp *dp, const char *why)
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
    if (dp->tx_blocked) {
        dp->tx_blocked = false;
        SKIFF_STAT_ADD(nic->stats.tx_drops[SKIFF_DROP_TAP_ERROR], 1);
    }
    dp->rx_draining = true;
    dp->drain_start = skiff_dp_now_ns();
    skiff_dp_rx_drain(dp);
}

void skiff_dp_close(struct skiff_dp *dp)
{
    if (!dp->nic->closed)
        rx_close(dp, NULL);
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
    notify(nic->rx_wake_fd);
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
    if (!nic->rx_handoff || dp->rx_granted != 0 || dp->uring != NULL || nic->closed ||
        dp->rx_full || shms_writer_pending(&nic->rx) != 0)
        return false;
    uint64_t req = shms_writer_handoff_request(&nic->rx); /* read once */
    if (req == 0)
        return false;
    /* The slot held for the next frame is not the reader's business, but
     * reader_idle counts it: let it go (the next reserve takes it again). */
    if (dp->rx_reserved) {
        shms_writer_unreserve(&nic->rx);
        dp->rx_reserved = false;
    }
    /* Asleep with every frame read: a lying guest only delays its own RX. */
    if (!shms_writer_reader_idle(&nic->rx))
        return false;
    uint64_t now = skiff_dp_now_ns();
    if (!skiff_bucket_ready(&dp->handoffs, now))
        return false; /* bounded (see datapath.h): read as usual */
    skiff_bucket_charge(&dp->handoffs, 1);
    SKIFF_STAT_ADD(nic->stats.rx_handoffs, 1); /* counted before it is seen */
    dp->rx_granted = req;
    shms_writer_set_handoff(&nic->rx, req);
    notify(nic->rx_wake_fd); /* it sleeps; the waiting frame is its to read */
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

/* A readiness report with nothing to read: hang-up or error on the fd? */
static bool fd_hung_up(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, 0) != 1)
        return false;
    return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0 && !(p.revents & POLLIN);
}

/*
 * A read that moved nothing (err: 0 for end of file, else its errno): set
 * *why (if not set yet) when the fd is gone. An empty fd that was reported
 * readable (`check_hangup`) is checked for hang-up, so a dead fd cannot
 * make the loop spin; anything else (ENOBUFS, EINTR...) is transient.
 */
static void rx_read_failed(struct skiff_dp *dp, int err, bool check_hangup, const char **why)
{
    if (*why != NULL)
        return;
    if (err == 0)
        *why = "end of file";
    else if (err == EAGAIN || err == EWOULDBLOCK)
        *why = check_hangup && fd_hung_up(dp->nic->fd) ? "hang-up" : NULL;
    else if (skiff_read_err_closed(err))
        *why = strerror(err); /* EBADFD: TAP deleted; ECONNRESET... */
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

/* Batched I/O applies unless --net-rate needs a check before every frame
 * (or the ring failed once). */
static bool use_uring(const struct skiff_dp *dp, const struct skiff_limiter *l)
{
    return dp->uring != NULL && !dp->uring->broken && !(skiff_limiter_on(l) && !dp->unlimited);
}

static void uring_broke(struct skiff_dp *dp, int rc)
{
    fprintf(stderr,
            "skiff: warning: net %s: io_uring failed (%s); one read/write per frame from "
            "now on\n",
            dp->nic->name, strerror(-rc));
}

/*
 * rx_batch() with io_uring: reserve up to a batch of slots, read into all
 * of them with one io_uring_enter (hard-linked, so in order and each read
 * runs whatever the previous one found), then commit the frames oldest
 * first. A read that found nothing or a dropped frame leaves a hole; a
 * frame behind it moves down into the next slot to commit (rare: the queue
 * refilled during the batch), so the guest sees frames in the fd's order
 * and no slot it has not been given a frame for. The batch grows while
 * every read finds a frame and shrinks to what was found otherwise, so an
 * idle NIC costs about what the per-frame path costs (two reads).
 */
static unsigned rx_batch_uring(struct skiff_dp *dp, bool ready, const char **why, bool *more)
{
    struct skiff_nic *nic = dp->nic;
    struct shms_wslot ws[SKIFF_DP_BATCH];
    struct iovec iov[2 * SKIFF_DP_BATCH];
    int res[SKIFF_DP_BATCH];
    uint32_t want = dp->vnet_len + dp->frame_max;

    *more = false;
    /* The per-frame path stops once the byte budget is spent; a batch
     * never asks for more frames than the budget has room for (one at
     * least, as there). */
    uint32_t n = dp->rx_left < SKIFF_DP_BATCH ? dp->rx_left : SKIFF_DP_BATCH;
    uint64_t by_bytes = (uint64_t)dp->rx_bytes_left / want;
    if (by_bytes == 0)
        by_bytes = 1;
    if (n > by_bytes)
        n = (uint32_t)by_bytes;
    if (dp->rx_batch_want < 2)
        dp->rx_batch_want = 2;
    if (n > dp->rx_batch_want)
        n = dp->rx_batch_want;

    uint32_t k = shms_writer_reserve_batch(&nic->rx, ws, n);
    if (k == 0) {
        if (rx_ring_full(dp))
            return 0;
        k = shms_writer_reserve_batch(&nic->rx, ws, n);
        if (k == 0)
            return 0;
    }
    for (uint32_t i = 0; i < k; i++) {
        /* The scratch byte turns an over-long frame into an over-long read. */
        iov[2 * i].iov_base = ws[i].data;
        iov[2 * i].iov_len = ws[i].cap < want ? ws[i].cap : want;
        iov[2 * i + 1].iov_base = &dp->rx_scratch;
        iov[2 * i + 1].iov_len = 1;
    }
    int rc = skiff_uring_readv(dp->uring, dp->uring_idx, iov, k, res);
    if (rc < 0) {
        shms_writer_unreserve(&nic->rx);
        uring_broke(dp, rc);
        return 0;
    }

    unsigned handled = 0;
    uint32_t used = 0; /* slots committed */
    bool commit_failed = false;
    for (uint32_t i = 0; i < k; i++) {
        int r = res[i];
        if (r <= 0) {
            rx_read_failed(dp, -r, ready && i == 0, why);
            continue;
        }
        handled++;
        uint32_t frame_len = rx_frame_len(dp, (size_t)r, iov[2 * i].iov_len);
        if (frame_len == 0)
            continue;
        /* Cannot fail (the read fit the slot); if it did, the slots
         * behind it would no longer be the ones reserved: drop the rest. */
        if (commit_failed) {
            SKIFF_STAT_ADD(nic->stats.rx_drops[SKIFF_DROP_TOO_BIG], 1);
            continue;
        }
        if (used != i)
            memcpy(ws[used].data, ws[i].data, (size_t)r);
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
    SKIFF_STAT_ADD(nic->stats.tap_batches, 1);
    if (handled == k)
        dp->rx_batch_want = 2 * k < SKIFF_DP_BATCH ? 2 * k : SKIFF_DP_BATCH;
    else
        dp->rx_batch_want = handled + 1;
    /* Every read found a frame: skiff_dp_rx reads on, as after a full
     * batch on the per-frame path. Batches start small, so publish (and
     * maybe wake the guest) only once SKIFF_DP_BATCH frames wait or
     * reading stops, as the per-frame path does: a wake-up per small
     * batch costs the guest a context switch each (skiff_dp_rx publishes
     * whatever is left when it stops). */
    *more = handled == k;
    if (!*more || shms_writer_pending(&nic->rx) >= SKIFF_DP_BATCH)
        rx_publish(dp);
    return handled;
}

/* One batch: up to SKIFF_DP_BATCH frames read (fewer if this pass's budget
 * or --net-rate says so), then one publish. *why is set when the fd turned
 * out to be closed. */
static unsigned rx_batch(struct skiff_dp *dp, bool ready, const char **why, bool *more)
{
    struct skiff_nic *nic = dp->nic;
    unsigned handled = 0;

    if (!dp->rx_reserved && nic->rx.mode == SHMS_MODE_LOSSLESS && use_uring(dp, &dp->rx_limit))
        return rx_batch_uring(dp, ready, why, more);
    while (handled < SKIFF_DP_BATCH && dp->rx_left > 0 && dp->rx_bytes_left > 0) {
        if (!limit_ok(dp, &dp->rx_limit, &dp->rx_resume_ns, &nic->stats.rx_throttled))
            break;
        if (!dp->rx_reserved) {
            if (shms_writer_reserve(&nic->rx, &dp->rx_ws) != SHMS_OK) {
                if (rx_ring_full(dp))
                    break;
                continue;
            }
            dp->rx_reserved = true;
        }

        /* Read straight into the slot. The scratch byte behind it turns a
         * frame longer than the limit into a read longer than the limit,
         * whether the fd truncates (sockets) or reports the full length. */
        uint32_t want = dp->vnet_len + dp->frame_max;
        uint32_t limit = dp->rx_ws.cap < want ? dp->rx_ws.cap : want;
        struct iovec iov[2] = {
            { .iov_base = dp->rx_ws.data, .iov_len = limit },
            { .iov_base = &dp->rx_scratch, .iov_len = 1 },
        };
        ssize_t n = readv(nic->fd, iov, 2);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) { /* the next readiness tries again, unless *why says gone */
            rx_read_failed(dp, n == 0 ? 0 : errno, ready && handled == 0, why);
            break;
        }
        handled++;
        uint32_t frame_len = rx_frame_len(dp, (size_t)n, limit);
        if (frame_len == 0)
            continue; /* dropped: keep the reservation, the next frame reuses the slot */
        dp->rx_reserved = false;
        if (shms_writer_commit(&nic->rx, &dp->rx_ws, frame_len, dp->vnet_len) != SHMS_OK) {
            SKIFF_STAT_ADD(nic->stats.rx_drops[SKIFF_DROP_TOO_BIG], 1);
            continue;
        }
        /* Committed, not yet published: the slot is still ours to read. */
        skiff_capture_frame(nic->capture, (const uint8_t *)dp->rx_ws.data + dp->vnet_len,
                            frame_len);
        SKIFF_STAT_ADD(nic->stats.rx_frames, 1);
        SKIFF_STAT_ADD(nic->stats.rx_bytes, frame_len);
    }
    rx_publish(dp);
    *more = handled == SKIFF_DP_BATCH;
    return handled;
}

/*
 * Batches keep coming while the fd delivers, up to this pass's budget. Each
 * batch is published at once, so the guest starts on the first while we
 * read the next; a guest woken by the first publish finds more frames
 * before it can go back to sleep, which keeps wake-ups per frame low.
 */
unsigned skiff_dp_rx(struct skiff_dp *dp, bool ready)
{
    unsigned handled = 0;
    const char *why = NULL;
    bool more;

    if (dp->nic->closed || dp->rx_full || dp->rx_granted != 0 || held(&dp->rx_resume_ns))
        return 0;
    do
        handled += rx_batch(dp, ready && handled == 0, &why, &more);
    while (more && why == NULL && !dp->rx_full && dp->rx_left > 0 && dp->rx_bytes_left > 0 &&
           dp->rx_resume_ns == 0);
    if (shms_writer_pending(&dp->nic->rx) != 0)
        rx_publish(dp);
    if (why != NULL)
        rx_close(dp, why);
    return handled;
}

/* ---------------------------------------------------------------- TX side */

/* Make sure the TX reader follows the guest's current epoch. */
static bool tx_sync(struct skiff_dp *dp)
{
    struct skiff_nic *nic = dp->nic;
    for (int i = 0; i < SKIFF_DP_SYNC_TRIES; i++) {
        /* An inactive channel costs one load; anything else a token. */
        if (CMM_LOAD_SHARED(nic->tx.hdr->epoch) == 0)
            return false;
        uint64_t now = skiff_dp_now_ns();
        if (!skiff_bucket_ready(&dp->resyncs, now)) {
            dp->tx_resume_ns = now + skiff_bucket_wait_ns(&dp->resyncs);
            return false;
        }
        skiff_bucket_charge(&dp->resyncs, 1);
        int rv = shms_reader_sync(&nic->tx);
        if (rv == SHMS_OK)
            return true;
        if (rv == SHMS_EPOCH_CHANGED)
            continue;
        if (rv == SHMS_INCOMPATIBLE) {
            /* Each new epoch the guest writes counts once, and the lines
             * are rate-limited: a guest flipping epochs cannot flood. */
            uint64_t epoch = CMM_LOAD_SHARED(nic->tx.hdr->epoch);
            uint64_t more = 0;
            if (epoch != dp->tx_bad_epoch) {
                dp->tx_bad_epoch = epoch;
                if (skiff_ratelimit_hit(&dp->rl_incompatible, skiff_dp_now_ns(), &more)) {
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
            }
        }
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
        notify(nic->rx_wake_fd);
        SKIFF_STAT_ADD(nic->stats.tx_waiter_wakeups, 1);
    }
}

/*
 * Write one frame: `len` bytes at `data`, the vnet header (dp->vnet_len
 * bytes) included. Returns 1 written/dropped, 0 if the fd would block.
 * Frames that hit EAGAIN are the caller's to keep. An error that means the
 * device is gone closes the NIC (the frame counts as dropped).
 */
static int tx_write(struct skiff_dp *dp, const void *data, uint32_t len)
{
    struct skiff_nic *nic = dp->nic;
    for (;;) {
        ssize_t n = write(nic->fd, data, len);
        if (n == (ssize_t)len) {
            skiff_capture_frame(nic->capture, (const uint8_t *)data + dp->vnet_len,
                                len - dp->vnet_len);
            SKIFF_STAT_ADD(nic->stats.tx_frames, 1);
            SKIFF_STAT_ADD(nic->stats.tx_bytes, len - dp->vnet_len);
            return 1;
        }
        int err = n < 0 ? errno : 0;
        if (err == EINTR)
            continue;
        if (err == EAGAIN || err == EWOULDBLOCK)
            return 0;
        /* EIO (TAP down), EMSGSIZE, a short write...: this frame is lost,
         * the next one may fare better. */
        SKIFF_STAT_ADD(nic->stats.tx_drops[skiff_tx_drop_reason(err)], 1);
        if (skiff_write_err_closed(err) && !nic->closed)
            rx_close(dp, strerror(err));
        return 1;
    }
}

/* Frames queued for one batched write (io_uring), with where each sits
 * among the slots peeked since the last release. */
struct tx_queue {
    unsigned n;
    const void *buf[SKIFF_DP_BATCH];
    uint32_t len[SKIFF_DP_BATCH];
    uint64_t pos[SKIFF_DP_BATCH];
};

/* The fd would block at frame i of the queue: keep that frame in the stash
 * (as the per-frame path does) and hand the slots after it back to the
 * ring unread, so they follow the stash in order. */
static void tx_queue_block(struct skiff_dp *dp, struct tx_queue *q, unsigned i)
{
    memcpy(dp->stash, q->buf[i], q->len[i]);
    dp->stash_len = q->len[i];
    dp->tx_blocked = true;
    shms_reader_unpeek(&dp->nic->tx, dp->nic->tx.peeked - q->pos[i] - 1);
}

/*
 * Write the queued frames with one io_uring_enter, linked so a write that
 * fails cancels the ones behind it: frames reach the fd in ring order, and
 * their slots are released (by the caller's tx_publish) only after this
 * returns, i.e. after their writes completed. Returns false if the fd
 * would block (TX stops; the stash holds the frame).
 */
static bool tx_queue_flush(struct skiff_dp *dp, struct tx_queue *q)
{
    struct skiff_nic *nic = dp->nic;
    int res[SKIFF_DP_BATCH];
    unsigned n = q->n;

    q->n = 0;
    if (n == 0)
        return true;
    int rc = skiff_uring_write(dp->uring, dp->uring_idx, q->buf, q->len, n, res);
    if (rc < 0) {
        uring_broke(dp, rc);
        for (unsigned i = 0; i < n; i++)
            if (tx_write(dp, q->buf[i], q->len[i]) == 0) {
                tx_queue_block(dp, q, i);
                return false;
            }
        return true;
    }
    SKIFF_STAT_ADD(nic->stats.tap_batches, 1);
    for (unsigned i = 0; i < n; i++) {
        int r = res[i];
        if (r >= 0 && (uint32_t)r == q->len[i]) {
            skiff_capture_frame(nic->capture, (const uint8_t *)q->buf[i] + dp->vnet_len,
                                q->len[i] - dp->vnet_len);
            SKIFF_STAT_ADD(nic->stats.tx_frames, 1);
            SKIFF_STAT_ADD(nic->stats.tx_bytes, q->len[i] - dp->vnet_len);
            continue;
        }
        if (r == -EAGAIN || r == -EWOULDBLOCK) {
            tx_queue_block(dp, q, i);
            return false;
        }
        if (r == -ECANCELED || r == -EINTR) {
            /* Not written: back to the ring, the next peek takes them again. */
            shms_reader_unpeek(&nic->tx, nic->tx.peeked - q->pos[i]);
            return true;
        }
        /* As tx_write(): this frame is lost; a dead fd closes the NIC. */
        SKIFF_STAT_ADD(nic->stats.tx_drops[skiff_tx_drop_reason(r < 0 ? -r : 0)], 1);
        if (r < 0 && skiff_write_err_closed(-r) && !nic->closed)
            rx_close(dp, strerror(-r));
    }
    return true;
}

unsigned skiff_dp_tx(struct skiff_dp *dp)
{
    struct skiff_nic *nic = dp->nic;
    struct skiff_nic_stats *st = &nic->stats;
    unsigned handled = 0;
    int resyncs = 0;
    struct tx_queue q;
    bool batch = use_uring(dp, &dp->tx_limit);

    if (dp->tx_blocked || held(&dp->tx_resume_ns))
        return 0;
    if (!nic->tx.synced && !tx_sync(dp))
        return 0;

    q.n = 0;
    while (handled < SKIFF_DP_BATCH && dp->tx_left > 0 && dp->tx_bytes_left > 0) {
        struct shms_rslot rs;
        /* Held back only with a frame waiting (available() is a hint; a
         * lying guest only makes us check the buckets for nothing). */
        if (!nic->closed && skiff_limiter_on(&dp->tx_limit) &&
            shms_reader_available(&nic->tx) != 0 &&
            !limit_ok(dp, &dp->tx_limit, &dp->tx_resume_ns, &st->tx_throttled))
            break;
        uint64_t peeked = nic->tx.peeked;
        int rv = shms_reader_peek(&nic->tx, &rs);
        if (q.n > 0 && (rv != SHMS_OK || rs.len == 0 || rs.len > dp->frame_max ||
                        (dp->vnet_len != 0 && rs.vnet_len != dp->vnet_len) || nic->closed)) {
            /* Anything but a frame to write: send the queue first, then
             * look at this slot again with an empty queue, so it is
             * counted once and nothing overtakes the queued frames. */
            if (nic->tx.peeked > peeked)
                shms_reader_unpeek(&nic->tx, 1);
            if (!tx_queue_flush(dp, &q))
                break;
            continue;
        }
        if (rv == SHMS_NO_DATA)
            break;
        if (rv == SHMS_INACTIVE || rv == SHMS_EPOCH_CHANGED) {
            /* Guest re-initialised (or dropped) its TX channel. */
            if (++resyncs > SKIFF_DP_SYNC_TRIES || !tx_sync(dp))
                break;
            continue;
        }
        handled++;
        dp->tx_left--;
        /* Every slot consumed counts as a frame, valid or not. */
        if (skiff_limiter_on(&dp->tx_limit))
            skiff_bucket_charge(&dp->tx_limit.frames, 1);
        if (rv == SHMS_OVERRUN) {
            SKIFF_STAT_ADD(st->tx_drops[SKIFF_DROP_OVERRUN], 1);
            continue;
        }
        if (rv != SHMS_OK || rs.len == 0) {
            SKIFF_STAT_ADD(st->tx_drops[SKIFF_DROP_BAD_SLOT], 1);
            continue;
        }
        /* A vnet NIC needs the header the TAP expects; the ring library
         * has checked that it lies inside the slot. Plain NICs ignore one. */
        if (dp->vnet_len != 0 && rs.vnet_len != dp->vnet_len) {
            SKIFF_STAT_ADD(st->tx_drops[SKIFF_DROP_BAD_SLOT], 1);
            continue;
        }
        if (rs.len > dp->frame_max) {
            SKIFF_STAT_ADD(st->tx_drops[SKIFF_DROP_TOO_BIG], 1);
            continue;
        }
        if (nic->closed) {
            SKIFF_STAT_ADD(st->tx_drops[SKIFF_DROP_TAP_ERROR], 1);
            continue;
        }
        const uint8_t *out = (const uint8_t *)rs.data - dp->vnet_len;
        uint32_t out_len = dp->vnet_len + rs.len;
        dp->tx_bytes_left -= out_len;
        if (skiff_limiter_on(&dp->tx_limit))
            skiff_bucket_charge(&dp->tx_limit.bytes, out_len);
        if (batch) {
            q.buf[q.n] = out;
            q.len[q.n] = out_len;
            q.pos[q.n] = nic->tx.peeked - 1;
            q.n++;
            continue;
        }
        if (tx_write(dp, out, out_len) == 0) {
            /* Keep the frame but not the slot: copying it (rare path) lets
             * the guest have every slot back while the fd is congested. */
            memcpy(dp->stash, out, out_len);
            dp->stash_len = out_len;
            dp->tx_blocked = true;
            break;
        }
    }
    if (q.n > 0)
        tx_queue_flush(dp, &q);

    tx_publish(dp);
    if (handled > 0)
        dp->kick_progress = true;
    return handled;
}

unsigned skiff_dp_tx_writable(struct skiff_dp *dp)
{
    if (dp->tx_blocked) {
        if (tx_write(dp, dp->stash, dp->stash_len) == 0)
            return 0;
        dp->tx_blocked = false;
    }
    return 1 + skiff_dp_tx(dp);
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
