/*
 * The capture writer (capture.h): opens the --pcap files before the guest
 * runs, then one thread drains every captured NIC's ring into its file.
 * The thread polls the rings on a short timer instead of being woken, so
 * the datapath makes no system call for capture; it sleeps 1 ms after a
 * round that moved frames, backing off to 8 ms when idle, and the rings
 * (SKIFF_CAPTURE_RING_BYTES each) absorb what arrives meanwhile. A file
 * that would block is waited for with poll(2), never in write(2).
 */
#include "capture/capture.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <urcu/arch.h>
#include <urcu/system.h>

#include "net/nic.h"

#define SLEEP_MIN_MS 1
#define SLEEP_MAX_MS 8

/* A guest's time stamp is kept if it is at most this far from the time its
 * record is drained (the guest's wall clock is the host's own). */
#define GUEST_TS_AHEAD_NS  1000000000ull
#define GUEST_TS_BEHIND_NS 60000000000ull

struct skiff_captures {
    struct skiff_nic *nics;
    unsigned count;
    struct skiff_capture caps[SKIFF_MAX_NICS];
    bool used[SKIFF_MAX_NICS];
    pthread_t thread;
    bool running;
    sem_t started;
    int start_rc;
    int stop; /* set by main (CMM_STORE_SHARED) once nothing produces */
};

void skiff_capture_put(struct skiff_capture *cap, const void *data, uint32_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    skiff_cap_ring_put(&cap->ring, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, data,
                       len);
}

static const char *open_hint(int err)
{
    switch (err) {
    case ENXIO: return "a FIFO needs its reader running first";
    case EISDIR: return "name a file, not a folder";
    case ENOENT:
    case EACCES:
    case EPERM:
    case EROFS: return "name a file in an existing folder you can write to";
    default: return "name a writable file";
    }
}

int skiff_capture_open(struct skiff_captures **out, struct skiff_nic *nics, unsigned count,
                       const char *const *paths, const uint64_t *limits)
{
    *out = NULL;
    unsigned wanted = 0;
    for (unsigned i = 0; i < count; i++)
        wanted += paths[i] != NULL;
    if (wanted == 0)
        return 0;
    struct skiff_captures *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "skiff: error: --pcap: out of memory\n");
        return -1;
    }
    c->nics = nics;
    c->count = count;
    for (unsigned i = 0; i < count; i++) {
        if (!paths[i])
            continue;
        struct skiff_capture *cap = &c->caps[i];
        cap->nic_name = nics[i].name;
        cap->path = paths[i];
        cap->out.fd = -1;
        int rc = skiff_cap_ring_init(&cap->ring, SKIFF_CAPTURE_RING_BYTES, SKIFF_CAPTURE_SNAPLEN);
        if (rc == 0) {
            rc = skiff_pcap_open(&cap->out, paths[i], SKIFF_CAPTURE_SNAPLEN, SKIFF_CAPTURE_STAGING);
            if (rc < 0)
                skiff_cap_ring_fini(&cap->ring);
        }
        if (rc < 0) {
            fprintf(stderr, "skiff: error: --pcap:%s=%s: cannot open: %s (%s)\n", cap->nic_name,
                    paths[i], strerror(-rc), rc == -ENOMEM ? "out of memory" : open_hint(-rc));
            skiff_capture_close(c);
            return -1;
        }
        c->used[i] = true;
        if (limits[i] && (rc = skiff_pcap_set_limit(&cap->out, paths[i], limits[i])) < 0) {
            if (rc == -EINVAL)
                fprintf(stderr,
                        "skiff: error: --pcap-limit:%s: %s is not a regular file (rotation "
                        "needs one; drop --pcap-limit for a FIFO or device)\n",
                        cap->nic_name, paths[i]);
            else
                fprintf(stderr, "skiff: error: --pcap-limit:%s: folder of %s: %s\n", cap->nic_name,
                        paths[i], strerror(-rc));
            skiff_capture_close(c);
            return -1;
        }
        /* Two NICs in one file would interleave two pcap streams. */
        struct stat st;
        if (fstat(cap->out.fd, &st) == 0 && S_ISREG(st.st_mode))
            for (unsigned j = 0; j < i; j++) {
                struct stat sj;
                if (c->used[j] && fstat(c->caps[j].out.fd, &sj) == 0 && sj.st_dev == st.st_dev &&
                    sj.st_ino == st.st_ino) {
                    fprintf(stderr,
                            "skiff: error: --pcap:%s=%s: NIC '%s' writes that file already "
                            "(one file per NIC)\n",
                            cap->nic_name, paths[i], c->caps[j].nic_name);
                    skiff_capture_close(c);
                    return -1;
                }
            }
    }
    for (unsigned i = 0; i < count; i++)
        if (c->used[i])
            nics[i].capture = &c->caps[i];
    *out = c;
    return 0;
}

void skiff_capture_attach_guest(struct skiff_capture *cap, const struct skiff_cap_area *area,
                                const void *chan, uint64_t chan_bytes, uint32_t slot_size,
                                uint32_t slot_count)
{
    const struct shms_geometry g = {
        .protocol = SKIFF_CAP_PROTOCOL,
        .size = slot_size,
        .elements = slot_count,
    };
    _Static_assert(sizeof area->ctrl == sizeof(struct shms_ctrl), "one shms_ctrl");
    /* The reader's line of the flow-control block is ours to write. */
    shms_reader_init(&cap->guest, chan, chan_bytes,
                     (struct shms_ctrl *)(uintptr_t)(const void *)area->ctrl, &g,
                     SHMS_MODE_LOSSLESS);
    cap->guest_area = area;
}

/*
 * Writer thread, spt --io=direct: move what the guest queued in its capture
 * channel into the capture ring, at most one channel's worth per round (a
 * guest that keeps writing cannot hold the writer here). Every slot is
 * bounds-checked by the ring library; its capture header is read once and
 * checked here, so a record queued has caplen <= snaplen and a sane
 * origlen. What makes no sense is counted "refused" and skipped. A record
 * that finds the capture ring full stays in the channel: the guest then
 * counts the frames that find its channel full. Returns true if any moved.
 */
static bool pump_guest(struct skiff_capture *cap)
{
    struct shms_reader *r = &cap->guest;
    if (cap->guest_area == NULL)
        return false;
    CMM_STORE_SHARED(cap->ring.c.guest_full, CMM_LOAD_SHARED(cap->guest_area->not_captured));
    if (!r->synced && (!shms_reader_has_work(r) || shms_reader_sync(r) != SHMS_OK))
        return false; /* not active yet; a bad geometry is not retried */
    uint64_t refused = 0, moved = 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    for (uint64_t n = 0; n < r->elements; n++) {
        struct shms_rslot rs;
        int rv = shms_reader_peek(r, &rs);
        if (rv == SHMS_NO_DATA || rv == SHMS_INACTIVE || rv == SHMS_EPOCH_CHANGED)
            break;
        if (rv != SHMS_OK) { /* a bad slot (skipped) or a lying counter */
            refused++;
            continue;
        }
        struct skiff_cap_hdr h;
        if (rs.len < sizeof h) {
            refused++;
            continue;
        }
        memcpy(&h, rs.data, sizeof h);
        uint32_t caplen = rs.len - (uint32_t)sizeof h;
        if (caplen > cap->ring.snaplen || h.origlen < caplen || h.origlen > SKIFF_CAPTURE_SNAPLEN ||
            (h.dir != SKIFF_CAP_DIR_RX && h.dir != SKIFF_CAP_DIR_TX)) {
            refused++;
            continue;
        }
        /* The guest stamps with the host's clock a moment ago; a time
         * stamp far from that is a lie, replaced by the drain's time. */
        if (h.ts_ns > now + GUEST_TS_AHEAD_NS || h.ts_ns + GUEST_TS_BEHIND_NS < now)
            h.ts_ns = now;
        if (!skiff_cap_ring_try_put(&cap->ring, h.ts_ns, (const uint8_t *)rs.data + sizeof h,
                                    caplen, h.origlen)) {
            shms_reader_unpeek(r, 1);
            break;
        }
        moved++;
    }
    shms_reader_release(r);
    (void)shms_reader_publish(r); /* the guest never waits for room */
    if (refused)
        CMM_STORE_SHARED(cap->ring.c.refused, cap->ring.c.refused + refused);
    return moved != 0;
}

/* Frames still in the guest's capture channel: taken out unread. */
static uint64_t discard_guest(struct skiff_capture *cap)
{
    struct shms_reader *r = &cap->guest;
    if (cap->guest_area == NULL || !r->synced)
        return 0;
    uint64_t n = shms_reader_available(r); /* at most one channel's worth */
    struct shms_rslot rs;
    for (uint64_t i = 0; i < n; i++)
        (void)shms_reader_peek(r, &rs);
    shms_reader_release(r);
    (void)shms_reader_publish(r);
    return n;
}

/* Everything still queued for this file is lost (counted). */
static void discard(struct skiff_capture *cap)
{
    uint64_t lost = cap->out.staged;
    cap->out.staged = 0;
    cap->out.off = cap->out.len = 0;
    while (skiff_cap_ring_peek(&cap->ring, &cap->pos))
        lost++;
    skiff_cap_ring_release(&cap->ring, cap->pos);
    lost += discard_guest(cap);
    CMM_STORE_SHARED(cap->ring.c.lost, cap->ring.c.lost + lost);
}

/*
 * Move this NIC's queued frames to its file until the ring is empty or the
 * file would block (cap->blocked). Returns true if anything moved.
 */
static bool drain(struct skiff_capture *cap)
{
    bool moved = pump_guest(cap);
    for (;;) {
        if (cap->out.failed) {
            if (!cap->failure_shown) {
                cap->failure_shown = true;
                fprintf(stderr,
                        "skiff: warning: --pcap:%s=%s: write failed: %s; this NIC's frames are "
                        "not captured from here on\n",
                        cap->nic_name, cap->path, strerror(cap->out.err));
            }
            cap->blocked = false;
            discard(cap);
            return moved;
        }
        bool blocked;
        uint64_t done = skiff_pcap_flush(&cap->out, &blocked);
        if (done) {
            CMM_STORE_SHARED(cap->ring.c.written, cap->ring.c.written + done);
            moved = true;
        }
        if (cap->out.failed)
            continue;
        cap->blocked = blocked;
        if (blocked)
            return moved;
        /* Staging is empty: refill it from the ring. */
        uint64_t pos = cap->pos, prev = pos;
        unsigned n = 0;
        const struct skiff_cap_rec *rec;
        while ((rec = skiff_cap_ring_peek(&cap->ring, &pos)) != NULL) {
            if (!skiff_pcap_stage(&cap->out, rec)) {
                pos = prev;
                break;
            }
            prev = pos;
            n++;
        }
        if (n == 0 && cap->out.rotate) {
            /* The file is at its --pcap-limit and everything before is out. */
            skiff_pcap_rotate(&cap->out);
            CMM_STORE_SHARED(cap->ring.c.rotations, cap->out.rotations);
            continue;
        }
        if (n == 0)
            return moved;
        cap->pos = pos;
        skiff_cap_ring_release(&cap->ring, pos);
        moved = true;
    }
}

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Sleep up to ms, or until a blocked file takes data again. */
static void pause_ms(struct skiff_captures *c, uint64_t ms)
{
    struct pollfd p[SKIFF_MAX_NICS];
    nfds_t n = 0;
    for (unsigned i = 0; i < c->count; i++)
        if (c->used[i] && c->caps[i].blocked)
            p[n++] = (struct pollfd){ .fd = c->caps[i].out.fd, .events = POLLOUT };
    struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000 };
    (void)ppoll(n ? p : NULL, n, &ts, NULL);
}

/* One round over every capture. */
static bool round_all(struct skiff_captures *c, bool *blocked)
{
    bool moved = false;
    *blocked = false;
    for (unsigned i = 0; i < c->count; i++)
        if (c->used[i]) {
            moved |= drain(&c->caps[i]);
            *blocked |= c->caps[i].blocked;
        }
    return moved;
}

static void *writer_main(void *arg)
{
    struct skiff_captures *c = arg;
    int fds[SKIFF_MAX_NICS + 1], dirs[SKIFF_MAX_NICS], rot_fds[SKIFF_MAX_NICS];
    unsigned n = 0, nd = 0;
    fds[n++] = 2; /* the one warning line a failed write prints */
    for (unsigned i = 0; i < c->count; i++)
        if (c->used[i]) {
            fds[n++] = c->caps[i].out.fd;
            if (c->caps[i].out.limit) {
                dirs[nd] = c->caps[i].out.dir_fd;
                rot_fds[nd++] = c->caps[i].out.fd;
            }
        }
    c->start_rc = skiff_capture_seccomp_install(fds, n, dirs, rot_fds, nd);
    sem_post(&c->started);
    if (c->start_rc != 0)
        return NULL;

    uint64_t sleep = SLEEP_MIN_MS;
    bool blocked;
    for (;;) {
        bool stop = CMM_LOAD_SHARED(c->stop);
        /* Seen stop: every frame produced before it is visible. */
        cmm_smp_mb();
        bool moved = round_all(c, &blocked);
        if (stop) {
            /* A guest's capture channel may hold more than one round
             * takes (the guest has stopped: it adds nothing). */
            for (int k = 0; k < 8 && moved && !blocked; k++)
                moved = round_all(c, &blocked);
            break;
        }
        sleep = moved ? SLEEP_MIN_MS : (sleep * 2 > SLEEP_MAX_MS ? SLEEP_MAX_MS : sleep * 2);
        pause_ms(c, sleep);
    }
    /* The end: write the rest, giving a blocked file a bounded time. */
    uint64_t deadline = now_ms() + SKIFF_CAPTURE_STOP_MS;
    while (blocked) {
        uint64_t t = now_ms();
        if (t >= deadline)
            break;
        pause_ms(c, deadline - t);
        round_all(c, &blocked);
    }
    for (unsigned i = 0; i < c->count; i++)
        if (c->used[i] && c->caps[i].blocked)
            discard(&c->caps[i]);
        else if (c->used[i]) /* what a guest queued past the rounds above */
            CMM_STORE_SHARED(c->caps[i].ring.c.lost,
                             c->caps[i].ring.c.lost + discard_guest(&c->caps[i]));
    return NULL;
}

int skiff_capture_start(struct skiff_captures *c)
{
    if (!c)
        return 0;
    if (sem_init(&c->started, 0, 0) != 0) {
        fprintf(stderr, "skiff: error: --pcap: sem_init: %s\n", strerror(errno));
        return -1;
    }
    int rc = pthread_create(&c->thread, NULL, writer_main, c);
    if (rc != 0) {
        sem_destroy(&c->started);
        fprintf(stderr, "skiff: error: --pcap: cannot start the capture writer thread: %s\n",
                strerror(rc));
        return -1;
    }
    pthread_setname_np(c->thread, "skiff-capture"); /* for top -H, ps -L */
    while (sem_wait(&c->started) != 0 && errno == EINTR)
        ;
    sem_destroy(&c->started);
    if (c->start_rc != 0) {
        pthread_join(c->thread, NULL);
        fprintf(stderr, "skiff: error: --pcap: cannot confine the capture writer thread: %s\n",
                strerror(-c->start_rc));
        return -1;
    }
    c->running = true;
    return 0;
}

void skiff_capture_stop(struct skiff_captures *c)
{
    if (!c || !c->running)
        return;
    cmm_smp_mb();
    CMM_STORE_SHARED(c->stop, 1);
    pthread_join(c->thread, NULL);
    c->running = false;
}

void skiff_capture_close(struct skiff_captures *c)
{
    if (!c)
        return;
    skiff_capture_stop(c);
    for (unsigned i = 0; i < c->count; i++) {
        if (!c->used[i])
            continue;
        if (c->nics[i].capture == &c->caps[i])
            c->nics[i].capture = NULL;
        skiff_pcap_close(&c->caps[i].out);
        skiff_cap_ring_fini(&c->caps[i].ring);
    }
    free(c);
}

bool skiff_capture_counters(const struct skiff_nic *nic, struct skiff_cap_counters *out)
{
    const struct skiff_capture *cap = nic->capture;
    if (!cap)
        return false;
    out->queued = CMM_LOAD_SHARED(cap->ring.c.queued);
    /* Full is full, whether the tender's ring or the guest's channel. */
    out->skipped = CMM_LOAD_SHARED(cap->ring.c.skipped) + CMM_LOAD_SHARED(cap->ring.c.guest_full);
    out->written = CMM_LOAD_SHARED(cap->ring.c.written);
    out->lost = CMM_LOAD_SHARED(cap->ring.c.lost);
    out->rotations = CMM_LOAD_SHARED(cap->ring.c.rotations);
    out->guest_full = CMM_LOAD_SHARED(cap->ring.c.guest_full);
    out->refused = CMM_LOAD_SHARED(cap->ring.c.refused);
    return true;
}
