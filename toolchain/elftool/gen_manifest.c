/*
 * solo5-elftool gen-manifest: manifest.json -> the C source of the image's
 * MFT1 note. The input rules and messages follow Solo5's tool: a root object
 * with "type": "solo5.manifest", "version": 1 and "devices": an array of at
 * most MFT_MAX_ENTRIES - 1 objects, each with an alphanumeric "name" of 1 to
 * MFT_NAME_MAX characters and a "type" ("NET_BASIC" or "BLOCK_BASIC").
 * skiff extension: a NET_BASIC device may carry "skiff": { "vnet": BOOL,
 * "closed": BOOL } (virtio-net headers; SOLO5_R_CLOSED understood); the
 * output then also declares a Skiff note with those options, beside the
 * unchanged MFT1 note. The JSON is validated from memory
 * (elftool_manifest_parse) before any output is written, so the parser can be
 * fuzzed without files (tests/fuzz/fuzz_manifest.c).
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elftool.h"
#include "mft_abi.h"
#include "skiff/abi.h"

#define LOAD_FLAGS JSON_REJECT_DUPLICATES

/* Where messages go: one line each, naming the manifest. */
struct src {
    const char *name;
    FILE *err;
};

static int bad(const struct src *src, const char *what)
{
    fprintf(src->err, "solo5-elftool: %s: %s\n", src->name, what);
    return EXIT_FAILURE;
}

/*
 * A string from the JSON, fit for a one-line message: control characters
 * (a key may hold "\n") as \xNN, and no more than fits `out`.
 */
static const char *quote(const char *s, char *out, size_t len)
{
    size_t n = 0;

    for (; *s && n + 5 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            n += (size_t)snprintf(out + n, len - n, "\\x%02x", c);
        else
            out[n++] = (char)c;
    }
    out[n] = '\0';
    return out;
}

static int parse_device(const struct src *src, json_t *d, struct elftool_device *out)
{
    const char *key, *name = NULL, *type = NULL;
    json_t *v;
    char msg[160], q[80];

    if (!json_is_object(d))
        return bad(src, ".devices[]: expected OBJECT");
    memset(out, 0, sizeof *out);
    json_object_foreach(d, key, v)
    {
        if (strcmp(key, "name") == 0) {
            if (!json_is_string(v))
                return bad(src, ".devices[...]: .name: expected STRING");
            name = json_string_value(v);
        } else if (strcmp(key, "type") == 0) {
            if (!json_is_string(v))
                return bad(src, ".devices[...]: .type: expected STRING");
            type = json_string_value(v);
        } else if (strcmp(key, "skiff") == 0) {
            const char *opt;
            json_t *b;
            if (!json_is_object(v))
                return bad(src, ".devices[...]: .skiff: expected OBJECT");
            json_object_foreach(v, opt, b)
            {
                if (!json_is_boolean(b) || (strcmp(opt, "vnet") != 0 && strcmp(opt, "closed") != 0))
                    return bad(src, ".devices[...]: .skiff: expected { \"vnet\": BOOLEAN, "
                                    "\"closed\": BOOLEAN }");
                if (strcmp(opt, "vnet") == 0)
                    out->vnet = json_is_true(b);
                else
                    out->closed = json_is_true(b);
            }
        } else {
            snprintf(msg, sizeof msg, ".devices[...]: unknown key: %s", quote(key, q, sizeof q));
            return bad(src, msg);
        }
    }
    if (name == NULL)
        return bad(src, ".devices[...]: missing .name");
    if (name[0] == '\0')
        return bad(src, ".devices[...]: .name may not be empty");
    if (strlen(name) > MFT_NAME_MAX)
        return bad(src, ".devices[...]: name too long");
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p))
            return bad(src, ".devices[...]: name is not alphanumeric");
    if (type == NULL)
        return bad(src, ".devices[...]: missing .type");
    if (strcmp(type, "NET_BASIC") == 0)
        out->type = "NET_BASIC";
    else if (strcmp(type, "BLOCK_BASIC") == 0)
        out->type = "BLOCK_BASIC";
    else {
        snprintf(msg, sizeof msg, ".devices[...]: unknown type %s (NET_BASIC or BLOCK_BASIC)",
                 quote(type, q, sizeof q));
        return bad(src, msg);
    }
    if ((out->vnet || out->closed) && strcmp(out->type, "NET_BASIC") != 0)
        return bad(src, ".devices[...]: .skiff options are for NET_BASIC devices only");
    if ((out->vnet || out->closed) && strlen(name) >= SKIFF_NAME_MAX)
        return bad(src, ".devices[...]: a device with .skiff options needs a name under 32 "
                        "characters");
    memcpy(out->name, name, strlen(name) + 1);
    return 0;
}

/* The manifest in a parsed JSON document. */
static int parse_root(const struct src *src, json_t *root, struct elftool_manifest *m)
{
    const char *key;
    json_t *v, *type = NULL, *version = NULL, *devices = NULL;
    char msg[200], q[80];
    size_t i;

    m->count = 0;
    if (!json_is_object(root))
        return bad(src, "(root): expected OBJECT");
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "type") == 0)
            type = v;
        else if (strcmp(key, "version") == 0)
            version = v;
        else if (strcmp(key, "devices") == 0)
            devices = v;
        else {
            snprintf(msg, sizeof msg, "(root): unknown key: %s", quote(key, q, sizeof q));
            return bad(src, msg);
        }
    }
    if (type == NULL || version == NULL || devices == NULL)
        return bad(src, type == NULL      ? "missing .type"
                        : version == NULL ? "missing .version"
                                          : "missing .devices[]");
    if (!json_is_string(type) || strcmp(json_string_value(type), "solo5.manifest") != 0)
        return bad(src, ".type: invalid value, expected \"solo5.manifest\"");
    if (!json_is_integer(version))
        return bad(src, ".version: expected INTEGER");
    if (json_integer_value(version) != MFT_VERSION) {
        snprintf(msg, sizeof msg, ".version: invalid version %lld, expected %d",
                 (long long)json_integer_value(version), MFT_VERSION);
        return bad(src, msg);
    }
    if (!json_is_array(devices))
        return bad(src, ".devices: expected ARRAY");
    if (json_array_size(devices) > MFT_MAX_ENTRIES - 1) {
        snprintf(msg, sizeof msg, ".devices[]: too many entries, maximum %d", MFT_MAX_ENTRIES - 1);
        return bad(src, msg);
    }
    json_array_foreach(devices, i, v)
    {
        struct elftool_device *d = &m->devs[m->count];
        if (parse_device(src, v, d) != 0)
            return EXIT_FAILURE;
        for (size_t j = 0; j < m->count; j++)
            if (strcmp(m->devs[j].name, d->name) == 0) {
                snprintf(msg, sizeof msg, ".devices[...]: duplicate name: %s", d->name);
                return bad(src, msg);
            }
        m->count++;
    }
    return 0;
}

int elftool_manifest_parse(const char *source, const char *text, size_t len,
                           struct elftool_manifest *m, FILE *err)
{
    const struct src src = { source, err };
    json_error_t jerr;
    json_t *root = json_loadb(text, len, LOAD_FLAGS, &jerr);
    char q[sizeof jerr.text + 16];

    m->count = 0;
    if (root == NULL) {
        /* jansson's text may quote the input near the error */
        fprintf(err, "solo5-elftool: %s:%d: JSON parse error: %s\n", source, jerr.line,
                quote(jerr.text, q, sizeof q));
        return EXIT_FAILURE;
    }
    int rc = parse_root(&src, root, m);
    json_decref(root);
    return rc;
}

void elftool_manifest_write_c(FILE *o, const struct elftool_manifest *m)
{
    const struct elftool_device *devs = m->devs;
    size_t n = m->count, opts = 0;
    for (size_t i = 0; i < n; i++)
        opts += devs[i].vnet || devs[i].closed;

    fprintf(o,
            "/* Generated by solo5-elftool (skiff) from a manifest.json: do not edit. */\n\n"
            "#define MFT_ENTRIES %zu\n"
            "#include \"mft_abi.h\"\n\n"
            "MFT1_NOTE_DECLARE_BEGIN\n"
            "{\n"
            "    .version = MFT_VERSION,\n"
            "    .entries = %zu,\n"
            "    .e = {\n"
            "        { .name = \"\", .type = MFT_RESERVED_FIRST },\n",
            n + 1, n + 1);
    for (size_t i = 0; i < n; i++)
        fprintf(o, "        { .name = \"%s\", .type = MFT_DEV_%s },\n", devs[i].name, devs[i].type);
    fprintf(o, "    },\n"
               "}\n"
               "MFT1_NOTE_DECLARE_END\n");
    if (opts == 0)
        return;
    fprintf(o,
            "\n/* skiff's options for some devices, in a note of skiff's own. */\n"
            "#include \"skiff/abi.h\"\n\n"
            "static const struct {\n"
            "    unsigned int namesz, descsz, type;\n"
            "    char name[(sizeof SKIFF_NOTE_NAME + 3) & ~3u];\n"
            "    struct skiff_manifest desc;\n"
            "} skiff_options_note\n"
            "    __attribute__((section(\".note.skiff.manifest\"), aligned(4), used)) = {\n"
            "    .namesz = sizeof SKIFF_NOTE_NAME,\n"
            "    .descsz = sizeof(struct skiff_manifest),\n"
            "    .type = SKIFF_NOTE_MANIFEST,\n"
            "    .name = SKIFF_NOTE_NAME,\n"
            "    .desc = {\n"
            "        .version = SKIFF_MANIFEST_VERSION,\n"
            "        .nic_count = %zu,\n"
            "        .nics = {\n",
            opts);
    for (size_t i = 0; i < n; i++)
        if (devs[i].vnet || devs[i].closed)
            fprintf(o, "            { .name = \"%s\", .flags = %s%s%s },\n", devs[i].name,
                    devs[i].vnet ? "SKIFF_NIC_F_VNET" : "",
                    devs[i].vnet && devs[i].closed ? " | " : "",
                    devs[i].closed ? "SKIFF_NIC_F_CLOSED" : "");
    fprintf(o, "        },\n"
               "    },\n"
               "};\n");
}

/* The whole of `f` in memory (NUL-terminated, for messages' sake). */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (ferror(f) || n < cap - 1)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (bigger == NULL)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    if (buf != NULL && ferror(f)) {
        free(buf);
        return NULL;
    }
    if (buf != NULL)
        buf[n] = '\0';
    *len = n;
    return buf;
}

int elftool_gen_manifest(const char *source, const char *output)
{
    bool from_stdin = strcmp(source, "-") == 0;
    FILE *in = from_stdin ? stdin : fopen(source, "rb");
    struct elftool_manifest m;
    size_t len = 0;
    char *text;

    if (in == NULL) {
        fprintf(stderr, "solo5-elftool: %s: Could not open for reading: %s\n", source,
                strerror(errno));
        return EXIT_FAILURE;
    }
    text = read_all(in, &len);
    if (!from_stdin)
        fclose(in);
    if (text == NULL) {
        fprintf(stderr, "solo5-elftool: %s: read error\n", source);
        return EXIT_FAILURE;
    }
    int rc = elftool_manifest_parse(source, text, len, &m, stderr);
    free(text);
    if (rc != 0)
        return rc;

    FILE *o = strcmp(output, "-") == 0 ? stdout : fopen(output, "w");
    if (o == NULL) {
        fprintf(stderr, "solo5-elftool: %s: Could not open for writing: %s\n", output,
                strerror(errno));
        return EXIT_FAILURE;
    }
    elftool_manifest_write_c(o, &m);
    bool bad_write = fflush(o) != 0 || ferror(o);
    if (o != stdout)
        bad_write |= fclose(o) != 0;
    if (bad_write) {
        fprintf(stderr, "solo5-elftool: %s: write error\n", output);
        if (o != stdout)
            remove(output);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
