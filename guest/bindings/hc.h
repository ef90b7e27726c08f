/*
 * The hypercall layer: everything a guest asks of its tender, one function
 * per request. Implemented twice, with identical semantics:
 *   spt/ - raw Linux system calls on fds the tender handed over in the boot
 *          info (the guest is a seccomp-confined process of its own);
 *   hvt/ - port I/O (KVM exits or ioeventfds).
 * Only the bindings call these; applications use <solo5.h>.
 */
#ifndef SKIFF_GUEST_HC_H
#define SKIFF_GUEST_HC_H

#include <stddef.h>
#include <stdint.h>

#include "skiff/abi.h"

/* Remember what the calls below need from the boot info (fds, TSC rate).
 * Runs first; the console works once it returns. Returns NULL, or why the
 * boot info is unusable on this target. */
const char *hc_init(const struct skiff_boot_info *bi);

/* Best-effort console output. */
void hc_console_write(const char *buf, size_t len);

/* Nanoseconds: monotonic since an arbitrary origin, wall since the epoch. */
uint64_t hc_clock_monotonic(void);
uint64_t hc_clock_wall(void);

/*
 * Block until monotonic time reaches `deadline` or a NIC's notification fd
 * (ring modes: its wake fd, which the tender signals for RX frames and for
 * TX room alike; direct mode: its packet fd) is readable. Returns the set of
 * NIC indexes reported readable (bit i = NIC i). In ring modes the wake
 * notifications are consumed before returning. A deadline in the past
 * polls without blocking. spt: epoll_pwait; hvt: the POLL hypercall.
 */
uint64_t hc_wait(uint64_t deadline);

/* Notify the tender about NIC `nic`'s rings (TX published or RX space). */
void hc_kick(unsigned nic);

/* Direct mode: one frame per call on the NIC's packet fd. The result is
 * what skiff/closed.h decides (the same in every mode and on every target).
 * hvt batches them (hvt/netio_hvt.c): a written frame leaves with the next
 * exit, and a read may come from the batch the last exit brought. */
enum skiff_net_result hc_net_write(unsigned nic, const void *buf, size_t len);
enum skiff_net_result hc_net_read(unsigned nic, void *buf, size_t size, size_t *len);

/* Direct mode: NIC `nic` is closed; stop polling its packet fd (hc_wait
 * would otherwise report its hang-up for ever). Idempotent. */
void hc_net_forget(unsigned nic);

/* spt event mode, source hand-off (net_rx.c): poll NIC `nic`'s packet fd in
 * hc_wait too (reported as NIC `nic`), or stop. Not used on hvt. */
void hc_net_watch(unsigned nic, int on);

/* Set the TLS base; 0 on success, -1 if the target cannot. */
int hc_set_tls_base(uintptr_t base);

/* Read or write len bytes (whole blocks, bounds already checked) of block
 * device `index` at `offset`; 0, or -1 if the host failed. */
int hc_block_io(unsigned index, int write, uint64_t offset, void *buf, size_t len);

/* End the guest with `status`; `msg` (or NULL) says why, for aborts. */
_Noreturn void hc_exit(int status, const char *msg);

/* The boot info could not be trusted: end without using any of it. */
_Noreturn void hc_early_fail(void);

#endif /* SKIFF_GUEST_HC_H */
