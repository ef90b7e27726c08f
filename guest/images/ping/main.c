/*
 * ping: answers ARP for its IPv4 address and ICMP echo requests on the NIC
 * "service". Command line: <ipv4-address> [limit N]; with a limit it exits 0
 * after answering N echo requests. Replies to all frames waiting in one batch
 * are queued, then sent with a single flush; a batch that was not full
 * means the device is empty, so the guest yields before reading again.
 */
#include "skiff/rt.h"
#include "solo5.h"

#include "serve.h"

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

    size_t frame_max = info.mtu + SOLO5_NET_HLEN;
    struct solo5_net_frame frames[PING_BATCH];
    uint8_t *reply = ping_frames(si, frame_max, frames);
    if (reply == NULL) {
        skiff_printf("ping: heap too small\n");
        return SOLO5_EXIT_FAILURE;
    }

    skiff_printf("ping: serving %u.%u.%u.%u on \"service\"\n", args.ip[0], args.ip[1], args.ip[2],
                 args.ip[3]);
    uint64_t answered = 0, dropped = 0;
    for (;;) {
        size_t count = 0;
        solo5_result_t r = solo5_net_read_batch(h, frames, PING_BATCH, &count);
        if (r == SOLO5_R_CLOSED) {
            skiff_printf("ping: \"service\" closed after %llu echo replies\n",
                         (unsigned long long)answered);
            return args.limit == 0 ? SOLO5_EXIT_SUCCESS : SOLO5_EXIT_FAILURE;
        }
        if (r != SOLO5_R_OK && r != SOLO5_R_AGAIN) { /* AGAIN: count is 0 */
            skiff_printf("ping: read failed (%d)\n", (int)r);
            return SOLO5_EXIT_FAILURE;
        }

        bool done =
            ping_answer(&ctx, h, frames, count, reply, frame_max, args.limit, &answered, &dropped);
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
        if (count < PING_BATCH)
            solo5_yield(solo5_clock_monotonic() + PING_IDLE_WAIT_NS, NULL);
    }
}
