/*
 * The actions every misbehaving test guest knows (tests/tender/guests/probe.c
 * on spt, tests/hvt/guests/hvt_probe.c on hvt); each guest adds the ways to
 * misbehave that its target has.
 */
#ifndef SKIFF_TEST_PROBE_H
#define SKIFF_TEST_PROBE_H

#include <stdbool.h>

#include "solo5.h"

/* Whether s starts with p. */
bool probe_starts(const char *s, const char *p);

/*
 * Runs the action the command line names, if it is one of these, and
 * returns true with the guest's exit status in *status:
 *   exit N    return N
 *   echo ARGS print "NAME: cmdline "ARGS" heap BYTES", return 0
 *   fault     write below 1 MiB (unmapped)
 *   wx        write to its own code (read-only page)
 *   sleep     yield forever
 * A fault or wx that comes back (nothing stopped it), or any other command
 * line: false, for the guest's own actions.
 */
bool probe_common(const char *name, const struct solo5_start_info *si, int *status);

#endif
