/*
 * ping: answers ARP for its IPv4 address and ICMP echo requests on the NIC
 * "service". Command line: <ipv4-address> [limit N]; with a limit it exits 0
 * after answering N echo requests. Replies to all frames waiting in one batch
 * are queued, then sent with a single flush; a batch that was not full
 * means the device is empty, so the guest yields before reading again.
 */
#include "skiff/rt.h"
#include "solo5.h"

#include "proto.h"

#define BATCH        32
#define IDLE_WAIT_NS 1000000000ull /* yield deadline when idle */

int solo5_app_main(const struct solo5_start_info *si)
{
    struct ping_args args;
    struct ping_ctx ctx;
    struct solo5_net_info info;
    solo5_handle_t h;

    if (!ping_parse_cmdline(si->cmdline, &args)) {
        skiff_printf("ping: bad command line \"%s\"; usage: <ipv4-address> "
                     "[limit N]\n",
                     si->cmdline);
        return SOLO5_EXIT_FAILURE;
    }
    if (solo5_net_acquire("service", &h, &info) != SOLO5_R_OK) {
        skiff_printf("ping: cannot acquire NIC \"service\"\n");
        return SOLO5_EXIT_FAILURE;
    }
    memcpy(ctx.mac, info.mac_address, sizeof ctx.mac);
    memcpy(ctx.ip, args.ip, sizeof ctx.ip);

    /* Frame buffers come from the heap: their size depends on the MTU. */
    size_t frame_max = info.mtu + SOLO5_NET_HLEN;
    if ((size_t)(BATCH + 1) * frame_max > si->heap_size) {
        skiff_printf("ping: heap too small\n");
        return SOLO5_EXIT_FAILURE;
    }
    struct solo5_net_frame frames[BATCH];
    uint8_t *mem = (uint8_t *)si->heap_start;
    for (size_t i = 0; i < BATCH; i++)
        frames[i] = (struct solo5_net_frame){ mem + i * frame_max, frame_max, 0 };
    uint8_t *reply = mem + BATCH * frame_max;

    skiff_printf("ping: serving %u.%u.%u.%u on \"service\"\n", args.ip[0], args.ip[1], args.ip[2],
                 args.ip[3]);
    uint64_t answered = 0, dropped = 0;
    for (;;) {
        size_t count = 0;
        solo5_result_t r = solo5_net_read_batch(h, frames, BATCH, &count);
        if (r == SOLO5_R_CLOSED) {
            skiff_printf("ping: \"service\" closed after %llu echo replies\n",
                         (unsigned long long)answered);
            return args.limit == 0 ? SOLO5_EXIT_SUCCESS : SOLO5_EXIT_FAILURE;
        }
        if (r != SOLO5_R_OK && r != SOLO5_R_AGAIN) { /* AGAIN: count is 0 */
            skiff_printf("ping: read failed (%d)\n", (int)r);
            return SOLO5_EXIT_FAILURE;
        }

        bool done = false;
        for (size_t i = 0; i < count && !done; i++) {
            size_t len;
            enum ping_kind k =
                ping_handle(&ctx, frames[i].buf, frames[i].len, reply, frame_max, &len);
            if (k == PING_IGNORED)
                continue;
            if (solo5_net_queue(h, reply, len) != SOLO5_R_OK) {
                dropped++; /* TX ring full: like a lost reply on the wire */
                continue;
            }
            if (k == PING_ECHO_REPLY && ++answered == args.limit)
                done = true;
        }
        solo5_net_flush(h);
        if (done) {
            skiff_printf("ping: answered %llu echo requests (%llu replies "
                         "dropped), exiting\n",
                         (unsigned long long)answered, (unsigned long long)dropped);
            return SOLO5_EXIT_SUCCESS;
        }
        /* Nothing, or a short batch: the device is empty. Asking again at
         * once would cost a read that finds nothing (a system call where
         * the guest reads the packet fd itself); solo5_yield returns at once
         * if a frame came meanwhile. */
        if (count < BATCH)
            solo5_yield(solo5_clock_monotonic() + IDLE_WAIT_NS, NULL);
    }
}
