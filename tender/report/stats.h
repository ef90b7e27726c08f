/*
 * Per-NIC statistics reports: a short table (exit with --stats, SIGUSR1) and
 * a JSON file (--stats=FILE). Counters are written by the I/O thread while we
 * read them, hence CMM_LOAD_SHARED; a report is a consistent-enough snapshot.
 */
#ifndef SKIFF_STATS_H
#define SKIFF_STATS_H

#include <stdbool.h>
#include <stdio.h>

#include "net/nic.h"

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

/*
 * Record how the I/O thread moves frames on the packet fds ("io_uring" or
 * "readv") and, for readv, why (NULL: not known); both are copied. Never
 * set: the line is left out (no I/O thread).
 */
void skiff_stats_set_tap_io(const char *tap_io, const char *why);

/* Print the table to f. `exits` is NULL unless the backend counts VM exits. */
void skiff_stats_print(FILE *f, const struct skiff_nic *nics, unsigned count, unsigned io_mode,
                       const struct skiff_exit_stats *exits);

/*
 * --stats=FILE. The file is written at exit, when main is confined and may
 * open nothing: so FILE's folder and FILE.tmp are opened at start, and at
 * exit the JSON goes to FILE.tmp, which is then renamed to FILE (readers
 * never see half a file).
 */
struct skiff_stats_file {
    const char *path; /* as given, for messages */
    int dir_fd;       /* FILE's folder */
    FILE *f;          /* FILE.tmp, until written */
    char *name, *tmp; /* FILE's and FILE.tmp's names within dir_fd */
    bool written;
    bool in_place; /* FILE itself, no rename (a launcher's filter) */
};

/* Open FILE's folder and create FILE.tmp. Prints a one-line error and
 * returns -1 on failure (nothing left behind). */
int skiff_stats_file_open(struct skiff_stats_file *sf, const char *path, bool in_place);

/* The fd behind FILE.tmp (-1 once written), for main's allowlist. */
int skiff_stats_file_fd(const struct skiff_stats_file *sf);

/* Write the JSON and rename FILE.tmp to FILE. Prints a one-line error and
 * returns -1 on failure. */
int skiff_stats_file_write(struct skiff_stats_file *sf, const struct skiff_nic *nics,
                           unsigned count, unsigned io_mode, const struct skiff_exit_stats *exits);

/* Release everything; FILE.tmp is removed unless it became FILE. */
void skiff_stats_file_close(struct skiff_stats_file *sf);

#endif /* SKIFF_STATS_H */
