/*
 * Helpers for the conformance programs: there is no libc, only Solo5's API.
 * util.c also defines memcpy/memset/memcmp/strlen itself, as an application
 * with its own libc would: the bindings must not clash with them.
 */
#ifndef CONFORMANCE_UTIL_H
#define CONFORMANCE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "solo5.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

void put(const char *s);
void put_u64(uint64_t v);
/* Print "name: SUCCESS" and return 0, or "name: FAILURE (why)" and 1. */
int verdict(const char *name, const char *failure);

#endif
