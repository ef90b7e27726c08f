/*
 * Per-NIC statistics reports: a short table (exit with --stats, SIGUSR1) and
 * a JSON file (--stats=FILE). Counters are written by the I/O thread while we
 * read them, hence CMM_LOAD_SHARED; a report is a consistent-enough snapshot.
 */
#ifndef SKIFF_STATS_H
#define SKIFF_STATS_H

#include <stdio.h>

#include "nic.h"

/* hvt: VM exits to user space by reason, written by the vCPU thread with
 * SKIFF_STAT_ADD. Kicks absorbed by ioeventfds are not exits; the I/O thread
 * counts them per NIC (guest_kicks). */
struct skiff_exit_stats {
    uint64_t hypercall[SKIFF_HC_MAX]; /* by hypercall number (0 unused) */
    uint64_t faults;                  /* guest exceptions (fatal) */
    uint64_t other;                   /* anything else (fatal) */
    uint64_t poll_sleeps;             /* POLL hypercalls that blocked */
    const char *host;                 /* KVM kind id ("pvm", "kvm-vmx"...), set at start */
};

/* Print the table to f. `exits` is NULL unless the backend counts VM exits. */
void skiff_stats_print(FILE *f, const struct skiff_nic *nics, unsigned count, unsigned io_mode,
                       const struct skiff_exit_stats *exits);

/* Write JSON to path (via path.tmp + rename). Prints a one-line error and
 * returns -1 on failure. */
int skiff_stats_write_json(const char *path, const struct skiff_nic *nics, unsigned count,
                           unsigned io_mode, const struct skiff_exit_stats *exits);

#endif /* SKIFF_STATS_H */
