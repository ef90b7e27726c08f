/*
 * Direct mode (--io=direct): no rings and no I/O thread. The guest moves
 * each frame on its NIC's packet fd itself: on spt with its own system calls
 * on the fd in its boot info (guest/bindings/spt/hc_spt.c), on hvt with the
 * NETWRITE/NETREAD hypercalls, whose I/O is skiff_direct_write/read. Either
 * way a frame's result is skiff/closed.h's, as in the ring modes.
 *
 * The tender's other jobs in this mode, all here: notice a device that goes
 * away (main has no I/O thread to do it), forget a closed NIC's fd, and at a
 * graceful stop make every NIC read as closed.
 */
#ifndef SKIFF_NET_DIRECT_H
#define SKIFF_NET_DIRECT_H

#include <stddef.h>

#include "core/vm.h"
#include "net/nic.h"
#include "skiff/abi.h"

/* The close pipe: its read end goes into the guest's poll set as
 * SKIFF_SPT_TAG_CLOSED, its write end stays with main until a graceful
 * stop. Sets vm->closed_rd/closed_wr; 0, or -1 with errno. */
int skiff_direct_open_close_pipe(struct skiff_vm *vm);

/* Graceful stop (main): every NIC reads as closed for the guest from now on
 * (the close pipe reaches end of file), and none is reported as gone. */
void skiff_direct_close(struct skiff_vm *vm);

/* main, each time it wakes: print the one line for a packet fd that hung up
 * or failed. The guest learns it from its own reads. */
void skiff_direct_check_nics(struct skiff_vm *vm);

/* hvt: write one frame of `len` bytes (captured and counted). */
enum skiff_net_result skiff_direct_write(struct skiff_nic *nic, const void *data, size_t len);

/* hvt: read one frame into `data` (`size` bytes of room); *len is its length
 * on SKIFF_NET_OK, *why what ended the NIC on SKIFF_NET_CLOSED. */
enum skiff_net_result skiff_direct_read(struct skiff_nic *nic, void *data, size_t size, size_t *len,
                                        const char **why);

/* hvt: a read said closed: the NIC's fd leaves the guest's poll set (or its
 * hang-up would wake every poll for ever). Idempotent (a graceful stop may
 * put a closed pipe in its place). With no main thread watching the fds
 * (one-thread mode) the line is printed here. */
void skiff_direct_forget(struct skiff_vm *vm, struct skiff_nic *nic, const char *why);

#endif /* SKIFF_NET_DIRECT_H */
