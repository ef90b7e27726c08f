/*
 * Rate-limited log lines for events a guest can cause (one limiter per NIC
 * and message). The first occurrence is printed; later ones within the
 * interval are only counted, and the count rides on the next line printed
 * (the first occurrence after the interval) or on a final summary at exit.
 * So a limiter prints at most 1 + ceil(T / interval) lines in T seconds,
 * plus one at exit, whatever the guest does.
 */
#ifndef SKIFF_LOG_LIMIT_H
#define SKIFF_LOG_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* One line per interval at most, per limiter. */
#define SKIFF_LOG_LIMIT_INTERVAL_NS (10ull * 1000 * 1000 * 1000)

struct skiff_log_limit {
    uint64_t next_ns;    /* earliest time the next line may be printed; 0: never printed */
    uint64_t suppressed; /* occurrences counted but not printed since the last line */
    uint64_t total;      /* every occurrence */
};

/*
 * An occurrence at `now_ns` (CLOCK_MONOTONIC). Returns true if the caller
 * prints its line now; *suppressed then holds how many occurrences were
 * held back since the previous line (0 on the first), to be mentioned in it.
 */
bool skiff_log_limit_hit(struct skiff_log_limit *rl, uint64_t now_ns, uint64_t *suppressed);

/* Occurrences never reported, for a summary line at exit; resets the count. */
uint64_t skiff_log_limit_flush(struct skiff_log_limit *rl);

#endif /* SKIFF_LOG_LIMIT_H */
