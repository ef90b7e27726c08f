/*
 * hvt direct mode's frame batches (abi.h, NETIO), behind hc_hvt.c's
 * hc_net_write, hc_net_read and hc_wait. Each function answers false when
 * batching does not apply (the tender does not offer NETIO, or the NIC's
 * frames do not fit a batch slot): the caller then makes its one-frame
 * hypercall as before.
 */
#ifndef SKIFF_GUEST_NETIO_HVT_H
#define SKIFF_GUEST_NETIO_HVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skiff/abi.h"

/* hvt's clock, without the flush hc_clock_monotonic() may do. */
uint64_t hvt_clock_raw(void);

void netio_init(const struct skiff_boot_info *bi);

/* Queue a frame; it leaves with the next exit. */
bool netio_write(unsigned nic, const void *buf, size_t len, enum skiff_net_result *r);

/* The next frame (or result) of NIC `nic`, from the batch the last exit
 * brought, or from a new batch. */
bool netio_read(unsigned nic, void *buf, size_t size, size_t *len, enum skiff_net_result *r);

/* hc_wait: the NICs with batched input at once, else the queued frames out,
 * a POLL, and every ready NIC's frames in, in one exit. */
bool netio_wait(uint64_t timeout_nsecs, uint64_t *ready);

/* NIC `nic` is closed and reported: no more reads of it. */
void netio_forget(unsigned nic);

/* Send the queued frames now (at exit), or once the oldest has waited
 * longer than the bound (from the clock: a guest busy-waiting on the clock
 * gets its frames out too). */
void netio_flush(void);
void netio_flush_aged(uint64_t now);

#endif /* SKIFF_GUEST_NETIO_HVT_H */
