/*
 * Rate-limited log lines (see log_limit.h). Single-threaded per limiter: each
 * belongs to the thread that detects its event (the I/O thread for datapath
 * messages).
 */
#include "report/log_limit.h"

bool skiff_log_limit_hit(struct skiff_log_limit *rl, uint64_t now_ns, uint64_t *suppressed)
{
    rl->total++;
    if (rl->next_ns != 0 && now_ns < rl->next_ns) {
        rl->suppressed++;
        return false;
    }
    *suppressed = rl->suppressed;
    rl->suppressed = 0;
    rl->next_ns = now_ns + SKIFF_LOG_LIMIT_INTERVAL_NS;
    if (rl->next_ns == 0) /* keep 0 meaning "never printed" */
        rl->next_ns = 1;
    return true;
}

uint64_t skiff_log_limit_flush(struct skiff_log_limit *rl)
{
    uint64_t n = rl->suppressed;
    rl->suppressed = 0;
    return n;
}
