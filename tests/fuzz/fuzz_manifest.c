/*
 * libFuzzer target for the manifest.json reader of `solo5-elftool
 * gen-manifest` (toolchain/elftool/gen_manifest.c): any text is either
 * refused with exactly one line naming the manifest, or accepted as a
 * manifest whose every device Solo5's rules allow, and then written out as C.
 * SKIFF_FUZZ_VERDICT=1 prints each input's verdict (tests/fuzz/run.sh).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "elftool.h"
#include "fuzz_sink.h"
#include "skiff/abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct elftool_manifest m;
    struct fuzz_sink err, out;

    fuzz_sink_open(&err);
    int rc = elftool_manifest_parse("fuzz.json", (const char *)data, size, &m, err.f);
    fuzz_sink_close(&err);
    fuzz_verdict(rc == 0 ? "accepted" : "rejected", err.first);
    if (rc != 0) {
        if (err.lines != 1 || err.bytes == 0 || err.last != '\n')
            abort(); /* one line per error */
        return 0;
    }
    if (err.bytes != 0 || m.count > MFT_MAX_ENTRIES - 1)
        abort();
    for (size_t i = 0; i < m.count; i++) {
        const struct elftool_device *d = &m.devs[i];
        size_t n = strnlen(d->name, sizeof d->name);
        if (n == 0 || n > MFT_NAME_MAX)
            abort();
        for (size_t k = 0; k < n; k++)
            if (!isalnum((unsigned char)d->name[k]))
                abort();
        if (strcmp(d->type, "NET_BASIC") != 0 && strcmp(d->type, "BLOCK_BASIC") != 0)
            abort();
        if ((d->vnet || d->closed) && (strcmp(d->type, "NET_BASIC") != 0 || n >= SKIFF_NAME_MAX))
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(m.devs[j].name, d->name) == 0)
                abort();
    }
    fuzz_sink_open(&out);
    elftool_manifest_write_c(out.f, &m);
    fuzz_sink_close(&out);
    return 0;
}
