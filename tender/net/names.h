/*
 * NIC names, shared by the CLI (--net:NAME) and the manifest check: the same
 * rule in both places so every manifest name can be named on the command line.
 */
#ifndef SKIFF_NAMES_H
#define SKIFF_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "skiff/abi.h"

/*
 * true if s[0..len) holds a NUL-terminated name of 1..SKIFF_NAME_MAX-1
 * characters from [A-Za-z0-9_]. `len` bounds the scan (untrusted buffers).
 */
static inline bool skiff_name_valid(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len && i < SKIFF_NAME_MAX; i++) {
        char c = s[i];
        if (c == '\0')
            return i > 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return false; /* no NUL within bounds */
}

#endif /* SKIFF_NAMES_H */
