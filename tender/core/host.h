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

/* As solo5-spt/solo5-hvt (`prog`): Solo5's shape, "PROG tender, version V"
 * and "ABI version N" with N the ABI1 note version of the images this
 * tender runs. */
void skiff_host_version_solo5(FILE *f, const char *prog);

/* One line per capability. Returns 0 if everything a user may need is
 * usable, 1 otherwise (for scripts). */
int skiff_host_check(FILE *f);

#endif /* SKIFF_HOST_H */
