/*
 * bridge: forwards every frame between the NICs "wan" and "lan", unmodified,
 * in both directions. Each pass reads a batch per direction, queues it on the
 * other NIC and flushes once. When the other side's ring is full the bridge
 * waits for room (back-pressure: frames then queue in the host kernel rather
 * than being dropped here); only a frame that still finds no room after
 * SPACE_WAIT_NS, or one above the other side's MTU, is dropped and counted.
 * Exits 0, printing the counters, when a NIC closes.
 */
#include "skiff/rt.h"
#include "solo5.h"

#define BATCH 32
#define IDLE_WAIT_NS 1000000000ull /* yield deadline when idle */
#define SPACE_WAIT_NS 100000000ull /* longest wait for room on the output */

struct direction {
    const char *name;
    solo5_handle_t from, to;
    uint64_t forwarded, dropped;
};

/* Move one batch; returns the read result (OK, AGAIN, CLOSED, error). */
static solo5_result_t forward(struct direction *d,
                              struct solo5_net_frame *frames)
{
    size_t count = 0;
    solo5_result_t r = solo5_net_read_batch(d->from, frames, BATCH, &count);

    if (r != SOLO5_R_OK)
        return r;
    for (size_t i = 0; i < count; i++) {
        solo5_result_t q = solo5_net_queue(d->to, frames[i].buf, frames[i].len);
        if (q == SOLO5_R_AGAIN &&
            solo5_net_wait_space(d->to, solo5_clock_monotonic() + SPACE_WAIT_NS) ==
                SOLO5_R_OK)
            q = solo5_net_queue(d->to, frames[i].buf, frames[i].len);
        if (q == SOLO5_R_OK)
            d->forwarded++;
        else
            d->dropped++; /* no room in time, or frame above the other MTU */
    }
    solo5_net_flush(d->to);
    return SOLO5_R_OK;
}

static void report(const struct direction *d)
{
    skiff_printf("bridge: %s forwarded %llu dropped %llu\n", d->name,
                 (unsigned long long)d->forwarded,
                 (unsigned long long)d->dropped);
}

int solo5_app_main(const struct solo5_start_info *si)
{
    solo5_handle_t wan, lan;
    struct solo5_net_info wan_info, lan_info;

    if (solo5_net_acquire("wan", &wan, &wan_info) != SOLO5_R_OK ||
        solo5_net_acquire("lan", &lan, &lan_info) != SOLO5_R_OK) {
        skiff_printf("bridge: cannot acquire NICs \"wan\" and \"lan\"\n");
        return SOLO5_EXIT_FAILURE;
    }

    /* One set of buffers, big enough for either side's frames. */
    size_t mtu = wan_info.mtu > lan_info.mtu ? wan_info.mtu : lan_info.mtu;
    size_t frame_max = mtu + SOLO5_NET_HLEN;
    if ((size_t)BATCH * frame_max > si->heap_size) {
        skiff_printf("bridge: heap too small\n");
        return SOLO5_EXIT_FAILURE;
    }
    struct solo5_net_frame frames[BATCH];
    for (size_t i = 0; i < BATCH; i++)
        frames[i] = (struct solo5_net_frame){
            (uint8_t *)si->heap_start + i * frame_max, frame_max, 0};

    struct direction dirs[2] = {
        {.name = "wan->lan", .from = wan, .to = lan},
        {.name = "lan->wan", .from = lan, .to = wan},
    };
    int status = SOLO5_EXIT_SUCCESS;
    for (bool running = true; running;) {
        bool busy = false;
        for (int i = 0; i < 2 && running; i++) {
            solo5_result_t r = forward(&dirs[i], frames);
            if (r == SOLO5_R_OK) {
                busy = true;
            } else if (r == SOLO5_R_CLOSED) {
                skiff_printf("bridge: %s input closed\n", dirs[i].name);
                running = false;
            } else if (r != SOLO5_R_AGAIN) {
                skiff_printf("bridge: %s read failed (%d)\n", dirs[i].name,
                             (int)r);
                status = SOLO5_EXIT_FAILURE;
                running = false;
            }
        }
        if (running && !busy)
            solo5_yield(solo5_clock_monotonic() + IDLE_WAIT_NS, NULL);
    }
    report(&dirs[0]);
    report(&dirs[1]);
    return status;
}
