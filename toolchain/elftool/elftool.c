/*
 * solo5-elftool, skiff's implementation of Solo5's image tool:
 *   gen-manifest SOURCE OUTPUT   manifest.json -> C source of the MFT1 note
 *   query-manifest BINARY        the image's manifest, as JSON
 *   query-abi BINARY             the image's ABI target and version, as JSON
 * Input formats, output formats and exit statuses follow Solo5's tool. The
 * image readers are the tender's own (tender/core/elf_load.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_abi.h"
#include "elftool.h"
#include "core/elf_load.h"
#include "mft_abi.h"

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s COMMAND ...\n"
            "COMMAND is:\n"
            "    gen-manifest SOURCE OUTPUT:\n"
            "        Generate the C source of an application manifest from SOURCE\n"
            "        (manifest.json; \"-\" for stdin / stdout).\n"
            "    query-abi BINARY:\n"
            "        Display the ABI target and version of BINARY.\n"
            "    query-manifest BINARY:\n"
            "        Display the application manifest of BINARY.\n",
            prog);
    exit(EXIT_FAILURE);
}

/* Read a whole image (bounded like the tender does). */
static unsigned char *read_image(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "solo5-elftool: %s: Could not open: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap >= SKIFF_IMAGE_MAX_BYTES) {
            fprintf(stderr, "solo5-elftool: %s: larger than %llu MiB\n", path,
                    SKIFF_IMAGE_MAX_BYTES >> 20);
            free(buf);
            buf = NULL;
            break;
        }
        unsigned char *bigger = realloc(buf, cap * 2);
        if (bigger == NULL)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    if (buf != NULL && ferror(f)) {
        fprintf(stderr, "solo5-elftool: %s: read error\n", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

static const char *target_name(uint32_t t)
{
    static const char *const names[] = {
        "unknown", "hvt", "spt", "virtio", "muen", "genode", "xen"
    };
    return t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

static int query_abi(const char *path)
{
    size_t len;
    unsigned char *buf = read_image(path, &len);
    if (buf == NULL)
        return EXIT_FAILURE;
    const uint8_t *desc;
    uint32_t descsz;
    char err[200];
    struct abi1_info a;
    int found = skiff_elf_find_note(buf, len, ABI1_NOTE_NAME, ABI1_NOTE_TYPE, &desc, &descsz, err,
                                    sizeof err);
    if (found < 0 || descsz < sizeof a) {
        /* A broken ELF file is named as such (Solo5's words), before any
         * note is looked for. */
        if (found < 0 && strcmp(err, "no such note") != 0)
            fprintf(stderr, "solo5-elftool: %s: %s\n", path, err);
        else
            fprintf(stderr, "solo5-elftool: %s: No Solo5 ABI information found in executable\n",
                    path);
        free(buf);
        return EXIT_FAILURE;
    }
    memcpy(&a, desc, sizeof a);
    printf("{\n"
           "  \"type\": \"solo5.abi\",\n"
           "  \"target\": \"%s\",\n"
           "  \"version\": %u\n"
           "}\n",
           target_name(a.abi_target), a.abi_version);
    free(buf);
    return EXIT_SUCCESS;
}

static int query_manifest(const char *path)
{
    size_t len;
    unsigned char *buf = read_image(path, &len);
    if (buf == NULL)
        return EXIT_FAILURE;
    const uint8_t *desc, *m;
    uint32_t descsz, entries;
    char err[200];
    if (skiff_elf_find_note(buf, len, MFT1_NOTE_NAME, MFT1_NOTE_TYPE, &desc, &descsz, err,
                            sizeof err) < 0) {
        if (strcmp(err, "no such note") != 0)
            fprintf(stderr, "solo5-elftool: %s: %s\n", path, err);
        else
            fprintf(stderr, "solo5-elftool: %s: No Solo5 manifest found in executable\n", path);
        free(buf);
        return EXIT_FAILURE;
    }
    if (skiff_mft1_check(desc, descsz, &m, &entries, err, sizeof err) < 0) {
        fprintf(stderr, "solo5-elftool: %s: Manifest validation failed: %s\n", path, err);
        free(buf);
        return EXIT_FAILURE;
    }
    printf("{\n"
           "  \"type\": \"solo5.manifest\",\n"
           "  \"version\": %u,\n"
           "  \"devices\": [\n",
           MFT_VERSION);
    for (uint32_t i = 1; i < entries; i++) {
        struct mft_entry e;
        memcpy(&e, m + offsetof(struct mft, e) + i * sizeof e, sizeof e);
        printf("    { \"name\": \"%s\", \"type\": \"%s\" }%s\n", e.name,
               e.type == MFT_DEV_NET_BASIC ? "NET_BASIC" : "BLOCK_BASIC",
               i + 1 == entries ? "" : ",");
    }
    printf("  ]\n"
           "}\n");
    free(buf);
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (argc < 2)
        usage(prog);
    if (strcmp(argv[1], "gen-manifest") == 0 && argc == 4)
        return elftool_gen_manifest(argv[2], argv[3]);
    if (strcmp(argv[1], "query-manifest") == 0 && argc == 3)
        return query_manifest(argv[2]);
    if (strcmp(argv[1], "query-abi") == 0 && argc == 3)
        return query_abi(argv[2]);
    usage(prog);
}
