/*
 * A NIC that is closed from the start (the runner attaches an fd at end of
 * file). Built twice: without the opt-in, reads give SOLO5_R_AGAIN (one of
 * Solo5's four results) and the NIC stops waking solo5_yield; with it
 * (manifest "skiff": {"closed": true}, -DOPT_IN), reads give SOLO5_R_CLOSED.
 */
#include "util.h"

#ifdef OPT_IN
#define NAME "netclosed-optin"
#define WANT SOLO5_R_CLOSED
#else
#define NAME "netclosed"
#define WANT SOLO5_R_AGAIN
#endif

static uint8_t frame[9000 + SOLO5_NET_HLEN];

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    solo5_handle_t h;
    struct solo5_net_info info;
    size_t got;

    if (solo5_net_acquire("net0", &h, &info) != SOLO5_R_OK)
        return verdict(NAME, "cannot acquire net0");
    /* the end of file may take a moment to be noticed */
    solo5_time_t give_up = solo5_clock_monotonic() + 2000000000ull;
    solo5_result_t r;
    do {
        solo5_yield(solo5_clock_monotonic() + 10000000ull, NULL);
        r = solo5_net_read(h, frame, sizeof frame, &got);
    } while (r == SOLO5_R_AGAIN && WANT != SOLO5_R_AGAIN && solo5_clock_monotonic() < give_up);
    if (r != WANT)
        return verdict(NAME, "unexpected read result");
    /* Once read, the closed NIC no longer wakes solo5_yield: over 200 ms
     * of yielding it may return early once (an event from before the
     * read), never spin, and never report the NIC ready. */
    solo5_time_t end = solo5_clock_monotonic() + 200000000ull;
    unsigned early = 0;
    while (solo5_clock_monotonic() < end) {
        solo5_handle_set_t ready = ~0ull;
        solo5_yield(end, &ready);
        if (ready != 0)
            return verdict(NAME, "closed NIC reported ready");
        if (solo5_clock_monotonic() < end && ++early > 3)
            return verdict(NAME, "closed NIC keeps waking solo5_yield");
    }
    return verdict(NAME, NULL);
}
