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
#include "capture/pcap_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* renameat */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void stage_header(struct skiff_pcap_writer *w)
{
    struct skiff_pcap_file_hdr h = {
        .magic = SKIFF_PCAP_MAGIC_NS,
        .version_major = SKIFF_PCAP_VERSION_MAJ,
        .version_minor = SKIFF_PCAP_VERSION_MIN,
        .snaplen = w->snaplen,
        .linktype = SKIFF_PCAP_LINKTYPE_ETH,
    };
    memcpy(w->buf + w->len, &h, sizeof h);
    w->len += sizeof h;
    w->file_bytes = sizeof h;
}

int skiff_pcap_open(struct skiff_pcap_writer *w, const char *path, uint32_t snaplen, size_t staging)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
    w->dir_fd = -1;
    w->snaplen = snaplen;
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
    stage_header(w);
    return 0;
}

int skiff_pcap_set_limit(struct skiff_pcap_writer *w, const char *path, uint64_t limit)
{
    struct stat st;
    if (fstat(w->fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = slash == path ? strdup("/")
                : slash       ? strndup(path, (size_t)(slash - path))
                              : strdup(".");
    w->name = strdup(base);
    w->name1 = malloc(strlen(base) + 3);
    if (!dir || !w->name || !w->name1) {
        free(dir);
        return -ENOMEM;
    }
    strcpy(w->name1, base);
    strcat(w->name1, ".1");
    w->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int e = errno;
    free(dir);
    if (w->dir_fd < 0)
        return -e;
    w->limit = limit;
    return 0;
}

void skiff_pcap_rotate(struct skiff_pcap_writer *w)
{
    /* The old file keeps its fd through the rename; the new one takes over
     * that fd number (dup3), so the writer's filter, which names the fd,
     * still lets it write. */
    w->rotate = false;
    if (renameat(w->dir_fd, w->name, w->dir_fd, w->name1) < 0) {
        w->failed = true;
        w->err = errno;
        return;
    }
    int fd = openat(w->dir_fd, w->name,
                    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
    if (fd < 0 || dup3(fd, w->fd, O_CLOEXEC) < 0) {
        w->failed = true;
        w->err = errno;
        if (fd >= 0)
            close(fd);
        return;
    }
    close(fd);
    w->rotations++;
    stage_header(w);
}

void skiff_pcap_close(struct skiff_pcap_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    if (w->dir_fd >= 0)
        close(w->dir_fd);
    w->dir_fd = -1;
    free(w->name);
    free(w->name1);
    w->name = w->name1 = NULL;
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
    /* Under a limit: a file holds at least one record, and no more than fit. */
    if (w->limit && w->file_bytes + need > w->limit &&
        w->file_bytes > sizeof(struct skiff_pcap_file_hdr)) {
        w->rotate = true;
        return false;
    }
    w->file_bytes += need;
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
