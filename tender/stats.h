/*
 * Per-NIC statistics reports: a short table (exit with --stats, SIGUSR1) and
 * a JSON file (--stats=FILE). Counters are written by the I/O thread while we
 * read them, hence CMM_LOAD_SHARED; a report is a consistent-enough snapshot.
 */
#ifndef SKIFF_STATS_H
#define SKIFF_STATS_H

#include <stdio.h>

#include "nic.h"

/* Print the table to f. */
void skiff_stats_print(FILE *f, const struct skiff_nic *nics, unsigned count,
                       unsigned io_mode);

/* Write JSON to path (via path.tmp + rename). Prints a one-line error and
 * returns -1 on failure. */
int skiff_stats_write_json(const char *path, const struct skiff_nic *nics,
                           unsigned count, unsigned io_mode);

#endif /* SKIFF_STATS_H */
