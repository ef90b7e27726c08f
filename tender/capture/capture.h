/*
 * Packet capture (--pcap:NAME=FILE): per captured NIC a bounded capture
 * ring the datapath copies frames into, and one capture writer thread per
 * run that drains the rings to the pcap files. The datapath never waits for
 * the writer: a frame that finds the ring full is counted as not captured.
 * docs/capture.md.
 */
#ifndef SKIFF_CAPTURE_H
#define SKIFF_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <urcu/compiler.h>

#include "capture/capture_ring.h"
#include "capture/pcap_writer.h"
#include "shmstream/shmstream.h"
#include "skiff/abi.h"

struct skiff_nic;

/* Per NIC ring size and kept bytes per frame (every frame skiff carries
 * fits: the largest vnet slot is 64 KiB + headers). */
#define SKIFF_CAPTURE_RING_BYTES (4u << 20)
#define SKIFF_CAPTURE_SNAPLEN    262144u
#define SKIFF_CAPTURE_STAGING    (512u << 10)

/* One captured NIC (nic->capture points here). */
struct skiff_capture {
    struct skiff_cap_ring ring;
    struct skiff_pcap_writer out;
    const char *nic_name;
    const char *path;
    uint64_t pos;       /* writer: ring position read up to */
    bool blocked;       /* writer: the file would block */
    bool failure_shown; /* writer: the one line about a failed write */
    /* spt --io=direct: the guest's capture channel in guest memory (the
     * guest moves the frames itself and copies them there), or NULL. All
     * of it is written by the guest: hostile input. */
    const struct skiff_cap_area *guest_area;
    struct shms_reader guest;
};

/* All captures of a run, and their writer thread. */
struct skiff_captures;

/*
 * Open the capture files and rings: paths[i] is NIC i's --pcap file, or
 * NULL; limits[i] its --pcap-limit in bytes, or 0. Sets nics[i].capture for the captured ones. 0
 * with *out NULL if nothing is captured; 0 with *out set; or -1 (one line printed, nothing left
 * open or created by a failed open).
 */
int skiff_capture_open(struct skiff_captures **out, struct skiff_nic *nics, unsigned count,
                       const char *const *paths, const uint64_t *limits);

/*
 * spt --io=direct: the capture channel of a captured NIC, laid out by guest
 * memory set-up (area and channel in guest memory, geometry as announced in
 * the area). The writer thread drains it into the NIC's capture ring.
 */
void skiff_capture_attach_guest(struct skiff_capture *cap, const struct skiff_cap_area *area,
                                const void *chan, uint64_t chan_bytes, uint32_t slot_size,
                                uint32_t slot_count);

/* Start the writer thread (it confines itself first). 0 or -1 (printed). */
int skiff_capture_start(struct skiff_captures *c);

/*
 * Stop the writer once nothing produces frames any more (the I/O thread and
 * the guest are stopped): it writes what is queued (waiting for a blocked
 * file for at most SKIFF_CAPTURE_STOP_MS, then counting the rest lost) and
 * ends; joined here. Idempotent; NULL is fine.
 */
#define SKIFF_CAPTURE_STOP_MS 1000
void skiff_capture_stop(struct skiff_captures *c);

/* Close the files, free the rings, clear nics[].capture. NULL is fine. */
void skiff_capture_close(struct skiff_captures *c);

/* The NIC's capture counters; false if it is not captured. `skipped`
 * includes the frames a guest found its capture channel full for. Not
 * captured: skipped + lost + refused. */
bool skiff_capture_counters(const struct skiff_nic *nic, struct skiff_cap_counters *out);

/* Datapath side: capture one frame (slow path of skiff_capture_frame). */
void skiff_capture_put(struct skiff_capture *cap, const void *data, uint32_t len);

/* The datapath's hook: one predictable branch when the NIC is not captured. */
static inline void skiff_capture_frame(struct skiff_capture *cap, const void *data, uint32_t len)
{
    if (caa_unlikely(cap != NULL))
        skiff_capture_put(cap, data, len);
}

/* The writer thread's seccomp allowlist (capture_seccomp.c): write on the
 * capture files' fds and stderr, sleeping, thread exit; for each of the
 * nrot files with --pcap-limit, rotation within its folder dirs[i] onto
 * its fd rot_fds[i]. 0 or -errno. */
int skiff_capture_seccomp_install(const int *fds, unsigned nfds, const int *dirs,
                                  const int *rot_fds, unsigned nrot);

#endif /* SKIFF_CAPTURE_H */
