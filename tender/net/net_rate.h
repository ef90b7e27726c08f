/*
 * --net-rate:NAME=...: a NIC's optional rate limit, as parsed from the
 * command line and applied by the I/O thread (tender/datapath/limiter.h).
 */
#ifndef SKIFF_NET_RATE_H
#define SKIFF_NET_RATE_H

#include <stdint.h>

/* Per-second limits per direction (0 = none) and the burst: how many
 * milliseconds of the rate the buckets may save up. rx is packet fd ->
 * guest, tx is guest -> packet fd, as in the counters. */
struct skiff_net_rate {
    uint64_t rx_frames, rx_bytes;
    uint64_t tx_frames, tx_bytes;
    uint32_t burst_ms; /* 0: SKIFF_RATE_BURST_MS_DEFAULT */
};

#define SKIFF_RATE_BURST_MS_DEFAULT 10u
#define SKIFF_RATE_BURST_MS_MAX     10000u
#define SKIFF_RATE_MAX              1000000000000ull /* 10^12 per second */

#endif /* SKIFF_NET_RATE_H */
