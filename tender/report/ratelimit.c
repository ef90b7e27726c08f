/*
 * Rate-limited log lines (see ratelimit.h). Single-threaded per limiter: each
 * belongs to the thread that detects its event (the I/O thread for datapath
 * messages).
 */
#include "report/ratelimit.h"

bool skiff_ratelimit_hit(struct skiff_ratelimit *rl, uint64_t now_ns, uint64_t *suppressed)
{
    rl->total++;
    if (rl->next_ns != 0 && now_ns < rl->next_ns) {
        rl->suppressed++;
        return false;
    }
    *suppressed = rl->suppressed;
    rl->suppressed = 0;
    rl->next_ns = now_ns + SKIFF_RATELIMIT_INTERVAL_NS;
    if (rl->next_ns == 0) /* keep 0 meaning "never printed" */
        rl->next_ns = 1;
    return true;
}

uint64_t skiff_ratelimit_flush(struct skiff_ratelimit *rl)
{
    uint64_t n = rl->suppressed;
    rl->suppressed = 0;
    return n;
}
