/*
 * The datapath: moves frames between one NIC's packet fd and its SHMStream
 * channels. The same functions serve both I/O modes; the caller (event loop
 * or poll loop) only decides *when* to call them and which fd events to
 * watch, by looking at the state flags below after each call.
 */
#ifndef SKIFF_DATAPATH_H
#define SKIFF_DATAPATH_H

#include <stdbool.h>
#include <stdint.h>

#include <urcu/system.h>

#include "nic.h"

/* Frames moved per direction per call, before yielding to the other work. */
#define SKIFF_DP_BATCH 32u

/* RX frames read in one pass while the packet fd keeps delivering. */
#define SKIFF_DP_RX_PASS 256u

/* Ethernet header plus one 802.1Q tag on top of the MTU. */
#define SKIFF_ETH_OVERHEAD 18u

/* Counters have a single writer; readers use CMM_LOAD_SHARED. */
#define SKIFF_STAT_ADD(field, n) CMM_STORE_SHARED((field), (field) + (n))

/* Largest frame accepted in either direction for a given MTU. */
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

    /* RX (packet fd -> guest) */
    struct shms_wslot rx_ws; /* held reservation (reused after EAGAIN/drop) */
    bool rx_reserved;
    bool rx_full;         /* ring full, wait announced: do not watch the fd */
    bool rx_draining;     /* fd closed; waiting for the guest to read the rest */
    uint64_t drain_start; /* CLOCK_MONOTONIC ns when draining began */
    uint8_t rx_scratch;   /* catches the first byte past frame_max */

    /* TX (guest -> packet fd) */
    bool tx_blocked;       /* packet fd returned EAGAIN: stash pending, watch EV_WRITE */
    bool tx_asleep;        /* sleep announced on the TX reader */
    uint64_t tx_bad_epoch; /* epoch already reported incompatible */
    uint8_t *stash;        /* copy of the frame (with vnet header) that hit EAGAIN */
    uint32_t stash_len;    /* bytes at stash, vnet header included */
};

/* Set up per-NIC state (allocates the TX stash). 0 or -1 (message printed). */
int skiff_dp_init(struct skiff_dp *dp, struct skiff_nic *nic);
void skiff_dp_fini(struct skiff_dp *dp);

/*
 * Read up to a batch of frames from the packet fd into the RX ring. `ready`
 * says the fd was reported readable: if the first read then finds nothing,
 * the fd is checked for hang-up so a dead fd cannot make the loop spin.
 * Returns the number of frames handled (delivered or dropped).
 */
unsigned skiff_dp_rx(struct skiff_dp *dp, bool ready);

/* RX ring was full: true if the guest has released slots (wait withdrawn). */
bool skiff_dp_rx_resume(struct skiff_dp *dp);

/*
 * After EOF: deactivate the RX channel once the guest has released every
 * published frame, and wake it. Returns true while still waiting for that.
 */
bool skiff_dp_rx_drain(struct skiff_dp *dp);

/* Close the NIC as if its packet fd had hit end of file (graceful stop). */
void skiff_dp_close(struct skiff_dp *dp);

/* Write up to a batch of guest frames to the packet fd. Returns frames handled. */
unsigned skiff_dp_tx(struct skiff_dp *dp);

/* Packet fd became writable: retry the stashed frame, then continue TX. */
unsigned skiff_dp_tx_writable(struct skiff_dp *dp);

/*
 * Announce that the I/O thread is about to sleep on this NIC's TX channel
 * (the guest will then kick). Returns false if there is work right now (the
 * announcement is withdrawn). NICs whose TX waits for EV_WRITE announce
 * nothing and return true.
 */
bool skiff_dp_tx_prepare_sleep(struct skiff_dp *dp);
void skiff_dp_tx_finish_sleep(struct skiff_dp *dp);

/* Drain the kick eventfd. Returns true if the guest had kicked. */
bool skiff_dp_kick(struct skiff_dp *dp);

/* Which packet fd events the loop should watch for this NIC right now. */
static inline bool skiff_dp_want_read(const struct skiff_dp *dp)
{
    return !dp->nic->closed && !dp->rx_full;
}

static inline bool skiff_dp_want_write(const struct skiff_dp *dp)
{
    return !dp->nic->closed && dp->tx_blocked;
}

#endif /* SKIFF_DATAPATH_H */
