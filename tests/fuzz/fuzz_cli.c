/*
 * libFuzzer target for the tender's command line (tender/cli/cli.c,
 * through its entry point skiff_cli_parse only, so the target keeps building
 * while the parser changes behind that signature). The input is an argv: words
 * separated by NUL bytes, argv[0] first (so "solo5-hvt" selects Solo5's
 * grammar), as exec would pass them. Any argv is either refused with a
 * message, or parsed into a command line main can use as it is: an image,
 * NICs and block devices within limits with valid names, guest arguments
 * inside argv. SKIFF_FUZZ_VERDICT=1 prints each input's verdict
 * (tests/fuzz/run.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fuzz_sink.h"
#include "net/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const char *p, const char *buf, size_t len)
{
    return p != NULL && p >= buf && p < buf + len;
}

static void check_run(const struct skiff_cli *cli, char **argv, int argc, const char *buf,
                      size_t len)
{
    if (!inside(cli->image, buf, len) || cli->net_count > SKIFF_MAX_NICS ||
        cli->block_count > SKIFF_MAX_BLOCKS || cli->guest_argc < 0 ||
        (cli->guest_argc > 0 &&
         (cli->guest_argv < argv || cli->guest_argv + cli->guest_argc > argv + argc)))
        abort();
    for (unsigned i = 0; i < cli->net_count; i++) {
        const struct skiff_cli_net *n = &cli->nets[i];
        if (!skiff_name_valid(n->name, sizeof n->name) || !inside(n->spec, buf, len) ||
            n->spec[0] == '\0')
            abort();
        for (unsigned j = 0; j < i; j++)
            if (strcmp(cli->nets[j].name, n->name) == 0)
                abort();
    }
    for (unsigned i = 0; i < cli->block_count; i++) {
        const struct skiff_cli_block *b = &cli->blocks[i];
        if (b->name[0] == '\0' || memchr(b->name, '\0', sizeof b->name) == NULL ||
            !inside(b->path, buf, len) || b->path[0] == '\0' || b->block_size < 512 ||
            b->block_size > 65536 || (b->block_size & (b->block_size - 1)) != 0)
            abort();
        for (unsigned j = 0; j < i; j++)
            if (strcmp(cli->blocks[j].name, b->name) == 0)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = { [SKIFF_CLI_RUN] = "run",
                                         [SKIFF_CLI_EXIT] = "exit",
                                         [SKIFF_CLI_VERSION] = "version",
                                         [SKIFF_CLI_CHECK] = "check",
                                         [SKIFF_CLI_ERROR] = "error" };
    static struct skiff_cli cli;
    struct fuzz_sink out, err;
    char *buf = malloc(size + 1);
    int argc = 0;

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    if (size > 0)
        for (size_t i = 0; i <= size; i++)
            argc += buf[i] == '\0';
    /* exactly argc + 1 slots, so a read past argv[argc] is caught */
    char **argv = malloc(((size_t)argc + 1) * sizeof *argv);
    if (argv == NULL) {
        free(buf);
        return 0;
    }
    for (size_t i = 0, at = 0; i < (size_t)argc; i++) {
        argv[i] = buf + at;
        at += strlen(buf + at) + 1;
    }
    argv[argc] = NULL;

    fuzz_sink_open(&out);
    fuzz_sink_open(&err);
    enum skiff_cli_result r = skiff_cli_parse(argc, argv, &cli, out.f, err.f);
    fuzz_sink_close(&out);
    fuzz_sink_close(&err);
    fuzz_verdict((unsigned)r < sizeof names / sizeof names[0] && names[r] ? names[r] : "other",
                 err.first);
    if (r == SKIFF_CLI_ERROR && err.bytes == 0)
        abort(); /* refused without a word */
    if (r == SKIFF_CLI_RUN) {
        if (err.bytes != 0)
            abort();
        check_run(&cli, argv, argc, buf, size + 1);
    }
    free(argv);
    free(buf);
    return 0;
}
