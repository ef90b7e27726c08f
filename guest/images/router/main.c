/*
 * router: an IPv4 router between the NICs "wan" and "lan", configured
 * from the command line (config.c; docs/router.md). Each pass reads a
 * batch from every NIC, routes each frame (router.c and the files it
 * names), runs the ARP timers, then flushes every NIC once; when a pass
 * found no full batch the router yields until a frame or a timer is due.
 * When a NIC closes (SIGTERM to the tender closes them all) it prints its
 * counters and exits 0. Bad arguments: one line naming the problem, the
 * usage, exit status 2.
 */
#include "skiff/rt.h"
#include "solo5.h"

#include "nic.h"
#include "router.h"

#define IDLE_WAIT_NS 1000000000ull
#define EXIT_USAGE   2

static const char *const nic_names[] = { "wan", "lan" };
#define N_NICS (sizeof nic_names / sizeof nic_names[0])

static struct nic nics[N_NICS];
static struct rt_config cfg;
static struct router rt;

static bool out_send(void *ctx, unsigned nic, const uint8_t *buf, size_t len)
{
    (void)ctx;
    return nic_send(&nics[nic], buf, len);
}

static void print_line(void *ctx, const char *text)
{
    (void)ctx;
    skiff_printf("%s\n", text);
}

static void print_addr(const char *what, uint32_t a, unsigned len)
{
    skiff_printf("%s%u.%u.%u.%u/%u", what, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, len);
}

static void print_setup(void)
{
    for (unsigned i = 0; i < N_NICS; i++) {
        const struct nic *n = &nics[i];
        const uint8_t *m = n->info.mac_address;
        skiff_printf("router: %s ", n->name);
        print_addr("", cfg.nic[i].addr, cfg.nic[i].len);
        skiff_printf(" mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u offloads %s\n", m[0], m[1], m[2],
                     m[3], m[4], m[5], (unsigned)n->info.mtu, n->vnet ? "on" : "off");
    }
    for (unsigned i = 0; i < cfg.n_routes; i++) {
        uint32_t v = cfg.route[i].via;
        print_addr("router: route ", cfg.route[i].dst.addr, cfg.route[i].dst.len);
        skiff_printf(" via %u.%u.%u.%u\n", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
    }
    skiff_printf("router: %u ACL rules, ICMP errors at most %u/s; forwarding\n", cfg.n_acl,
                 (unsigned)cfg.icmp_rate);
}

int solo5_app_main(const struct solo5_start_info *si)
{
    char err[160];

    if (!rt_config_parse(si->cmdline, nic_names, N_NICS, &cfg, err, sizeof err)) {
        skiff_printf("router: %s\n", err);
        solo5_console_write(rt_config_usage, strlen(rt_config_usage));
        return EXIT_USAGE;
    }
    if (cfg.help) {
        solo5_console_write(rt_config_usage, strlen(rt_config_usage));
        return SOLO5_EXIT_SUCCESS;
    }

    struct rt_nic_hw hw[N_NICS];
    size_t frame_max = 0;
    for (unsigned i = 0; i < N_NICS; i++) {
        if (!nic_open(&nics[i], nic_names[i])) {
            skiff_printf("router: cannot acquire NIC \"%s\" (is it in the image's manifest?)\n",
                         nic_names[i]);
            return SOLO5_EXIT_FAILURE;
        }
        memcpy(hw[i].mac, nics[i].info.mac_address, sizeof hw[i].mac);
        hw[i].mtu = nics[i].info.mtu;
        hw[i].vnet = nics[i].vnet;
        if (nic_frame_max(&nics[i]) > frame_max)
            frame_max = nic_frame_max(&nics[i]);
    }

    size_t need = nic_buffers_size(frame_max) + router_mem_size(frame_max);
    if (need > si->heap_size) {
        skiff_printf("router: memory too small: %llu bytes of heap, %llu needed (raise --mem)\n",
                     (unsigned long long)si->heap_size, (unsigned long long)need);
        return SOLO5_EXIT_FAILURE;
    }
    uint8_t *heap = (uint8_t *)si->heap_start;
    nic_buffers(heap, frame_max);
    const struct rt_out out = { out_send, NULL };
    router_init(&rt, &cfg, hw, heap + nic_buffers_size(frame_max), frame_max, &out,
                solo5_clock_monotonic());
    print_setup();

    int status = SOLO5_EXIT_SUCCESS;
    for (bool running = true; running;) {
        bool full = false;
        for (unsigned i = 0; i < N_NICS && running; i++) {
            struct nic_batch b;
            solo5_result_t r = nic_rx(&nics[i], &b);
            if (r == SOLO5_R_OK) {
                uint64_t now = solo5_clock_monotonic();
                for (size_t k = 0; k < b.count; k++)
                    router_input(&rt, i, b.f[k].buf, b.f[k].len, b.headroom, now);
                nic_rx_done(&nics[i]);
                full |= b.count == NIC_BATCH;
            } else if (nic_closed(r)) {
                skiff_printf("router: %s closed\n", nics[i].name);
                running = false;
            } else if (r != SOLO5_R_AGAIN) {
                skiff_printf("router: %s: read failed (%d)\n", nics[i].name, (int)r);
                status = SOLO5_EXIT_FAILURE;
                running = false;
            }
        }
        uint64_t now = solo5_clock_monotonic();
        uint64_t next = router_tick(&rt, now);
        for (unsigned i = 0; i < N_NICS; i++)
            nic_flush(&nics[i]);
        /* A batch that was not full means the NIC is empty for now:
         * asking again at once would cost a read that finds nothing. */
        if (running && !full)
            solo5_yield(next < now + IDLE_WAIT_NS ? next : now + IDLE_WAIT_NS, NULL);
    }
    router_report(&rt, print_line, NULL);
    if (!router_balanced(&rt))
        skiff_printf("router: counters do not balance (a defect)\n");
    return status;
}
