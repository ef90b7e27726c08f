/*
 * What the datapath's parts (datapath.c, rx.c, tx.c, holds.c) share and
 * nobody else needs. Private to those files.
 */
#ifndef SKIFF_DP_INTERNAL_H
#define SKIFF_DP_INTERNAL_H

#include "datapath/datapath.h"

_Static_assert(SKIFF_DP_BATCH <= SKIFF_PKTIO_MAX, "a batch must fit one pktio call");

/* Signal an eventfd (a saturated counter is already signalled). */
void skiff_dp_notify(int fd);

/* The packet fd is gone: stop reading it and start draining (rx.c). `why`
 * names the cause for the log line, NULL for a graceful stop. */
void skiff_dp_gone(struct skiff_dp *dp, const char *why);

/* A stashed TX frame (tx_blocked) will never be written: count it as a
 * TAP-error drop and forget it (tx.c). */
void skiff_dp_tx_drop_stash(struct skiff_dp *dp);

/* --- holds.c: --net-rate and the always-on bounds (datapath.h) */

/* Buckets of both directions and the bounds, from the NIC's --net-rate. */
void skiff_dp_holds_init(struct skiff_dp *dp);

/* Does --net-rate want a check before every frame of this direction? */
static inline bool skiff_dp_limited(const struct skiff_dp *dp, const struct skiff_limiter *l)
{
    return skiff_limiter_on(l) && !dp->unlimited;
}

/* May this direction move a frame now? If not, note until when it waits
 * (*resume) and count it (*throttled). */
bool skiff_dp_limit_ok(struct skiff_dp *dp, struct skiff_limiter *l, uint64_t *resume,
                       uint64_t *throttled);

/* Is a direction held back right now (--net-rate, resync bound)? Lifts a
 * hold whose time has come. */
bool skiff_dp_held(uint64_t *resume);

/* The resync and hand-off bounds: take a token, or say no (resync: TX is
 * then held until a token comes). */
bool skiff_dp_resync_ok(struct skiff_dp *dp);
bool skiff_dp_handoff_ok(struct skiff_dp *dp);

/*
 * The packet-I/O a direction uses now: batched unless --net-rate checks
 * every frame (then one read/write per frame, so no frame moves unchecked).
 */
static inline struct skiff_pktio *skiff_dp_pktio(struct skiff_dp *dp, const struct skiff_limiter *l)
{
    return skiff_dp_limited(dp, l) ? &dp->pkt_rw : &dp->pkt;
}

#endif /* SKIFF_DP_INTERNAL_H */
