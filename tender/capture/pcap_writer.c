/*
 * pcap files for --pcap (pcap_writer.h). The format is written here rather
 * than with libpcap's pcap_dump(): libpcap writes through stdio with
 * blocking writes, so a capture file that stops taking data (a FIFO whose
 * reader stalls, a hung network file system) would leave the writer thread
 * blocked in fwrite() with no way to finish the run short of cancelling it
 * mid-write; and stdio on a non-blocking fd loses data on EAGAIN. The
 * format is small and fixed (the 24-byte file header, then a 16-byte header
 * per frame, in the writer's byte order, which the magic number tells
 * readers), and tcpdump/libpcap read it back in the tests.
 */
#include "pcap_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int skiff_pcap_open(struct skiff_pcap_writer *w, const char *path, uint32_t snaplen, size_t staging)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
    if (staging < sizeof(struct skiff_pcap_file_hdr) + sizeof(struct skiff_pcap_rec_hdr) + snaplen)
        return -EINVAL;
    w->buf = malloc(staging);
    if (!w->buf)
        return -ENOMEM;
    w->size = staging;
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
    if (w->fd < 0) {
        int e = errno;
        free(w->buf);
        w->buf = NULL;
        return -e;
    }
    struct skiff_pcap_file_hdr h = {
        .magic = SKIFF_PCAP_MAGIC_NS,
        .version_major = SKIFF_PCAP_VERSION_MAJ,
        .version_minor = SKIFF_PCAP_VERSION_MIN,
        .snaplen = snaplen,
        .linktype = SKIFF_PCAP_LINKTYPE_ETH,
    };
    memcpy(w->buf, &h, sizeof h);
    w->len = sizeof h;
    return 0;
}

void skiff_pcap_close(struct skiff_pcap_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    free(w->buf);
    w->buf = NULL;
}

bool skiff_pcap_stage(struct skiff_pcap_writer *w, const struct skiff_cap_rec *rec)
{
    size_t need = sizeof(struct skiff_pcap_rec_hdr) + rec->caplen;
    if (w->off == w->len)
        w->off = w->len = 0;
    if (w->size - w->len < need)
        return false;
    struct skiff_pcap_rec_hdr h = {
        .ts_sec = (uint32_t)(rec->ts_ns / 1000000000u),
        .ts_nsec = (uint32_t)(rec->ts_ns % 1000000000u),
        .incl_len = rec->caplen,
        .orig_len = rec->origlen,
    };
    memcpy(w->buf + w->len, &h, sizeof h);
    memcpy(w->buf + w->len + sizeof h, rec + 1, rec->caplen);
    w->len += need;
    w->staged++;
    return true;
}

uint64_t skiff_pcap_flush(struct skiff_pcap_writer *w, bool *blocked)
{
    *blocked = false;
    while (!w->failed && w->off < w->len) {
        ssize_t n = write(w->fd, w->buf + w->off, w->len - w->off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            *blocked = true;
            return 0;
        }
        if (n <= 0) { /* ENOSPC, EPIPE (a FIFO's reader left), EIO...; 0: no progress */
            w->failed = true;
            w->err = n < 0 ? errno : EIO;
            return 0;
        }
        w->off += (size_t)n;
    }
    if (w->failed)
        return 0;
    uint64_t done = w->staged;
    w->staged = 0;
    w->off = w->len = 0;
    return done;
}
