/*
 * shmstream: SHMStream v2 channels with skiff's lossless flow control and
 * notification suppression. The same code runs in the host tender and in the
 * freestanding guest: no libc, no allocation; the caller owns all memory and
 * decides how to notify (eventfd, ioeventfd, hypercall).
 *
 * One side's state lives in its private struct (shms_writer/shms_reader);
 * everything in shared memory is treated as written by a hostile peer.
 */
#ifndef SHMSTREAM_H
#define SHMSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmstream/abi.h"

enum shms_result {
    SHMS_OK = 0,
    SHMS_INACTIVE,      /* writer has not activated the channel (epoch 0) */
    SHMS_INCOMPATIBLE,  /* marker, protocol or geometry not acceptable */
    SHMS_EPOCH_CHANGED, /* writer re-initialised: reader must resync */
    SHMS_NO_DATA,       /* nothing new to read */
    SHMS_OVERRUN,       /* writer lapped the reader; reader resynced */
    SHMS_FULL,          /* lossless writer: no free slot */
    SHMS_TOO_BIG,       /* frame larger than the slot payload, or buffer too small */
    SHMS_BAD_SLOT,      /* slot header invalid; slot skipped */
};

const char *shms_result_str(int result);

/* Channel modes (writer and reader must agree; the reader checks nothing). */
#define SHMS_MODE_LOSSY    0u /* pure Muen: writer overwrites, reader detects */
#define SHMS_MODE_LOSSLESS 1u /* writer never overwrites unreleased slots */

struct shms_geometry {
    uint64_t protocol;
    uint64_t size;     /* slot bytes, multiple of SHMS_SLOT_ALIGN */
    uint64_t elements; /* slot count */
};

/* Bytes of channel memory (header + slots) for a geometry, 0 if invalid. */
uint64_t shms_channel_bytes(const struct shms_geometry *g);

/* true if the geometry is one skiff accepts. */
bool shms_geometry_valid(const struct shms_geometry *g);

/* Largest frame (plus vnet header) a slot of this size can carry. */
static inline uint32_t shms_slot_capacity(uint64_t size)
{
    return (uint32_t)(size - sizeof(struct shms_slot));
}

/* ------------------------------------------------------------------ writer */

struct shms_writer {
    struct shms_header *hdr;
    uint8_t *slots;
    struct shms_ctrl *ctrl;        /* may be NULL in lossy mode */
    uint64_t size, elements, mask; /* mask = elements-1 if a power of two, else 0 */
    uint64_t epoch;
    uint64_t wc;            /* published write counter */
    uint64_t pending;       /* committed but unpublished slots */
    uint64_t reserved_slot; /* slots reserved, not yet committed (1, or a batch) */
    uint64_t rc_cache;      /* last sane rc read from ctrl (lossless) */
    uint64_t last_woken;    /* reader sleep generation already notified */
    uint64_t wait_gen;      /* our wait generation counter */
    unsigned mode;
};

/* A slot handed out by shms_writer_reserve(). */
struct shms_wslot {
    void *data;   /* where the vnet header (if any) and then the frame go */
    uint32_t cap; /* bytes available at data */
    struct shms_slot *slot;
};

/*
 * Initialise the channel in `mem` (mem_len bytes, at least
 * shms_channel_bytes(g)) and activate it with `epoch` (non-zero). In lossless
 * mode `ctrl` must point at the channel's flow-control block; the writer
 * clears its own line of it.
 */
int shms_writer_init(struct shms_writer *w, void *mem, uint64_t mem_len, struct shms_ctrl *ctrl,
                     const struct shms_geometry *g, uint64_t epoch, unsigned mode);

/* Mark the channel inactive (epoch 0). */
void shms_writer_deactivate(struct shms_writer *w);

/*
 * Free slots from the writer's point of view (lossless: refreshes the cached
 * read counter when needed; a nonsensical counter from the reader counts as
 * "no space"). Lossy mode always reports `elements`.
 */
uint64_t shms_writer_space(struct shms_writer *w);

/* Reserve the next slot; fill wslot->data, then commit. SHMS_FULL if none. */
int shms_writer_reserve(struct shms_writer *w, struct shms_wslot *ws);

/* Commit a reserved slot holding `len` frame bytes (and vnet_len header). */
int shms_writer_commit(struct shms_writer *w, struct shms_wslot *ws, uint32_t len,
                       uint16_t vnet_len);

/*
 * Lossless only: reserve up to `n` consecutive slots at once (fewer if the
 * ring has less space, 0 if a reservation is already held), filling ws[0..].
 * They must be committed oldest first (commit ws[0], then ws[1], ...); put
 * a frame that landed in a later slot into the next uncommitted one first.
 * shms_writer_unreserve() gives back whatever was not committed.
 */
uint32_t shms_writer_reserve_batch(struct shms_writer *w, struct shms_wslot *ws, uint32_t n);
void shms_writer_unreserve(struct shms_writer *w);

/* Copy one frame into the next slot (reserve + copy + commit). */
int shms_writer_put(struct shms_writer *w, const void *frame, uint32_t len);

/*
 * Make all committed slots visible with one counter update. Returns true if
 * the reader is asleep and has not been notified for this sleep yet: the
 * caller must then notify it.
 */
bool shms_writer_publish(struct shms_writer *w);

/* Committed slots not yet published. */
static inline uint64_t shms_writer_pending(const struct shms_writer *w)
{
    return w->pending;
}

/*
 * Lossless writer about to wait for space: announces the wait, then re-checks.
 * Returns true if the ring is still full (caller may sleep until notified),
 * false if space appeared (announcement withdrawn).
 */
bool shms_writer_prepare_wait(struct shms_writer *w);

/* Withdraw a wait announcement (after waking). */
void shms_writer_finish_wait(struct shms_writer *w);

/*
 * Lossless: true if nothing of ours is in the reader's hands and it sleeps:
 * nothing committed or reserved, every published slot released (a reader
 * releases a slot only once done with its frame), and a sleep announced.
 * A writer with a second way to its destination may then use it without
 * overtaking a frame it queued here and without waking the reader.
 */
bool shms_writer_reader_idle(struct shms_writer *w);

/* Count `n` frames sent past the ring (ctrl->w_bypass; informational). */
void shms_writer_count_bypass(struct shms_writer *w, uint64_t n);

/*
 * Source hand-off (docs/shmstream.md): a reader that sleeps with nothing
 * left to read may ask to read the writer's source itself, with a request
 * number (r_handoff). The writer grants that request by echoing its number
 * in w_handoff after it stopped reading the source, and reads the source
 * again only once the reader's request no longer matches the grant (given
 * back, or a newer request the writer has not granted). While a grant
 * stands the writer queues nothing, and the reader drains the ring before
 * it reads the source, so no frame overtakes another.
 */
/* The reader's request now (0: none). Untrusted: read once. */
uint64_t shms_writer_handoff_request(const struct shms_writer *w);
/* Grant request `req` (0: take the source back). Full barrier first. */
void shms_writer_set_handoff(struct shms_writer *w, uint64_t req);
/* Frames the reader reports it took past the ring (untrusted, shown only). */
uint64_t shms_writer_reader_bypass(const struct shms_writer *w);

/* ------------------------------------------------------------------ reader */

struct shms_reader {
    const struct shms_header *hdr;
    const uint8_t *slots;
    struct shms_ctrl *ctrl;      /* may be NULL in lossy mode */
    uint64_t mem_len;            /* bytes of channel memory (bounds for geometry) */
    struct shms_geometry expect; /* what sync accepts; size/elements 0 = any */
    uint64_t size, elements, mask;
    uint64_t epoch;
    uint64_t bad_epoch;   /* epoch found incompatible: not retried */
    uint64_t rc;          /* next counter to read */
    uint64_t released;    /* counter published to ctrl->rc */
    uint64_t wc_cache;    /* last sane wc seen */
    uint64_t peeked;      /* slots handed out by peek, not yet released */
    uint64_t last_woken;  /* writer wait generation already notified */
    uint64_t sleep_gen;   /* our sleep generation counter */
    uint64_t handoff;     /* our standing source request (r_handoff), 0 none */
    uint64_t handoff_gen; /* request numbers used so far */
    unsigned mode;
    bool synced;
};

/* A frame handed out by shms_reader_peek(); valid until release. */
struct shms_rslot {
    const void *data; /* frame bytes */
    uint32_t len;
    uint16_t vnet_len; /* bytes of vnet header just before data */
    uint16_t flags;
};

/*
 * Bind a reader to channel memory. `expect` names the protocol and, if
 * non-zero, the exact size/elements accepted. Does not touch shared memory.
 */
void shms_reader_init(struct shms_reader *r, const void *mem, uint64_t mem_len,
                      struct shms_ctrl *ctrl, const struct shms_geometry *expect, unsigned mode);

/*
 * Synchronise with the writer: SHMS_OK, SHMS_INACTIVE, SHMS_INCOMPATIBLE or
 * SHMS_EPOCH_CHANGED (epoch moved during sync; call again).
 */
int shms_reader_sync(struct shms_reader *r);

/*
 * Copy the next frame into buf (buf_len bytes); *len gets its length.
 * Results: OK, NO_DATA, OVERRUN (frames lost; resynced to the writer),
 * EPOCH_CHANGED / INACTIVE (resync needed), BAD_SLOT / TOO_BIG (slot skipped).
 * Reads are released (lossless) by shms_reader_publish().
 */
int shms_read(struct shms_reader *r, void *buf, uint32_t buf_len, uint32_t *len);

/*
 * Zero-copy: hand out the next unread frame in place (lossless mode).
 * Successive peeks walk forward; shms_reader_release() gives them all back.
 */
int shms_reader_peek(struct shms_reader *r, struct shms_rslot *rs);

/* Give back every peeked slot (they count as read). */
void shms_reader_release(struct shms_reader *r);

/* Hand the last `n` peeked slots back unread: the next peeks return them
 * again (a batch that could not send them all). */
void shms_reader_unpeek(struct shms_reader *r, uint64_t n);

/*
 * Publish the read counter to the writer. Returns true if the writer is
 * waiting for space and has not been notified for this wait yet.
 */
bool shms_reader_publish(struct shms_reader *r);

/* Frames the writer has published that we have not read (0 if unsynced). */
uint64_t shms_reader_available(struct shms_reader *r);

/*
 * About to sleep: announce it, then re-check. Returns true if the reader may
 * sleep (nothing to read), false if data arrived (announcement withdrawn).
 */
bool shms_reader_prepare_sleep(struct shms_reader *r);

/* Withdraw a sleep announcement (after waking). */
void shms_reader_finish_sleep(struct shms_reader *r);

/*
 * Source hand-off (see the writer's side): ask for the source (true; a new
 * request number unless one stands) or give it back (false). Giving back is
 * ordered after everything before it: the reader must not read the source
 * after it, and then wakes the writer so that it reads the source again.
 */
void shms_reader_want_handoff(struct shms_reader *r, bool want);
/* true while our current request stands and the writer has granted it. */
bool shms_reader_handed_off(const struct shms_reader *r);
/* Count `n` frames taken past the ring (ctrl->r_bypass; informational). */
void shms_reader_count_bypass(struct shms_reader *r, uint64_t n);

/*
 * true if the reader has something to do: frames to read, or a sync to
 * attempt (channel newly active or re-initialised). An epoch found
 * incompatible is not retried, so a hostile writer cannot make us spin.
 */
bool shms_reader_has_work(struct shms_reader *r);

#endif /* SHMSTREAM_H */
