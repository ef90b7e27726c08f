/*
 * Statistics reports. A snapshot is taken field by field with
 * CMM_LOAD_SHARED; it may be off by the frames in flight, which is fine for
 * a report.
 */
#include "report/stats.h"
#include "capture/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urcu/system.h>

static const char *const drop_names[SKIFF_DROP_MAX] = {
    [SKIFF_DROP_TOO_BIG] = "too_big",     /* over the MTU or the slot */
    [SKIFF_DROP_BAD_SLOT] = "bad_slot",   /* an invalid slot header */
    [SKIFF_DROP_OVERRUN] = "overrun",     /* inconsistent ring counters */
    [SKIFF_DROP_TAP_ERROR] = "tap_error", /* the packet fd refused it */
    [SKIFF_DROP_LINK_DOWN] = "link_down", /* ... with EIO: the TAP was down */
};

/* Hypercall names, by number, for the hvt exit counters. */
static const char *const hc_names[SKIFF_HC_MAX] = {
    [SKIFF_HC_WALLTIME] = "walltime",
    [SKIFF_HC_POLL] = "poll",
    [SKIFF_HC_PUTS] = "puts",
    [SKIFF_HC_NETWRITE] = "netwrite",
    [SKIFF_HC_NETREAD] = "netread",
    [SKIFF_HC_HALT] = "halt",
    [SKIFF_HC_SET_TLS] = "set_tls",
    [SKIFF_HC_BLOCK_READ] = "block_read",
    [SKIFF_HC_BLOCK_WRITE] = "block_write",
    [SKIFF_HC_NETIO] = "netio",
};
/* Every hypercall 1..MAX-1 needs a name: the JSON keys must be distinct. */
_Static_assert(SKIFF_HC_MAX == SKIFF_HC_NETIO + 1, "name the new hypercall in hc_names");

static const char *io_name(unsigned mode)
{
    switch (mode) {
    case SKIFF_IO_EVENT: return "event";
    case SKIFF_IO_POLL: return "poll";
    case SKIFF_IO_DIRECT: return "direct";
    default: return "unknown";
    }
}

static void snapshot(const struct skiff_nic *n, struct skiff_nic_stats *s)
{
    const struct skiff_nic_stats *c = &n->stats;
    s->rx_frames = CMM_LOAD_SHARED(c->rx_frames);
    s->rx_bytes = CMM_LOAD_SHARED(c->rx_bytes);
    s->tx_frames = CMM_LOAD_SHARED(c->tx_frames);
    s->tx_bytes = CMM_LOAD_SHARED(c->tx_bytes);
    for (int i = 0; i < SKIFF_DROP_MAX; i++) {
        s->rx_drops[i] = CMM_LOAD_SHARED(c->rx_drops[i]);
        s->tx_drops[i] = CMM_LOAD_SHARED(c->tx_drops[i]);
    }
    s->guest_kicks = CMM_LOAD_SHARED(c->guest_kicks);
    s->guest_wakeups = CMM_LOAD_SHARED(c->guest_wakeups);
    s->io_wakeups = CMM_LOAD_SHARED(c->io_wakeups);
    s->rx_ring_full = CMM_LOAD_SHARED(c->rx_ring_full);
    s->tx_waiter_wakeups = CMM_LOAD_SHARED(c->tx_waiter_wakeups);
    s->rx_throttled = CMM_LOAD_SHARED(c->rx_throttled);
    s->tx_throttled = CMM_LOAD_SHARED(c->tx_throttled);
    s->kick_mutes = CMM_LOAD_SHARED(c->kick_mutes);
    s->tap_batches = CMM_LOAD_SHARED(c->tap_batches);
    /* Guest memory, read once; a number the guest made up harms no one. */
    s->tx_guest_frames = n->tx.ctrl ? CMM_LOAD_SHARED(n->tx.ctrl->w_bypass) : 0;
    s->rx_handoffs = CMM_LOAD_SHARED(c->rx_handoffs);
    s->rx_guest_frames = n->rx.ctrl ? shms_writer_reader_bypass(&n->rx) : 0;
}

static uint64_t sum_drops(const uint64_t d[SKIFF_DROP_MAX])
{
    uint64_t t = 0;
    for (int i = 0; i < SKIFF_DROP_MAX; i++)
        t += d[i];
    return t;
}

/* Cross-domain notifications (guest kicks, guest wake-ups, TX-space
 * wake-ups) per frame moved: the number the ring design tries to keep low. */
static double notif_per_frame(const struct skiff_nic_stats *s)
{
    uint64_t frames = s->rx_frames + s->tx_frames;
    uint64_t notif = s->guest_kicks + s->guest_wakeups + s->tx_waiter_wakeups;
    return frames ? (double)notif / (double)frames : 0.0;
}

/* Guest -> tender notifications (kicks) per frame moved: what the guest
 * pays (on hvt each would be an ioeventfd write; on spt a system call). */
static double kicks_per_frame(const struct skiff_nic_stats *s)
{
    uint64_t frames = s->rx_frames + s->tx_frames;
    return frames ? (double)s->guest_kicks / (double)frames : 0.0;
}

/* A snapshot of the exit counters, plus the totals the reports show. */
struct exit_snap {
    struct skiff_exit_stats e;
    uint64_t exits;  /* every exit to user space */
    uint64_t kicks;  /* ioeventfd kicks seen by the I/O thread, all NICs */
    uint64_t frames; /* rx + tx frames, all NICs */
};

static void exit_snapshot(const struct skiff_exit_stats *c, const struct skiff_nic *nics,
                          unsigned count, struct exit_snap *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 1; i < SKIFF_HC_MAX; i++) {
        s->e.hypercall[i] = CMM_LOAD_SHARED(c->hypercall[i]);
        s->exits += s->e.hypercall[i];
    }
    s->e.faults = CMM_LOAD_SHARED(c->faults);
    s->e.other = CMM_LOAD_SHARED(c->other);
    s->e.poll_sleeps = CMM_LOAD_SHARED(c->poll_sleeps);
    s->exits += s->e.faults + s->e.other;
    for (unsigned i = 0; i < count; i++) {
        s->kicks += CMM_LOAD_SHARED(nics[i].stats.guest_kicks);
        s->frames +=
            CMM_LOAD_SHARED(nics[i].stats.rx_frames) + CMM_LOAD_SHARED(nics[i].stats.tx_frames);
    }
}

static double exits_per_frame(const struct exit_snap *s)
{
    return s->frames ? (double)s->exits / (double)s->frames : 0.0;
}

static void print_exits(FILE *f, const struct skiff_exit_stats *c, const struct skiff_nic *nics,
                        unsigned count)
{
    struct exit_snap s;
    exit_snapshot(c, nics, count, &s);
    fprintf(f, "  hvt (%s): %" PRIu64 " exits (", c->host ? c->host : "kvm", s.exits);
    for (int i = 1; i < SKIFF_HC_MAX; i++)
        fprintf(f, "%s %" PRIu64 ", ", hc_names[i], s.e.hypercall[i]);
    fprintf(f,
            "faults %" PRIu64 ", other %" PRIu64 "), %" PRIu64 " poll sleeps, "
            "%" PRIu64 " ioeventfd kicks, %.4f exits/frame\n",
            s.e.faults, s.e.other, s.e.poll_sleeps, s.kicks, exits_per_frame(&s));
}

static void print_drops(FILE *f, const char *dir, const uint64_t d[SKIFF_DROP_MAX])
{
    for (int i = 0; i < SKIFF_DROP_MAX; i++)
        if (d[i])
            fprintf(f, " %s-%s=%" PRIu64, dir, drop_names[i], d[i]);
}

/* Copies: the I/O thread's state (where the reason lives) is freed before
 * the last print. */
static char stats_tap_io_buf[16], stats_tap_io_why_buf[160];
static const char *stats_tap_io, *stats_tap_io_why;

void skiff_stats_set_tap_io(const char *tap_io, const char *why)
{
    stats_tap_io = stats_tap_io_why = NULL;
    if (tap_io == NULL)
        return;
    snprintf(stats_tap_io_buf, sizeof(stats_tap_io_buf), "%s", tap_io);
    stats_tap_io = stats_tap_io_buf;
    if (why != NULL) {
        snprintf(stats_tap_io_why_buf, sizeof(stats_tap_io_why_buf), "%s", why);
        stats_tap_io_why = stats_tap_io_why_buf;
    }
}

void skiff_stats_print(FILE *f, const struct skiff_nic *nics, unsigned count, unsigned io_mode,
                       const struct skiff_exit_stats *exits)
{
    /* hvt direct mode moves frames in the tender (hypercalls), so it counts
     * them; spt direct mode moves them in the guest process. */
    fprintf(f, "skiff: stats (io=%s)%s\n", io_name(io_mode),
            io_mode == SKIFF_IO_DIRECT && !exits ? ": direct mode moves frames "
                                                   "in the guest, the tender counts none"
                                                 : "");
    if (stats_tap_io != NULL)
        fprintf(f, "  tap_io: %s%s%s%s\n", stats_tap_io, stats_tap_io_why ? " (" : "",
                stats_tap_io_why ? stats_tap_io_why : "", stats_tap_io_why ? ")" : "");
    if (exits)
        print_exits(f, exits, nics, count);
    if (count == 0) {
        fflush(f);
        return;
    }
    fprintf(f, "  %-12s %-3s %12s %14s %8s %10s %10s %10s %10s\n", "nic", "dir", "frames", "bytes",
            "drops", "notified", "io-wakeup", "ring-full", "notif/frm");
    for (unsigned i = 0; i < count; i++) {
        struct skiff_nic_stats s;
        snapshot(&nics[i], &s);
        /* rx: the tender woke the guest; tx: the guest kicked the tender */
        fprintf(f,
                "  %-12s %-3s %12" PRIu64 " %14" PRIu64 " %8" PRIu64 " %10" PRIu64 " %10" PRIu64
                " %10" PRIu64 " %10.3f\n",
                nics[i].name, "rx", s.rx_frames, s.rx_bytes, sum_drops(s.rx_drops), s.guest_wakeups,
                s.io_wakeups, s.rx_ring_full, notif_per_frame(&s));
        fprintf(f,
                "  %-12s %-3s %12" PRIu64 " %14" PRIu64 " %8" PRIu64 " %10" PRIu64
                " %10s %10" PRIu64 " %10s\n",
                "", "tx", s.tx_frames, s.tx_bytes, sum_drops(s.tx_drops), s.guest_kicks, "",
                s.tx_waiter_wakeups, "");
        if (s.tap_batches)
            fprintf(f, "  %-12s io_uring batches %" PRIu64 " (%.1f frames each)\n", "",
                    s.tap_batches, (double)(s.rx_frames + s.tx_frames) / (double)s.tap_batches);
        if (s.tx_guest_frames)
            fprintf(f, "  %-12s guest-tx %" PRIu64 " frames written by the guest itself\n", "",
                    s.tx_guest_frames);
        if (s.rx_handoffs)
            fprintf(f,
                    "  %-12s guest-rx %" PRIu64
                    " frames read by the guest itself (fd left to it %" PRIu64 " times)\n",
                    "", s.rx_guest_frames, s.rx_handoffs);
        struct skiff_cap_counters cc;
        if (skiff_capture_counters(&nics[i], &cc)) {
            fprintf(f,
                    "  %-12s capture: written %" PRIu64 " frames, not captured %" PRIu64
                    " (buffer full %" PRIu64 ", unwritten %" PRIu64,
                    "", cc.written, cc.skipped + cc.lost + cc.refused, cc.skipped, cc.lost);
            if (cc.refused) /* only a guest's own capture channel has any */
                fprintf(f, ", refused %" PRIu64, cc.refused);
            fprintf(f, "), files rotated %" PRIu64 "\n", cc.rotations);
        }
        if (sum_drops(s.rx_drops) + sum_drops(s.tx_drops)) {
            fprintf(f, "  %-12s drops:", "");
            print_drops(f, "rx", s.rx_drops);
            print_drops(f, "tx", s.tx_drops);
            fputc('\n', f);
        }
        /* --net-rate holds, and kick fds muted for kicks that moved nothing */
        if (nics[i].rate.rx_frames | nics[i].rate.rx_bytes | nics[i].rate.tx_frames |
            nics[i].rate.tx_bytes | s.rx_throttled | s.tx_throttled | s.kick_mutes)
            fprintf(f,
                    "  %-12s limits: rx-throttled=%" PRIu64 " tx-throttled=%" PRIu64
                    " kick-mutes=%" PRIu64 "\n",
                    "", s.rx_throttled, s.tx_throttled, s.kick_mutes);
    }
    fflush(f);
}

/* JSON string: NIC and interface names are tame, but escape anyway. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_dir(FILE *f, const char *dir, uint64_t frames, uint64_t bytes,
                     const uint64_t d[SKIFF_DROP_MAX])
{
    fprintf(f, "\"%s\": {\"frames\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"drops\": {", dir,
            frames, bytes);
    for (int i = 0; i < SKIFF_DROP_MAX; i++)
        fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", drop_names[i], d[i]);
    fprintf(f, "}}");
}

static void json_exits(FILE *f, const struct skiff_exit_stats *c, const struct skiff_nic *nics,
                       unsigned count)
{
    struct exit_snap s;
    exit_snapshot(c, nics, count, &s);
    fprintf(f, ",\n \"hvt\": {\"host\": \"%s\", \"exits\": %" PRIu64 ", \"hypercalls\": {",
            c->host ? c->host : "kvm", s.exits);
    for (int i = 1; i < SKIFF_HC_MAX; i++)
        fprintf(f, "%s\"%s\": %" PRIu64, i > 1 ? ", " : "", hc_names[i], s.e.hypercall[i]);
    fprintf(f,
            "}, \"faults\": %" PRIu64 ", \"other\": %" PRIu64 ", \"poll_hypercalls\": %" PRIu64
            ", \"poll_sleeps\": %" PRIu64 ", \"ioeventfd_kicks\": %" PRIu64 ", \"frames\": %" PRIu64
            ", \"exits_per_frame\": %.6f}",
            s.e.faults, s.e.other, s.e.hypercall[SKIFF_HC_POLL], s.e.poll_sleeps, s.kicks, s.frames,
            exits_per_frame(&s));
}

int skiff_stats_file_open(struct skiff_stats_file *sf, const char *path, bool in_place)
{
    memset(sf, 0, sizeof *sf);
    sf->dir_fd = -1;
    sf->path = path;
    sf->in_place = in_place;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    size_t n = strlen(base) + sizeof ".tmp";
    sf->name = strdup(base);
    sf->tmp = malloc(n);
    if (!dir || !sf->name || !sf->tmp) {
        free(dir);
        fprintf(stderr, "skiff: error: --stats=%s: out of memory\n", path);
        skiff_stats_file_close(sf);
        return -1;
    }
    snprintf(sf->tmp, n, "%s.tmp", base);
    if (*base == '\0') {
        fprintf(stderr, "skiff: error: --stats=%s: name a file, not a folder\n", path);
        free(dir);
        skiff_stats_file_close(sf);
        return -1;
    }
    sf->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (sf->dir_fd < 0) {
        fprintf(stderr, "skiff: error: --stats=%s: folder %s: %s\n", path, dir, strerror(errno));
        free(dir);
        skiff_stats_file_close(sf);
        return -1;
    }
    free(dir);
    int fd = openat(sf->dir_fd, in_place ? sf->name : sf->tmp,
                    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd >= 0)
        sf->f = fdopen(fd, "w");
    if (!sf->f) {
        fprintf(stderr, "skiff: error: --stats=%s: cannot create %s.tmp: %s\n", path, path,
                strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlinkat(sf->dir_fd, in_place ? sf->name : sf->tmp, 0);
        }
        skiff_stats_file_close(sf);
        return -1;
    }
    return 0;
}

int skiff_stats_file_fd(const struct skiff_stats_file *sf)
{
    return sf->f ? fileno(sf->f) : -1;
}

int skiff_stats_file_write(struct skiff_stats_file *sf, const struct skiff_nic *nics,
                           unsigned count, unsigned io_mode, const struct skiff_exit_stats *exits)
{
    FILE *f = sf->f;
    if (!f)
        return -1;
    sf->f = NULL;
    fprintf(f, "{\"io_mode\": \"%s\", ", io_name(io_mode));
    if (stats_tap_io != NULL) {
        fprintf(f, "\"tap_io\": ");
        json_str(f, stats_tap_io);
        if (stats_tap_io_why != NULL) {
            fprintf(f, ", \"tap_io_why\": ");
            json_str(f, stats_tap_io_why);
        }
        fprintf(f, ", ");
    }
    fprintf(f, "\"nics\": [");
    for (unsigned i = 0; i < count; i++) {
        struct skiff_nic_stats s;
        snapshot(&nics[i], &s);
        fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
        json_str(f, nics[i].name);
        fprintf(f, ", \"ifname\": ");
        json_str(f, nics[i].ifname);
        fprintf(f, ", ");
        json_dir(f, "rx", s.rx_frames, s.rx_bytes, s.rx_drops);
        fprintf(f, ", ");
        json_dir(f, "tx", s.tx_frames, s.tx_bytes, s.tx_drops);
        fprintf(f,
                ", \"guest_kicks\": %" PRIu64 ", \"guest_wakeups\": %" PRIu64
                ", \"io_wakeups\": %" PRIu64 ", \"rx_ring_full\": %" PRIu64
                ", \"tx_waiter_wakeups\": %" PRIu64 ", \"notifications_per_frame\": %.6f"
                ", \"guest_kicks_per_frame\": %.6f",
                s.guest_kicks, s.guest_wakeups, s.io_wakeups, s.rx_ring_full, s.tx_waiter_wakeups,
                notif_per_frame(&s), kicks_per_frame(&s));
        const struct skiff_net_rate *r = &nics[i].rate;
        fprintf(f,
                ", \"rx_throttled\": %" PRIu64 ", \"tx_throttled\": %" PRIu64
                ", \"kick_mutes\": %" PRIu64 ", \"tap_batches\": %" PRIu64
                ", \"guest_tx_frames\": %" PRIu64 ", \"guest_rx_frames\": %" PRIu64
                ", \"rx_handoffs\": %" PRIu64 ", \"rate\": {\"rx_frames\": %" PRIu64
                ", \"rx_bytes\": %" PRIu64 ", \"tx_frames\": %" PRIu64 ", \"tx_bytes\": %" PRIu64
                ", \"burst_ms\": %u}",
                s.rx_throttled, s.tx_throttled, s.kick_mutes, s.tap_batches, s.tx_guest_frames,
                s.rx_guest_frames, s.rx_handoffs, r->rx_frames, r->rx_bytes, r->tx_frames,
                r->tx_bytes, r->burst_ms ? r->burst_ms : SKIFF_RATE_BURST_MS_DEFAULT);
        struct skiff_cap_counters cc;
        if (skiff_capture_counters(&nics[i], &cc))
            fprintf(f,
                    ", \"capture\": {\"written\": %" PRIu64 ", \"not_captured\": %" PRIu64
                    ", \"buffer_full\": %" PRIu64 ", \"unwritten\": %" PRIu64
                    ", \"refused\": %" PRIu64 ", \"rotations\": %" PRIu64 "}",
                    cc.written, cc.skipped + cc.lost + cc.refused, cc.skipped, cc.lost, cc.refused,
                    cc.rotations);
        fputc('}', f);
    }
    fprintf(f, "%s]", count ? "\n" : "");
    if (exits)
        json_exits(f, exits, nics, count);
    fprintf(f, "}\n");
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "skiff: error: --stats=%s: write to %s.tmp failed\n", sf->path, sf->path);
        return -1;
    }
    if (!sf->in_place && renameat(sf->dir_fd, sf->tmp, sf->dir_fd, sf->name) < 0) {
        fprintf(stderr, "skiff: error: --stats=%s: rename from %s.tmp failed: %s\n", sf->path,
                sf->path, strerror(errno));
        return -1;
    }
    sf->written = true;
    return 0;
}

void skiff_stats_file_close(struct skiff_stats_file *sf)
{
    if (sf->f) {
        fclose(sf->f);
        sf->f = NULL;
    }
    if (sf->dir_fd >= 0 && sf->tmp && !sf->written && !sf->in_place)
        unlinkat(sf->dir_fd, sf->tmp, 0);
    if (sf->dir_fd >= 0)
        close(sf->dir_fd);
    sf->dir_fd = -1;
    free(sf->name);
    free(sf->tmp);
    sf->name = sf->tmp = NULL;
}
