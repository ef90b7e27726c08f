/* solo5-elftool's commands (see elftool.c) and the manifest.json parser
 * behind gen-manifest (gen_manifest.c; fuzzed by tests/fuzz/fuzz_manifest). */
#ifndef SKIFF_ELFTOOL_H
#define SKIFF_ELFTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mft_abi.h"

/* One device of a validated manifest.json. */
struct elftool_device {
    char name[MFT_NAME_SIZE]; /* 1..MFT_NAME_MAX characters of [A-Za-z0-9] */
    const char *type;         /* "NET_BASIC" or "BLOCK_BASIC" (static strings) */
    bool vnet, closed;        /* skiff's options (NET_BASIC devices only) */
};

struct elftool_manifest {
    struct elftool_device devs[MFT_MAX_ENTRIES - 1]; /* entry 0 is the reserved one */
    size_t count;
};

/*
 * Validate the manifest.json text[0..len) (`source` names it in messages).
 * Returns 0, or EXIT_FAILURE with one line on `err`.
 */
int elftool_manifest_parse(const char *source, const char *text, size_t len,
                           struct elftool_manifest *m, FILE *err);

/* The C source of the image's notes (MFT1, and skiff's if any device has options). */
void elftool_manifest_write_c(FILE *o, const struct elftool_manifest *m);

/* manifest.json (path or "-") -> C source (path or "-"); exit status. */
int elftool_gen_manifest(const char *source, const char *output);

#endif /* SKIFF_ELFTOOL_H */
