/*
 * Command line of the skiff program. Parsing is pure (no fds opened, no
 * images read) so it can be unit-tested; errors are one line on `err`.
 */
#ifndef SKIFF_CLI_H
#define SKIFF_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "net/net_rate.h"
#include "skiff/abi.h"

struct skiff_cli_net {
    char name[SKIFF_NAME_MAX]; /* manifest NIC name */
    const char *spec;          /* IFACE or @FD, as given (points into argv) */
    bool has_mac;              /* --net-mac given */
    uint8_t mac[6];
    bool has_rate;              /* --net-rate given */
    struct skiff_net_rate rate; /* --net-rate limits (ring modes only) */
    const char *pcap;           /* --pcap file (points into argv), else NULL */
    uint64_t pcap_limit;        /* --pcap-limit in bytes, 0: none */
};

struct skiff_cli_block {
    char name[SKIFF_BLOCK_NAME_SIZE]; /* manifest block device name */
    const char *path;                 /* backing file (points into argv) */
    uint32_t block_size;              /* --block-sector-size, else 512 */
};

struct skiff_cli {
    uint64_t mem_bytes;     /* --mem, in bytes */
    unsigned io_mode;       /* SKIFF_IO_* */
    bool io_given;          /* --io= was on the command line */
    uint64_t spin_ns;       /* --spin-us, poll mode */
    unsigned io_uring;      /* --io-uring: SKIFF_IO_URING_* (nic.h) */
    bool stats;             /* --stats or --stats=FILE */
    const char *stats_file; /* --stats=FILE, else NULL */
    const char *image;
    struct skiff_cli_net nets[SKIFF_MAX_NICS];
    unsigned net_count;
    struct skiff_cli_block blocks[SKIFF_MAX_BLOCKS];
    unsigned block_count;
    char **guest_argv; /* after the image (points into argv) */
    int guest_argc;
    /* Invoked as solo5-spt or solo5-hvt: Solo5's grammar (options, [--],
     * KERNEL, then every further word for the guest), only images of that
     * target, and --mem as the least memory the guest gets (skiff adds
     * room for its rings). Otherwise target is SKIFF_TARGET_ANY. */
    bool solo5;
    uint32_t target;
    const char *prog; /* program name for messages */
};

enum skiff_cli_result {
    SKIFF_CLI_RUN,     /* parsed: run the image */
    SKIFF_CLI_EXIT,    /* --help printed: exit 0 */
    SKIFF_CLI_VERSION, /* --version: print the version (and host), exit 0 */
    SKIFF_CLI_CHECK,   /* --check: report what the host supports */
    SKIFF_CLI_ERROR,   /* error printed: exit 1 */
};

#define SKIFF_SPIN_US_DEFAULT 50u
#define SKIFF_SPIN_US_MAX     1000000u

/* Parse argv. Help goes to `out`, errors to `err`. */
enum skiff_cli_result skiff_cli_parse(int argc, char **argv, struct skiff_cli *cli, FILE *out,
                                      FILE *err);

/* Find a --net by NIC name, NULL if none. */
const struct skiff_cli_net *skiff_cli_find_net(const struct skiff_cli *cli, const char *name);

/* Join guest arguments with spaces into buf. -1 if it does not fit. */
int skiff_cli_cmdline(const struct skiff_cli *cli, char *buf, size_t len);

#endif /* SKIFF_CLI_H */
