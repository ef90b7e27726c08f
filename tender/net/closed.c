/*
 * The tender's side of skiff/closed.h: its errno numbers are the C
 * library's. Nothing to run; the build fails if they ever differ.
 */
#include <errno.h>

#include "skiff/closed.h"

_Static_assert(SKIFF_E_EIO == EIO, "errno");
_Static_assert(SKIFF_E_ENXIO == ENXIO, "errno");
_Static_assert(SKIFF_E_EBADF == EBADF, "errno");
_Static_assert(SKIFF_E_EAGAIN == EAGAIN && EAGAIN == EWOULDBLOCK, "errno");
_Static_assert(SKIFF_E_ENODEV == ENODEV, "errno");
_Static_assert(SKIFF_E_EPIPE == EPIPE, "errno");
_Static_assert(SKIFF_E_EBADFD == EBADFD, "errno");
_Static_assert(SKIFF_E_ENETDOWN == ENETDOWN, "errno");
_Static_assert(SKIFF_E_ECONNRESET == ECONNRESET, "errno");
_Static_assert(SKIFF_E_ENOTCONN == ENOTCONN, "errno");
_Static_assert(SKIFF_E_ESHUTDOWN == ESHUTDOWN, "errno");
