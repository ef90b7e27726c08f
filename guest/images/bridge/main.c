/*
 * bridge: forwards every frame between the NICs "wan" and "lan", unmodified,
 * in both directions. Each pass reads a batch per direction, queues it on the
 * other NIC and flushes once. When the other side's ring is full the bridge
 * waits for room (back-pressure: frames then queue in the host kernel rather
 * than being dropped here); only a frame that still finds no room after
 * SPACE_WAIT_NS (see the command line below), or one above the other
 * side's MTU, is dropped and counted.
 * Exits 0, printing the counters, when a NIC closes.
 *
 * Command line: empty, or "space-wait-ms=N" (1..600000) to wait up to N ms
 * for room instead of SPACE_WAIT_NS: a test that must see no drop while
 * its reader can be descheduled for longer than 100 ms on a loaded host
 * asks for a bound it can never reach.
 *
 * Offloads: the image asks for vnet headers on both NICs. Where the host
 * enabled them (SOLO5_NET_F_VNET) frames come with a virtio-net header and
 * may be 64 KiB GSO super-frames; between two such NICs they pass through
 * untouched, header included, which is what makes TCP fast. If only one side
 * has them (--io=direct never does; an inherited fd may not), frames towards
 * the plain side lose their header and get any pending checksum completed,
 * and TCP super-frames are cut into segments (other GSO kinds are dropped);
 * frames towards the vnet side get an empty header. A frame counts as
 * forwarded once, however many segments it became. The mode is printed at
 * start.
 */
#include "skiff/rt.h"
#include "solo5.h"

#include "vnet.h"

#define BATCH             32
#define IDLE_WAIT_NS      1000000000ull /* yield deadline when idle */
#define SPACE_WAIT_NS     100000000ull  /* default longest wait for room on the output */
#define SPACE_WAIT_MAX_MS 600000ull

/* Every buffer has room for the largest vnet frame; a plain frame is read
 * HROOM bytes in, so a header can be put in front without copying. */
#define BUF_SIZE SOLO5_NET_VNET_BUF_MAX
#define HROOM    SOLO5_NET_VNET_HLEN

struct port {
    const char *name;
    solo5_handle_t h;
    bool vnet;
};

struct direction {
    const char *name;
    const struct port *from, *to;
    bool lend; /* the input may lend frames in place */
    uint64_t forwarded, dropped;
};

/* Longest wait for room on the output (the command line may change it). */
static uint64_t space_wait_ns = SPACE_WAIT_NS;

/* "" or "space-wait-ms=N" (leading and trailing spaces allowed). */
static bool parse_cmdline(const char *s)
{
    static const char key[] = "space-wait-ms=";
    uint64_t ms = 0;
    size_t i = 0;

    if (s == NULL)
        return true;
    while (*s == ' ')
        s++;
    if (*s == '\0')
        return true;
    for (; key[i] != '\0'; i++)
        if (s[i] != key[i])
            return false;
    s += i;
    if (*s < '0' || *s > '9')
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        ms = ms * 10 + (uint64_t)(*s - '0');
        if (ms > SPACE_WAIT_MAX_MS)
            return false;
    }
    while (*s == ' ')
        s++;
    if (*s != '\0' || ms == 0)
        return false;
    space_wait_ns = ms * 1000000ull;
    return true;
}

/* Queue one frame on the output, waiting up to space_wait_ns for room. */
static bool send_frame(const struct direction *d, const uint8_t *p, size_t len)
{
    solo5_result_t q = solo5_net_queue(d->to->h, p, len);
    if (q == SOLO5_R_AGAIN &&
        solo5_net_wait_space(d->to->h, solo5_clock_monotonic() + space_wait_ns) == SOLO5_R_OK)
        q = solo5_net_queue(d->to->h, p, len);
    return q == SOLO5_R_OK; /* else no room in time, or above the other MTU */
}

/* vnet -> plain: a TCP super-frame goes out as MSS-sized segments. */
static bool send_segments(const struct direction *d, const uint8_t *p, size_t len, uint8_t *scratch)
{
    struct bridge_gso g;
    size_t n;
    bool ok = true;

    if (!bridge_gso_init(&g, p, len) || bridge_gso_seg_max(&g) > BUF_SIZE)
        return false;
    while ((n = bridge_gso_next(&g, scratch)) != 0)
        ok = send_frame(d, scratch, n) && ok;
    return ok;
}

/* Forward one frame, adapted to the output side (see the top comment). */
static bool forward_one(const struct direction *d, uint8_t *p, size_t len, uint8_t *scratch)
{
    if (d->from->vnet == d->to->vnet)
        return send_frame(d, p, len);
    if (d->to->vnet) { /* plain -> vnet: an empty header (no offload asked) */
        memset(p - HROOM, 0, HROOM);
        return send_frame(d, p - HROOM, len + HROOM);
    }
    switch (bridge_vnet_to_plain(p, len)) {
    case BRIDGE_VNET_PLAIN: return send_frame(d, p + HROOM, len - HROOM);
    case BRIDGE_VNET_GSO: return send_segments(d, p, len, scratch);
    default: return false;
    }
}

/* Between two NICs of the same kind frames pass untouched: forward them
 * from where the input ring holds them (one copy, into the output ring),
 * where the input can lend them. */
static solo5_result_t forward_in_place(struct direction *d)
{
    struct solo5_net_view views[BATCH];
    size_t count = 0;
    solo5_result_t r = solo5_net_peek_batch(d->from->h, views, BATCH, &count);
    if (r != SOLO5_R_OK)
        return r;
    for (size_t i = 0; i < count; i++) {
        if (send_frame(d, views[i].buf, views[i].len))
            d->forwarded++;
        else
            d->dropped++;
    }
    solo5_net_release(d->from->h);
    solo5_net_flush(d->to->h);
    return SOLO5_R_OK;
}

/* Move one batch; returns the read result (OK, AGAIN, CLOSED, error). */
static solo5_result_t forward(struct direction *d, struct solo5_net_frame *frames, uint8_t *bufs)
{
    size_t skip = d->from->vnet ? 0 : HROOM;
    size_t count = 0;
    uint8_t *scratch = bufs + BATCH * BUF_SIZE;

    if (d->lend && d->from->vnet == d->to->vnet) {
        solo5_result_t r = forward_in_place(d);
        if (r != SOLO5_R_EUNSPEC)
            return r;
        d->lend = false; /* this input cannot lend (direct mode): copy */
    }

    for (size_t i = 0; i < BATCH; i++)
        frames[i] = (struct solo5_net_frame){ bufs + i * BUF_SIZE + skip, BUF_SIZE - skip, 0 };
    solo5_result_t r = solo5_net_read_batch(d->from->h, frames, BATCH, &count);
    if (r != SOLO5_R_OK)
        return r;
    for (size_t i = 0; i < count; i++) {
        if (forward_one(d, frames[i].buf, frames[i].len, scratch))
            d->forwarded++;
        else
            d->dropped++;
    }
    solo5_net_flush(d->to->h);
    return SOLO5_R_OK;
}

static void report(const struct direction *d)
{
    skiff_printf("bridge: %s forwarded %llu dropped %llu\n", d->name,
                 (unsigned long long)d->forwarded, (unsigned long long)d->dropped);
}

int solo5_app_main(const struct solo5_start_info *si)
{
    struct port wan = { .name = "wan" }, lan = { .name = "lan" };
    struct solo5_net_info wan_info, lan_info;

    if (!parse_cmdline(si->cmdline)) {
        skiff_printf("bridge: bad command line '%s': give nothing, or space-wait-ms=N "
                     "(1..%llu) for the longest wait for room on an output\n",
                     si->cmdline, (unsigned long long)SPACE_WAIT_MAX_MS);
        return SOLO5_EXIT_FAILURE;
    }
    if (solo5_net_acquire("wan", &wan.h, &wan_info) != SOLO5_R_OK ||
        solo5_net_acquire("lan", &lan.h, &lan_info) != SOLO5_R_OK) {
        skiff_printf("bridge: cannot acquire NICs \"wan\" and \"lan\"\n");
        return SOLO5_EXIT_FAILURE;
    }
    wan.vnet = (solo5_net_features(wan.h) & SOLO5_NET_F_VNET) != 0;
    lan.vnet = (solo5_net_features(lan.h) & SOLO5_NET_F_VNET) != 0;
    if (wan.vnet && lan.vnet)
        skiff_printf("bridge: offloads on (vnet headers on wan and lan)\n");
    else if (!wan.vnet && !lan.vnet)
        skiff_printf("bridge: offloads off (plain frames on wan and lan)\n");
    else
        skiff_printf("bridge: offloads on %s only: frames to %s get checksums "
                     "completed, TCP super-frames are segmented (slower)\n",
                     wan.vnet ? "wan" : "lan", wan.vnet ? "lan" : "wan");

    /* One set of buffers, big enough for either side's frames, plus one for
     * building segments. */
    if ((size_t)(BATCH + 1) * BUF_SIZE > si->heap_size) {
        skiff_printf("bridge: heap too small (%llu bytes, need %llu)\n",
                     (unsigned long long)si->heap_size, (unsigned long long)(BATCH + 1) * BUF_SIZE);
        return SOLO5_EXIT_FAILURE;
    }
    uint8_t *bufs = (uint8_t *)si->heap_start;
    struct solo5_net_frame frames[BATCH];

    struct direction dirs[2] = {
        { .name = "wan->lan", .from = &wan, .to = &lan, .lend = true },
        { .name = "lan->wan", .from = &lan, .to = &wan, .lend = true },
    };
    int status = SOLO5_EXIT_SUCCESS;
    for (bool running = true; running;) {
        bool busy = false;
        for (int i = 0; i < 2 && running; i++) {
            solo5_result_t r = forward(&dirs[i], frames, bufs);
            if (r == SOLO5_R_OK) {
                busy = true;
            } else if (r == SOLO5_R_CLOSED) {
                skiff_printf("bridge: %s input closed\n", dirs[i].name);
                running = false;
            } else if (r != SOLO5_R_AGAIN) {
                skiff_printf("bridge: %s read failed (%d)\n", dirs[i].name, (int)r);
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
