/*
 * Helpers for the conformance programs: there is no libc, only Solo5's API.
 * tests/lib/solo5-app (app.h) brings memcpy/memset/memcmp/strlen, console
 * output and an ARP/ICMP echo answerer, as it does for every test unikernel.
 */
#ifndef CONFORMANCE_UTIL_H
#define CONFORMANCE_UTIL_H

#include "app.h"

/* Print "name: SUCCESS" and return 0, or "name: FAILURE (why)" and 1. */
int verdict(const char *name, const char *failure);

#endif
