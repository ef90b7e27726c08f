/*
 * One pcap capture file, written through a staging buffer on a
 * non-blocking fd: the capture writer thread stages records, then flushes
 * as much as the file takes, and is never stuck in a write it cannot end.
 */
#ifndef SKIFF_PCAP_WRITER_H
#define SKIFF_PCAP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture_ring.h"

/* The classic pcap format (what tcpdump -w writes), nanosecond variant. */
#define SKIFF_PCAP_MAGIC_NS     0xa1b23c4du
#define SKIFF_PCAP_VERSION_MAJ  2u
#define SKIFF_PCAP_VERSION_MIN  4u
#define SKIFF_PCAP_LINKTYPE_ETH 1u

struct skiff_pcap_file_hdr {
    uint32_t magic;
    uint16_t version_major, version_minor;
    int32_t thiszone;
    uint32_t sigfigs;
    uint32_t snaplen;
    uint32_t linktype;
};
_Static_assert(sizeof(struct skiff_pcap_file_hdr) == 24, "pcap file header is 24 bytes");

struct skiff_pcap_rec_hdr {
    uint32_t ts_sec, ts_nsec, incl_len, orig_len;
};
_Static_assert(sizeof(struct skiff_pcap_rec_hdr) == 16, "pcap record header is 16 bytes");

struct skiff_pcap_writer {
    int fd;
    uint8_t *buf; /* staged bytes [off, len) not yet written */
    size_t size, len, off;
    uint64_t staged; /* records in the staging buffer (fully or partly unwritten) */
    bool failed;     /* a write failed: nothing more goes to this file */
    int err;         /* ...with this errno */
    uint32_t snaplen;

    /* --pcap-limit: size limit with rotation (limit 0: none). */
    uint64_t limit;      /* bytes per file, header included */
    uint64_t file_bytes; /* bytes staged for the current file so far */
    bool rotate;         /* the next record would pass the limit */
    int dir_fd;          /* the file's folder (O_PATH), -1 without a limit */
    char *name, *name1;  /* the file's name in it, and NAME.1 */
    uint64_t rotations;  /* files moved to NAME.1 so far (writer only) */
};

/*
 * Open (create or truncate) `path` for writing, non-blocking and
 * close-on-exec, and stage the file header. A FIFO needs its reader already
 * there (else ENXIO). 0, or -errno with nothing left open.
 */
int skiff_pcap_open(struct skiff_pcap_writer *w, const char *path, uint32_t snaplen,
                    size_t staging);

/*
 * --pcap-limit: keep each file at most `limit` bytes (a record larger than
 * that gets a file of its own). When the next record would pass it, the
 * file becomes PATH.1 (replacing an older one) and a new PATH starts, with
 * its own file header. Needs a regular file: -EINVAL otherwise; 0 or -errno.
 */
int skiff_pcap_set_limit(struct skiff_pcap_writer *w, const char *path, uint64_t limit);

/* The staging buffer is empty and w->rotate set: rotate now. On failure
 * sets w->failed. */
void skiff_pcap_rotate(struct skiff_pcap_writer *w);
void skiff_pcap_close(struct skiff_pcap_writer *w);

/* Stage one captured frame; false if the staging buffer has no room, or
 * (w->rotate set) the file has no room left under its limit. */
bool skiff_pcap_stage(struct skiff_pcap_writer *w, const struct skiff_cap_rec *rec);

/*
 * Write what is staged. Returns the number of records now completely
 * written (staged ones, counted when the whole buffer is out), and sets
 * *blocked if the file would block with bytes left. On an error sets
 * w->failed (the caller reports it once and counts w->staged as lost).
 */
uint64_t skiff_pcap_flush(struct skiff_pcap_writer *w, bool *blocked);

#endif /* SKIFF_PCAP_WRITER_H */
