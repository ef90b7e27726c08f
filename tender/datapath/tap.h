/*
 * Packet fds: attach a NIC to a TAP interface by name, or to an fd inherited
 * from the parent (--net:NAME=@FD).
 */
#ifndef SKIFF_TAP_H
#define SKIFF_TAP_H

#include "net/nic.h"

/*
 * Attach `nic` to the packet fd named by `spec`:
 *
 *   IFACE  open /dev/net/tun and attach to the existing TAP interface IFACE
 *          (IFF_TAP | IFF_NO_PI), non-blocking and close-on-exec. The
 *          interface must be up; its MTU is read from the kernel.
 *   @FD    use the inherited, already open fd FD (made non-blocking). If FD
 *          is a TAP its name and MTU are read from the kernel; anything else
 *          is taken as a message-preserving packet fd (SOCK_SEQPACKET or
 *          SOCK_DGRAM socket, TAP, ...) with MTU 1500: every read(2) is one
 *          frame and every frame is one write(2), so a byte stream
 *          (SOCK_STREAM, pipe) would lose frame boundaries.
 *
 * If nic->vnet is set on entry (the image wants vnet headers, ring mode), a
 * named TAP is opened with IFF_VNET_HDR, a 12-byte header and TSO/checksum
 * offloads; an inherited fd keeps vnet only if it is a TAP that already has
 * IFF_VNET_HDR, otherwise nic->vnet is cleared with one warning line. A
 * plain named attach clears offloads an earlier run may have left.
 *
 * Fills nic->fd, ifname, mtu, inherited and clears nic->closed. On failure
 * prints one "skiff: error: ..." line, leaves nothing open and returns -1.
 */
int skiff_tap_attach(struct skiff_nic *nic, const char *spec);

/* Close the packet fd (inherited ones too: the tender owns them). */
void skiff_tap_detach(struct skiff_nic *nic);

#endif /* SKIFF_TAP_H */
