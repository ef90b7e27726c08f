/*
 * What "closed" means for a packet fd. One definition for every I/O mode and
 * backend: the I/O thread (--io=event|poll), the hvt hypercalls and the spt
 * guest's own system calls (--io=direct) all decide with these functions,
 * so the guest sees SOLO5_R_CLOSED for the same events everywhere.
 *
 *   read  end of file (0 bytes), or an error that means the device is gone:
 *         EBADFD (TAP interface deleted), ECONNRESET, ENOTCONN, EPIPE,
 *         ESHUTDOWN (socket peer gone), EIO, ENXIO, ENODEV, ENETDOWN,
 *         EBADF. Hang-up or error readiness without data leads to a read
 *         that says which.
 *   write the same errors except EIO and ENETDOWN: a TAP that is merely down
 *         answers writes with EIO and may come back up, so that frame is
 *         lost (counted) and reads keep deciding.
 *
 * skiff_net_read_result/skiff_net_write_result turn one frame's system call
 * into its enum skiff_net_result (skiff/abi.h): the one mapping the hvt
 * hypercalls, the spt guest's direct-mode calls and the I/O thread's
 * writes share.
 *
 * Errno values are Linux's (the same on every architecture skiff builds
 * for), spelled out because the guest has no <errno.h>; the tender checks
 * them against its own (tender/net/closed.c). C11 and <stdint.h> only:
 * shared by the freestanding guest and the tender.
 */
#ifndef SKIFF_CLOSED_H
#define SKIFF_CLOSED_H

#include <stdint.h>

#include "skiff/abi.h"

#define SKIFF_E_EIO        5
#define SKIFF_E_ENXIO      6
#define SKIFF_E_EBADF      9
#define SKIFF_E_EAGAIN     11 /* also EWOULDBLOCK */
#define SKIFF_E_ENODEV     19
#define SKIFF_E_EPIPE      32
#define SKIFF_E_EBADFD     77
#define SKIFF_E_ENETDOWN   100
#define SKIFF_E_ECONNRESET 104
#define SKIFF_E_ENOTCONN   107
#define SKIFF_E_ESHUTDOWN  108

/* Errors of write(2) that mean the device is gone (err > 0, an errno). */
static inline int skiff_write_err_closed(int64_t err)
{
    switch (err) {
    case SKIFF_E_ENXIO:
    case SKIFF_E_EBADF:
    case SKIFF_E_ENODEV:
    case SKIFF_E_EPIPE:
    case SKIFF_E_EBADFD:
    case SKIFF_E_ECONNRESET:
    case SKIFF_E_ENOTCONN:
    case SKIFF_E_ESHUTDOWN: return 1;
    default: return 0;
    }
}

/* Errors of read(2) that mean the device is gone (end of file is too). */
static inline int skiff_read_err_closed(int64_t err)
{
    return err == SKIFF_E_EIO || err == SKIFF_E_ENETDOWN || skiff_write_err_closed(err);
}

/* One frame's read(2) that returned n: bytes, or -errno (EINTR is the
 * caller's to retry). A read of 0 bytes is end of file. */
static inline enum skiff_net_result skiff_net_read_result(int64_t n)
{
    if (n > 0)
        return SKIFF_NET_OK;
    if (n == -SKIFF_E_EAGAIN)
        return SKIFF_NET_AGAIN;
    if (n == 0 || skiff_read_err_closed(-n))
        return SKIFF_NET_CLOSED;
    return SKIFF_NET_ERROR;
}

/* One frame's write(2) of len bytes that returned n: bytes, or -errno
 * (EINTR is the caller's to retry). A short write loses the frame. */
static inline enum skiff_net_result skiff_net_write_result(int64_t n, uint64_t len)
{
    if (n >= 0 && (uint64_t)n == len)
        return SKIFF_NET_OK;
    if (n == -SKIFF_E_EAGAIN)
        return SKIFF_NET_AGAIN;
    if (n < 0 && skiff_write_err_closed(-n))
        return SKIFF_NET_CLOSED;
    return SKIFF_NET_ERROR;
}

#endif /* SKIFF_CLOSED_H */
