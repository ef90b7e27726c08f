/*
 * What this host can run, for `skiff --version` and `skiff --check`: the
 * KVM kind (hvt), whether /dev/kvm and /dev/net/tun can be opened.
 */
#ifndef SKIFF_HOST_H
#define SKIFF_HOST_H

#include <stdbool.h>
#include <stdio.h>

/* "skiff VERSION" and one line on the host's KVM. */
void skiff_host_version(FILE *f);

/* One line per capability. Returns 0 if everything a user may need is
 * usable, 1 otherwise (for scripts). */
int skiff_host_check(FILE *f);

#endif /* SKIFF_HOST_H */
