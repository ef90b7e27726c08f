/*
 * The datapath: moves frames between one NIC's packet fd and its SHMStream
 * channels. The same functions serve both I/O modes; the caller (event loop
 * or poll loop) only decides *when* to call them and which fd events to
 * watch, by looking at the state flags below after each call.
 *
 * Fairness: the loop starts every pass over the NICs with
 * skiff_dp_pass_begin(), which gives each NIC a budget of SKIFF_DP_PASS_FRAMES
 * frames and SKIFF_DP_PASS_BYTES bytes per direction; a NIC that used it up
 * waits for the next pass, so one busy (or hostile) NIC delays the others
 * by at most one budget's worth of work per pass.
 */
#ifndef SKIFF_DATAPATH_H
#define SKIFF_DATAPATH_H

#include <stdbool.h>
#include <stdint.h>

#include <urcu/system.h>

#include "datapath/limiter.h"
#include "net/nic.h"
#include "datapath/pktio.h"
#include "report/log_limit.h"

/* Frames moved per direction per ring publish. */
#define SKIFF_DP_BATCH 32u

/* Budget per NIC, per direction, per pass of the I/O loop (see top). */
#define SKIFF_DP_PASS_FRAMES 32u
#define SKIFF_DP_PASS_BYTES  (512u * 1024u)

/*
 * Always-on bounds on what a guest can make the I/O thread do without
 * moving frames (--net-rate bounds the frames):
 * - TX channel re-synchronisations (new epochs) per second, with a burst;
 *   beyond that the NIC's TX waits, so epoch flipping cannot spin us.
 * - Packet fd hand-offs to the guest (skiff_dp_rx_handoff) per second, with
 *   a burst; beyond that the I/O thread just reads, so a guest that flips
 *   its request cannot make it grant and take back in a loop. An honest
 *   guest is granted the fd once per quiet period.
 * - Kicks that find nothing to do: after SKIFF_DP_KICK_IDLE_MAX of them in
 *   a row the NIC's kick fd is not watched for 1 ms, doubling with every
 *   further such round up to SKIFF_DP_KICK_MUTE_MAX_NS, back to normal at
 *   the first kick that moves something. An honest guest kicks only when
 *   the tender announced it sleeps, with frames or slots to show for it.
 */
#define SKIFF_DP_HANDOFF_RATE     200u
#define SKIFF_DP_HANDOFF_BURST    16u
#define SKIFF_DP_RESYNC_RATE      1000u
#define SKIFF_DP_RESYNC_BURST     64u
#define SKIFF_DP_KICK_IDLE_MAX    16u
#define SKIFF_DP_KICK_MUTE_NS     (1000ull * 1000)
#define SKIFF_DP_KICK_MUTE_MAX_NS (64ull * 1000 * 1000)

/* Counters have a single writer; readers use CMM_LOAD_SHARED. */
#define SKIFF_STAT_ADD(field, n) CMM_STORE_SHARED((field), (field) + (n))

/* Largest frame accepted in either direction for a given MTU (skiff/abi.h). */
static inline uint32_t skiff_frame_max(uint16_t mtu)
{
    return (uint32_t)mtu + SKIFF_ETH_OVERHEAD;
}

/* Smallest valid slot size (bytes, SHMS_SLOT_ALIGN multiple) for an MTU. */
static inline uint32_t skiff_dp_slot_size(uint16_t mtu)
{
    uint32_t need = (uint32_t)sizeof(struct shms_slot) + skiff_frame_max(mtu);
    need = (need + SHMS_SLOT_ALIGN - 1) / SHMS_SLOT_ALIGN * SHMS_SLOT_ALIGN;
    return need < SHMS_SLOT_MIN ? SHMS_SLOT_MIN : need;
}

/* Per-NIC datapath state, private to the I/O thread. */
struct skiff_dp {
    struct skiff_nic *nic;
    uint32_t frame_max; /* frame limit (MTU-derived, or a GSO frame's) */
    uint16_t vnet_len;  /* vnet header bytes before every frame: 0 or 12 */

    /* The packet fd: batched if io_uring is on (pkt), and always one
     * read/write per frame (pkt_rw) for when every frame needs a check. */
    struct skiff_pktio pkt, pkt_rw;

    /* RX (packet fd -> guest) */
    bool rx_full;         /* ring full, wait announced: do not watch the fd */
    bool rx_draining;     /* fd closed; waiting for the guest to read the rest */
    uint64_t rx_granted;  /* source hand-off: the guest's request we granted
                           * (the fd is the guest's to read), 0 if none */
    uint64_t drain_start; /* CLOCK_MONOTONIC ns when draining began */
    uint8_t rx_scratch;   /* catches the first byte past frame_max */

    /* TX (guest -> packet fd) */
    bool tx_blocked;       /* packet fd returned EAGAIN: stash pending, watch EV_WRITE */
    bool tx_asleep;        /* sleep announced on the TX reader */
    uint64_t tx_bad_epoch; /* epoch already reported incompatible */
    uint8_t *stash;        /* copy of the frame (with vnet header) that hit EAGAIN */
    uint32_t stash_len;    /* bytes at stash, vnet header included */

    /* Fairness: what this pass may still move (see top). */
    uint32_t rx_left, tx_left;
    int64_t rx_bytes_left, tx_bytes_left;

    /* --net-rate: buckets per direction, and when a held-back direction
     * may move again (0: not held back). */
    struct skiff_limiter rx_limit, tx_limit;
    uint64_t rx_resume_ns, tx_resume_ns;
    bool unlimited; /* final flush at exit: ignore --net-rate */

    /* Always-on bounds (see SKIFF_DP_RESYNC_RATE, SKIFF_DP_KICK_IDLE_MAX). */
    struct skiff_bucket resyncs;
    struct skiff_bucket handoffs;
    bool kick_progress;      /* TX taken or RX resumed since the last kick */
    unsigned kick_idle;      /* kicks in a row that moved nothing */
    unsigned kick_mutes;     /* mute rounds in a row (backoff) */
    uint64_t kick_resume_ns; /* kick fd unwatched until then (0: watched) */

    /* Messages the guest can cause, one line per interval at most. */
    struct skiff_log_limit rl_incompatible;

    uint32_t rx_batch_want; /* batched I/O: reads the next RX batch asks for */
};

/* Set up per-NIC state (allocates the TX stash); frames move one
 * read/write at a time until skiff_dp_use_uring. 0 or -1 (message printed). */
int skiff_dp_init(struct skiff_dp *dp, struct skiff_nic *nic);
/* Move this NIC's frames in batches on `ring` (its fd registered at `idx`). */
void skiff_dp_use_uring(struct skiff_dp *dp, struct skiff_uring *ring, unsigned idx);
/* Releases the stash and prints what rate-limited messages held back. */
void skiff_dp_fini(struct skiff_dp *dp);

/* A new pass of the I/O loop: refill this NIC's fairness budget. */
void skiff_dp_pass_begin(struct skiff_dp *dp);

/*
 * Lift holds (--net-rate, resync bound, muted kicks) whose time has come
 * (at now_ns). Returns the earliest time a hold still in force ends, or 0
 * if none is.
 */
uint64_t skiff_dp_limit_check(struct skiff_dp *dp, uint64_t now_ns);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t skiff_dp_now_ns(void);

/*
 * Read frames from the packet fd into the RX ring, in batches, until the fd
 * has nothing more, the ring is full, --net-rate holds RX back or this
 * pass's budget is spent. `ready` says the fd was reported readable: if the
 * first read then finds nothing, the fd is checked for hang-up so a dead fd
 * cannot make the loop spin. Returns the number of frames handled
 * (delivered or dropped).
 */
unsigned skiff_dp_rx(struct skiff_dp *dp, bool ready);

/*
 * Event mode, the packet fd is readable: if the guest sleeps with its RX
 * ring drained and asks to read the fd itself (nic->rx_handoff NICs),
 * leave the fd to it (stop reading, grant, wake it) and return true; the
 * caller then does not read. At low load this saves a thread hand-off per
 * frame; under load the guest does not sleep and the ring batches.
 */
bool skiff_dp_rx_handoff(struct skiff_dp *dp);

/* The guest withdrew the request we granted: read the fd again. Returns
 * true if it did (the caller then reads and re-watches the fd). */
bool skiff_dp_rx_takeback(struct skiff_dp *dp);

/* RX ring was full: true if the guest has released slots (wait withdrawn). */
bool skiff_dp_rx_resume(struct skiff_dp *dp);

/*
 * After EOF: deactivate the RX channel once the guest has released every
 * published frame, and wake it. Returns true while still waiting for that.
 */
bool skiff_dp_rx_drain(struct skiff_dp *dp);

/* Close the NIC as if its packet fd had hit end of file (graceful stop). */
void skiff_dp_close(struct skiff_dp *dp);

/* Write guest frames to the packet fd, up to this pass's budget (and
 * --net-rate). Returns frames handled. */
unsigned skiff_dp_tx(struct skiff_dp *dp);

/* Packet fd became writable: retry the stashed frame, then continue TX. */
unsigned skiff_dp_tx_writable(struct skiff_dp *dp);

/*
 * On the way out (the I/O thread stops, whether the guest ended by itself
 * or was stopped): write what the guest published before it stopped,
 * whatever --net-rate says, bounded by one ring's worth of batches so a
 * hostile guest cannot keep the tender here. Nothing blocks: a stashed
 * frame gets one last non-blocking write first, and a frame the fd still
 * refuses at the end is counted as a TAP-error drop, so the counters
 * balance (frames taken = tx_frames + tx_drops). Frames behind it stay in
 * the ring, never taken.
 */
void skiff_dp_tx_final(struct skiff_dp *dp);

/*
 * Announce that the I/O thread is about to sleep on this NIC's TX channel
 * (the guest will then kick). Returns false if there is work right now (the
 * announcement is withdrawn). NICs whose TX waits for EV_WRITE, or is held
 * back by --net-rate (the loop's timer wakes it), announce nothing and
 * return true. A NIC that spent this pass's budget with frames left says it
 * has work.
 */
bool skiff_dp_tx_prepare_sleep(struct skiff_dp *dp);
void skiff_dp_tx_finish_sleep(struct skiff_dp *dp);

/* Drain the kick eventfd. Returns true if the guest had kicked. */
bool skiff_dp_kick(struct skiff_dp *dp);

/* After handling a kick (with the TX and RX-space work it asked for): a
 * kick is worth something if guest TX frames were taken or RX resumed since
 * the previous kick (the busy loop may have found them first). Kicks that
 * keep showing nothing mute the kick fd for a while (see top). */
void skiff_dp_kick_done(struct skiff_dp *dp);

/* Should the loop watch the NIC's kick fd right now? */
static inline bool skiff_dp_want_kick(const struct skiff_dp *dp)
{
    return dp->kick_resume_ns == 0;
}

/* Which packet fd events the loop should watch for this NIC right now. */
static inline bool skiff_dp_want_read(const struct skiff_dp *dp)
{
    return !dp->nic->closed && !dp->rx_full && dp->rx_resume_ns == 0 && dp->rx_granted == 0;
}

static inline bool skiff_dp_want_write(const struct skiff_dp *dp)
{
    return !dp->nic->closed && dp->tx_blocked;
}

#endif /* SKIFF_DATAPATH_H */
