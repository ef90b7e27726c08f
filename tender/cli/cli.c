/*
 * skiff command line parsing. Option names follow Solo5's tenders (--mem,
 * --net:NAME=, --net-mac:NAME=) so existing scripts carry over. Every error
 * names the offending argument and how to fix it, on one line.
 */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <net/if.h>

#include "core/elf_load.h"
#include "core/layout.h"
#include "net/names.h"
#include "net/nic.h"

#ifndef SKIFF_VERSION
#error "SKIFF_VERSION must be defined by the build"
#endif

static void usage(FILE *f, const char *prog)
{
    if (strcmp(prog, "skiff") == 0)
        fprintf(f, "usage: skiff [OPTIONS] [--] IMAGE [[--] GUEST ARGS]\n"
                   "       solo5-spt | solo5-hvt [OPTIONS] [--] KERNEL [ARGS]\n");
    else
        fprintf(f,
                "usage: %s [OPTIONS] [--] KERNEL [ARGS]\n"
                "       skiff [OPTIONS] [--] IMAGE [[--] GUEST ARGS]\n",
                prog);
    fprintf(f,
            "\n"
            "Run the unikernel IMAGE (spt or hvt, as its ABI note says), bridging its\n"
            "NICs to TAP devices "
            "through shared-memory rings.\n"
            "\n"
            "  --mem=MB              guest memory in MiB (default %u, %u..%u)\n"
            "  --net:NAME=IFACE      attach the image's NIC NAME to TAP device IFACE\n"
            "  --net:NAME=@FD        ... or to the already open packet fd FD (>= 3)\n"
            "  --net-mac:NAME=MAC    MAC address of NIC NAME (default: a random locally\n"
            "                        administered unicast address, new at every start)\n"
            "  --block:NAME=PATH     attach the image's block device NAME to file PATH\n"
            "  --block-sector-size:NAME=N\n"
            "                        its block size: a power of 2, 512 (default)..65536\n"
            "  --net-rate:NAME=LIMIT[,LIMIT...]\n"
            "                        rate-limit NIC NAME (event and poll modes); LIMIT\n"
            "                        is rx-frames=N, rx-bytes=N, tx-frames=N or\n"
            "                        tx-bytes=N per second (k, M, G suffixes: x1000),\n"
            "                        rx = into the guest, tx = out of it; or\n"
            "                        burst-ms=N, the burst the limits allow (default\n"
            "                        %u ms of the rate). Held-back frames wait in the\n"
            "                        kernel queue (rx) or the guest's ring (tx); --stats\n"
            "                        counts how often. e.g. --net-rate:wan=tx-bytes=100M\n"
            "  --io=event|poll|direct\n"
            "                        event: I/O thread sleeps in epoll (default)\n"
            "                        poll: I/O thread busy-polls, sleeps when idle\n"
            "                        direct: no rings, one system call per frame\n"
            "  --spin-us=N           poll mode: spin N us idle before sleeping (default %u)\n"
            "  --io-uring=auto|on|off\n"
            "                        event and poll modes: move frames on the packet\n"
            "                        fds in batches with io_uring (one system call per\n"
            "                        batch) or with one read/write per frame (off,\n"
            "                        the default); auto uses io_uring unless the kernel\n"
            "                        or a sandbox forbids it; --stats says which, why\n"
            "  --pcap:NAME=FILE      write every frame of NIC NAME, both directions, to\n"
            "                        the pcap file FILE (tcpdump -r FILE); frames the\n"
            "                        capture cannot keep up with are counted, never\n"
            "                        delayed (--stats: 'not captured')\n"
            "  --pcap-limit:NAME=BYTES\n"
            "                        keep NIC NAME's pcap file under BYTES (k, M, G:\n"
            "                        x1000): when full it becomes FILE.1 (replacing\n"
            "                        the previous one) and a new FILE starts\n"
            "  --stats[=FILE]        print per-NIC statistics at exit (SIGUSR1 prints\n"
            "                        them any time); with FILE also write them as JSON\n"
            "  --help                show this help (as solo5-*: on stderr, status 1)\n"
            "  --version             show the version and the host's KVM kind (as\n"
            "                        solo5-*: Solo5's two lines, the ABI version of\n"
            "                        the images this tender runs)\n"
            "  --check               say what this host can run (spt, hvt, TAP)\n"
            "\n"
            "Every device the image declares needs exactly one --net or --block option.\n"
            "\n"
            "Exit status: the guest's; 1 for usage and set-up errors and for an hvt guest\n"
            "the tender cannot serve (a write to its code, a stray port); 255 after\n"
            "solo5_abort() or an hvt guest fault. An spt guest killed by a fault or a\n"
            "forbidden system call ends the tender by that signal (a shell shows 139,\n"
            "159). SIGTERM/SIGINT: skiff exits 128+N; solo5-hvt exits 1, solo5-spt\n"
            "ends by the signal, as Solo5's tenders (docs/solo5-compat.md).\n",
            SKIFF_MEM_DEFAULT_MB, SKIFF_MEM_MIN_MB, SKIFF_MEM_MAX_MB, SKIFF_RATE_BURST_MS_DEFAULT,
            SKIFF_SPIN_US_DEFAULT);
}

/* What Solo5's tenders say of an option they cannot parse; skiff says why
 * after it. */
#define INVALID "Invalid option: `%s': "

__attribute__((format(printf, 2, 3))) static enum skiff_cli_result fail(FILE *err, const char *fmt,
                                                                        ...)
{
    va_list ap;
    fputs("skiff: error: ", err);
    va_start(ap, fmt);
    vfprintf(err, fmt, ap);
    va_end(ap);
    fputc('\n', err);
    return SKIFF_CLI_ERROR;
}

/* --OPTION=NAME with NAME from a fixed list: its value goes to *out. */
struct choice {
    const char *name;
    unsigned value;
};

static bool opt_choice(const char *arg, size_t prefix, const struct choice *c, size_t n,
                       unsigned *out)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(arg + prefix, c[i].name) == 0) {
            *out = c[i].value;
            return true;
        }
    return false;
}

/* Strict unsigned decimal: digits only, no sign, no overflow. */
static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* xx:xx:xx:xx:xx:xx, exactly two hex digits per octet. */
static bool parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
        if (hi < 0 || lo < 0)
            return false;
        mac[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
        if (i < 5 && *s++ != ':')
            return false;
    }
    return *s == '\0';
}

/*
 * Split "--PREFIX:NAME=VALUE" (arg points after "--PREFIX:"). Copies NAME
 * into name, returns VALUE or NULL if there is no '='.
 */
static const char *split_name(const char *arg, char name[SKIFF_NAME_MAX], bool *name_ok)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    *name_ok = n > 0 && n < SKIFF_NAME_MAX;
    if (*name_ok) {
        memcpy(name, arg, n);
        name[n] = '\0';
        *name_ok = skiff_name_valid(name, SKIFF_NAME_MAX);
    }
    return eq ? eq + 1 : NULL;
}

/* solo5-spt or solo5-hvt, alone or with ".DIGITS" (albatross looks for
 * "solo5-hvt.<ABI version>" first). */
static bool solo5_name(const char *name)
{
    if (strncmp(name, "solo5-spt", 9) != 0 && strncmp(name, "solo5-hvt", 9) != 0)
        return false;
    if (name[9] == '\0')
        return true;
    if (name[9] != '.' || name[10] == '\0')
        return false;
    for (const char *p = name + 10; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

static int net_index(const struct skiff_cli *cli, const char *name)
{
    for (unsigned i = 0; i < cli->net_count; i++)
        if (strcmp(cli->nets[i].name, name) == 0)
            return (int)i;
    return -1;
}

static struct skiff_cli_net *find_net(struct skiff_cli *cli, const char *name)
{
    int i = net_index(cli, name);
    return i < 0 ? NULL : &cli->nets[i];
}

const struct skiff_cli_net *skiff_cli_find_net(const struct skiff_cli *cli, const char *name)
{
    int i = net_index(cli, name);
    return i < 0 ? NULL : &cli->nets[i];
}

/* Pending --net-mac and --net-rate options, matched to --net after the
 * whole line is read so they may come in any order. */
struct pending_mac {
    char name[SKIFF_NAME_MAX];
    uint8_t mac[6];
};

struct pending_size {
    char name[SKIFF_BLOCK_NAME_SIZE];
    uint32_t size;
    const char *arg;
};

struct pending_pcap {
    char name[SKIFF_NAME_MAX];
    const char *path;
};

struct pending_limit {
    char name[SKIFF_NAME_MAX];
    uint64_t bytes;
};

#define SKIFF_PCAP_LIMIT_MIN 4096u

struct pending_rate {
    char name[SKIFF_NAME_MAX];
    const char *arg; /* for messages */
    struct skiff_net_rate rate;
};

static enum skiff_cli_result opt_net(struct skiff_cli *cli, const char *arg, const char *rest,
                                     FILE *err)
{
    char name[SKIFF_NAME_MAX];
    bool name_ok;
    const char *spec = split_name(rest, name, &name_ok);

    if (!name_ok)
        return fail(err,
                    INVALID "NIC name must be 1-%u characters of [A-Za-z0-9_] "
                            "(e.g. --net:service=tap0)",
                    arg, SKIFF_NAME_MAX - 1);
    if (!spec || *spec == '\0')
        return fail(err,
                    INVALID "missing TAP device (use --net:%s=IFACE or "
                            "--net:%s=@FD)",
                    arg, name, name);
    if (find_net(cli, name))
        return fail(err, "%s: NIC '%s' given twice (use one --net per NIC)", arg, name);
    if (cli->net_count == SKIFF_MAX_NICS)
        return fail(err, "%s: too many --net options (at most %u NICs)", arg, SKIFF_MAX_NICS);
    if (spec[0] == '@') {
        uint64_t fd;
        if (!parse_u64(spec + 1, &fd) || fd > INT_MAX)
            return fail(err,
                        INVALID "'%s' is not a file descriptor number "
                                "(use @FD, e.g. @3)",
                        arg, spec);
        if (fd < 3 && !cli->solo5)
            return fail(err,
                        "%s: fd %s is stdin/stdout/stderr (pass the "
                        "packet fd as 3 or above)",
                        arg, spec + 1);
    } else if (strlen(spec) >= IF_NAMESIZE) {
        return fail(err, INVALID "interface name '%s' is longer than %d characters", arg, spec,
                    IF_NAMESIZE - 1);
    } else if (strchr(spec, '/') || strchr(spec, ' ')) {
        return fail(err, INVALID "'%s' is not a valid interface name", arg, spec);
    }
    struct skiff_cli_net *n = &cli->nets[cli->net_count++];
    memset(n, 0, sizeof *n);
    strcpy(n->name, name);
    n->spec = spec;
    return SKIFF_CLI_RUN;
}

static enum skiff_cli_result opt_pcap(struct pending_pcap *pcaps, unsigned *count, const char *arg,
                                      const char *rest, FILE *err)
{
    char name[SKIFF_NAME_MAX];
    bool name_ok;
    const char *path = split_name(rest, name, &name_ok);

    if (!name_ok)
        return fail(err, INVALID "NIC name must be 1-%u characters of [A-Za-z0-9_]", arg,
                    SKIFF_NAME_MAX - 1);
    if (!path || *path == '\0')
        return fail(err, INVALID "missing file (use --pcap:%s=FILE)", arg, name);
    for (unsigned i = 0; i < *count; i++)
        if (strcmp(pcaps[i].name, name) == 0)
            return fail(err, "%s: NIC '%s' captured twice (one --pcap per NIC)", arg, name);
    if (*count == SKIFF_MAX_NICS)
        return fail(err, "%s: too many --pcap options (at most %u NICs)", arg, SKIFF_MAX_NICS);
    strcpy(pcaps[*count].name, name);
    pcaps[*count].path = path;
    (*count)++;
    return SKIFF_CLI_RUN;
}

static bool parse_rate(const char *s, size_t len, uint64_t *out);

static enum skiff_cli_result opt_pcap_limit(struct pending_limit *limits, unsigned *count,
                                            const char *arg, const char *rest, FILE *err)
{
    char name[SKIFF_NAME_MAX];
    bool name_ok;
    const char *val = split_name(rest, name, &name_ok);
    uint64_t bytes;

    if (!name_ok)
        return fail(err, INVALID "NIC name must be 1-%u characters of [A-Za-z0-9_]", arg,
                    SKIFF_NAME_MAX - 1);
    if (!val || !parse_rate(val, strlen(val), &bytes) || bytes < SKIFF_PCAP_LIMIT_MIN)
        return fail(err,
                    INVALID "the limit must be a byte count of at least %u (k, M, G: x1000; "
                            "e.g. --pcap-limit:%s=100M)",
                    arg, SKIFF_PCAP_LIMIT_MIN, name);
    for (unsigned i = 0; i < *count; i++)
        if (strcmp(limits[i].name, name) == 0)
            return fail(err, "%s: limit of NIC '%s' given twice", arg, name);
    if (*count == SKIFF_MAX_NICS)
        return fail(err, "%s: too many --pcap-limit options (at most %u NICs)", arg,
                    SKIFF_MAX_NICS);
    strcpy(limits[*count].name, name);
    limits[*count].bytes = bytes;
    (*count)++;
    return SKIFF_CLI_RUN;
}

static enum skiff_cli_result opt_net_mac(struct pending_mac *macs, unsigned *count, const char *arg,
                                         const char *rest, FILE *err)
{
    char name[SKIFF_NAME_MAX];
    bool name_ok;
    const char *val = split_name(rest, name, &name_ok);
    uint8_t mac[6];

    if (!name_ok)
        return fail(err, INVALID "NIC name must be 1-%u characters of [A-Za-z0-9_]", arg,
                    SKIFF_NAME_MAX - 1);
    if (!val || !parse_mac(val, mac))
        return fail(err,
                    INVALID "bad MAC address (use six hex octets, e.g. "
                            "--net-mac:%s=02:00:00:00:00:01)",
                    arg, name);
    if (mac[0] & 1)
        return fail(err,
                    "%s: %s is a multicast address (the first octet must "
                    "be even, e.g. 02:...)",
                    arg, val);
    if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
        return fail(err, "%s: the all-zero MAC address is not usable", arg);
    for (unsigned i = 0; i < *count; i++)
        if (strcmp(macs[i].name, name) == 0)
            return fail(err, "%s: MAC of NIC '%s' given twice", arg, name);
    if (*count == SKIFF_MAX_NICS)
        return fail(err, "%s: too many --net-mac options (at most %u NICs)", arg, SKIFF_MAX_NICS);
    strcpy(macs[*count].name, name);
    memcpy(macs[*count].mac, mac, 6);
    (*count)++;
    return SKIFF_CLI_RUN;
}

/* A rate: digits with an optional k, M or G (powers of 1000), >= 1. */
static bool parse_rate(const char *s, size_t len, uint64_t *out)
{
    char num[24];
    uint64_t mult = 1, v;
    if (len == 0 || len >= sizeof num)
        return false;
    memcpy(num, s, len);
    num[len] = '\0';
    switch (num[len - 1]) {
    case 'k': mult = 1000; break;
    case 'M': mult = 1000 * 1000; break;
    case 'G': mult = 1000 * 1000 * 1000; break;
    default: break;
    }
    if (mult != 1)
        num[len - 1] = '\0';
    if (!parse_u64(num, &v) || v == 0 || v > SKIFF_RATE_MAX / mult)
        return false;
    *out = v * mult;
    return true;
}

static enum skiff_cli_result opt_net_rate(struct pending_rate *rates, unsigned *count,
                                          const char *arg, const char *rest, FILE *err)
{
    char name[SKIFF_NAME_MAX];
    bool name_ok;
    const char *val = split_name(rest, name, &name_ok);
    struct skiff_net_rate r;

    if (!name_ok)
        return fail(err, "%s: NIC name must be 1-%u characters of [A-Za-z0-9_]", arg,
                    SKIFF_NAME_MAX - 1);
    if (!val || *val == '\0')
        return fail(err, "%s: missing limits (e.g. --net-rate:%s=tx-bytes=100M,tx-frames=50k)", arg,
                    name);
    memset(&r, 0, sizeof r);
    bool any = false;
    for (const char *p = val; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq)
            return fail(err,
                        "%s: '%.*s' is not KEY=VALUE (keys: rx-frames, rx-bytes, "
                        "tx-frames, tx-bytes, burst-ms)",
                        arg, (int)len, p);
        size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
        uint64_t v;
        uint64_t *slot = NULL;
        if (klen == 9 && strncmp(p, "rx-frames", 9) == 0)
            slot = &r.rx_frames;
        else if (klen == 8 && strncmp(p, "rx-bytes", 8) == 0)
            slot = &r.rx_bytes;
        else if (klen == 9 && strncmp(p, "tx-frames", 9) == 0)
            slot = &r.tx_frames;
        else if (klen == 8 && strncmp(p, "tx-bytes", 8) == 0)
            slot = &r.tx_bytes;
        else if (!(klen == 8 && strncmp(p, "burst-ms", 8) == 0))
            return fail(err,
                        "%s: unknown limit '%.*s' (use rx-frames, rx-bytes, tx-frames, "
                        "tx-bytes or burst-ms)",
                        arg, (int)klen, p);
        if (slot == NULL) {
            if (!parse_rate(eq + 1, vlen, &v) || v > SKIFF_RATE_BURST_MS_MAX)
                return fail(err, "%s: burst-ms must be 1..%u", arg, SKIFF_RATE_BURST_MS_MAX);
            r.burst_ms = (uint32_t)v;
        } else {
            if (!parse_rate(eq + 1, vlen, &v))
                return fail(err,
                            "%s: '%.*s' is not a rate (a whole number >= 1 per second, "
                            "optionally with k, M or G, e.g. 50k)",
                            arg, (int)vlen, eq + 1);
            if (*slot)
                return fail(err, "%s: '%.*s' given twice", arg, (int)klen, p);
            *slot = v;
            any = true;
        }
        p = end ? end + 1 : p + len;
        if (end && *p == '\0')
            return fail(err, "%s: trailing ','", arg);
    }
    if (!any)
        return fail(err,
                    "%s: no limit given (burst-ms alone limits nothing; add e.g. "
                    "tx-bytes=100M)",
                    arg);
    for (unsigned i = 0; i < *count; i++)
        if (strcmp(rates[i].name, name) == 0)
            return fail(err, "%s: limits of NIC '%s' given twice (put them in one option)", arg,
                        name);
    if (*count == SKIFF_MAX_NICS)
        return fail(err, "%s: too many --net-rate options (at most %u NICs)", arg, SKIFF_MAX_NICS);
    strcpy(rates[*count].name, name);
    rates[*count].arg = arg;
    rates[*count].rate = r;
    (*count)++;
    return SKIFF_CLI_RUN;
}

static enum skiff_cli_result opt_mem(struct skiff_cli *cli, const char *arg, const char *val,
                                     FILE *err)
{
    uint64_t mb;
    if (!parse_u64(val, &mb) || mb == 0)
        return fail(err,
                    "Malformed argument to --mem: %s is not a whole number of MiB (e.g. "
                    "--mem=512)",
                    arg);
    unsigned min = cli->solo5 ? SKIFF_MEM_MIN_SOLO5_MB : SKIFF_MEM_MIN_MB;
    if (mb > SKIFF_MEM_MAX_MB)
        return fail(err,
                    "%s: guest memory size %llu MiB exceeds the max size %u MiB (guest memory "
                    "must be %u..%u MiB)",
                    arg, (unsigned long long)mb, SKIFF_MEM_MAX_MB, min, SKIFF_MEM_MAX_MB);
    if (mb < min)
        return fail(err, "%s: guest memory must be %u..%u MiB", arg, min, SKIFF_MEM_MAX_MB);
    cli->mem_bytes = mb << 20;
    return SKIFF_CLI_RUN;
}

/* "NAME=VALUE" with NAME a block device name (Solo5's: 1..67 characters of
 * [A-Za-z0-9]); copies NAME, returns VALUE or NULL if NAME is bad. */
static const char *block_name(const char *rest, char name[SKIFF_BLOCK_NAME_SIZE])
{
    const char *eq = strchr(rest, '=');
    size_t len = eq ? (size_t)(eq - rest) : strlen(rest);
    if (len == 0 || len >= SKIFF_BLOCK_NAME_SIZE)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (!((rest[i] >= 'a' && rest[i] <= 'z') || (rest[i] >= 'A' && rest[i] <= 'Z') ||
              (rest[i] >= '0' && rest[i] <= '9')))
            return NULL;
    memcpy(name, rest, len);
    name[len] = '\0';
    return eq ? eq + 1 : rest + len;
}

static struct skiff_cli_block *find_block(struct skiff_cli *cli, const char *name)
{
    for (unsigned i = 0; i < cli->block_count; i++)
        if (strcmp(cli->blocks[i].name, name) == 0)
            return &cli->blocks[i];
    return NULL;
}

static enum skiff_cli_result opt_block(struct skiff_cli *cli, const char *arg, const char *rest,
                                       FILE *err)
{
    char name[SKIFF_BLOCK_NAME_SIZE];
    const char *path = block_name(rest, name);
    if (!path)
        return fail(err,
                    INVALID "block device name must be 1-%u characters of [A-Za-z0-9] "
                            "(e.g. --block:storage=disk.img)",
                    arg, SKIFF_BLOCK_NAME_SIZE - 1);
    if (*path == '\0')
        return fail(err, INVALID "missing file (use --block:%s=PATH)", arg, name);
    if (find_block(cli, name))
        return fail(err, "%s: block device '%s' given twice", arg, name);
    if (cli->block_count == SKIFF_MAX_BLOCKS)
        return fail(err, "%s: too many --block options (at most %u)", arg, SKIFF_MAX_BLOCKS);
    struct skiff_cli_block *b = &cli->blocks[cli->block_count++];
    memcpy(b->name, name, sizeof name);
    b->path = path;
    b->block_size = 512;
    return SKIFF_CLI_RUN;
}

static enum skiff_cli_result opt_block_size(struct pending_size *sizes, unsigned *count,
                                            const char *arg, const char *rest, FILE *err)
{
    char name[SKIFF_BLOCK_NAME_SIZE];
    const char *v = block_name(rest, name);
    uint64_t n;
    if (!v)
        return fail(err,
                    INVALID "block device name must be 1-%u characters of [A-Za-z0-9] "
                            "(e.g. --block-sector-size:storage=4096)",
                    arg, SKIFF_BLOCK_NAME_SIZE - 1);
    if (!parse_u64(v, &n))
        return fail(err, INVALID "not a whole number of bytes (e.g. =4096)", arg);
    if (n < 512 || n > 65536 || (n & (n - 1)) != 0)
        return fail(err,
                    "%s: Block size must be a multiple of 2 greater than or equal 512 (a power "
                    "of 2 from 512 to 65536)",
                    arg);
    for (unsigned i = 0; i < *count; i++)
        if (strcmp(sizes[i].name, name) == 0)
            return fail(err, "%s: block size of '%s' given twice", arg, name);
    if (*count == SKIFF_MAX_BLOCKS)
        return fail(err, "%s: too many --block-sector-size options", arg);
    memcpy(sizes[*count].name, name, sizeof name);
    sizes[*count].size = (uint32_t)n;
    sizes[*count].arg = arg;
    (*count)++;
    return SKIFF_CLI_RUN;
}

/* Do two --net values name the same TAP or fd ("@3" and "@03" do)? */
static bool same_device(const char *a, const char *b)
{
    uint64_t x, y;
    if (a[0] == '@' && b[0] == '@' && parse_u64(a + 1, &x) && parse_u64(b + 1, &y))
        return x == y;
    return strcmp(a, b) == 0;
}

enum skiff_cli_result skiff_cli_parse(int argc, char **argv, struct skiff_cli *cli, FILE *out,
                                      FILE *err)
{
    struct pending_mac macs[SKIFF_MAX_NICS];
    struct pending_rate rates[SKIFF_MAX_NICS];
    struct pending_pcap pcaps[SKIFF_MAX_NICS];
    struct pending_limit plimits[SKIFF_MAX_NICS];
    unsigned pcap_count = 0, plimit_count = 0;
    static struct pending_size sizes[SKIFF_MAX_BLOCKS];
    unsigned mac_count = 0, rate_count = 0, size_count = 0;
    bool have_spin = false;
    enum skiff_cli_result r;

    memset(cli, 0, sizeof *cli);
    cli->mem_bytes = (uint64_t)SKIFF_MEM_DEFAULT_MB << 20;
    cli->io_mode = SKIFF_IO_EVENT;
    cli->spin_ns = (uint64_t)SKIFF_SPIN_US_DEFAULT * 1000;
    /* io_uring is opt-in: no gain measured yet (docs/analysis/packet-rate.md), and an
     * older kernel may refuse its non-blocking TAP reads. */
    cli->io_uring = SKIFF_IO_URING_OFF;
    cli->target = SKIFF_TARGET_ANY;
    cli->prog = "skiff";
    if (argc > 0 && argv[0] != NULL) {
        const char *slash = strrchr(argv[0], '/');
        const char *name = slash ? slash + 1 : argv[0];
        if (solo5_name(name)) {
            cli->solo5 = true;
            cli->target = name[6] == 's' ? SKIFF_TARGET_SPT : SKIFF_TARGET_HVT;
            cli->prog = name;
        }
    }
    /* As Solo5's tenders: --help and --version anywhere before the kernel
     * win over every other option (Solo5 looks for them first). */
    for (int i = 1; cli->solo5 && i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0;
         i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(err, cli->prog);
            return SKIFF_CLI_ERROR; /* Solo5: usage on stderr, status 1 */
        }
        if (strcmp(argv[i], "--version") == 0)
            return SKIFF_CLI_VERSION;
    }

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--") == 0) {
            /* Before the image: the image follows (Solo5's form). After
             * it (skiff's form): the guest's arguments follow. */
            if (!cli->image) {
                if (i + 1 >= argc)
                    break; /* reported as a missing image below */
                cli->image = argv[++i];
            }
            cli->guest_argv = argv + i + 1;
            cli->guest_argc = argc - i - 1;
            break;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (cli->image || cli->solo5) {
                /* Solo5: every word after the kernel is the guest's;
                 * skiff: the first non-option word after the image starts
                 * the guest's arguments. */
                if (!cli->image)
                    cli->image = argv[i++];
                cli->guest_argv = argv + i;
                cli->guest_argc = argc - i;
                break;
            }
            cli->image = a;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            if (cli->solo5) { /* Solo5 knows no -h: usage and status 1 all the same */
                usage(err, cli->prog);
                return SKIFF_CLI_ERROR;
            }
            usage(out, cli->prog);
            return SKIFF_CLI_EXIT;
        }
        if (strcmp(a, "--version") == 0)
            return SKIFF_CLI_VERSION;
        if (strcmp(a, "--check") == 0)
            return SKIFF_CLI_CHECK;
        if (strncmp(a, "--mem=", 6) == 0) {
            r = opt_mem(cli, a, a + 6, err);
        } else if (strncmp(a, "--net:", 6) == 0) {
            r = opt_net(cli, a, a + 6, err);
        } else if (strncmp(a, "--net-mac:", 10) == 0) {
            r = opt_net_mac(macs, &mac_count, a, a + 10, err);
        } else if (strncmp(a, "--pcap-limit:", 13) == 0) {
            r = opt_pcap_limit(plimits, &plimit_count, a, a + 13, err);
        } else if (strncmp(a, "--pcap:", 7) == 0) {
            r = opt_pcap(pcaps, &pcap_count, a, a + 7, err);
        } else if (strncmp(a, "--pcap=", 7) == 0 || strcmp(a, "--pcap") == 0) {
            return fail(err, "%s: name the NIC (use --pcap:NAME=FILE)", a);
        } else if (strncmp(a, "--net-rate:", 11) == 0) {
            r = opt_net_rate(rates, &rate_count, a, a + 11, err);
        } else if (strncmp(a, "--io=", 5) == 0) {
            static const struct choice modes[] = { { "event", SKIFF_IO_EVENT },
                                                   { "poll", SKIFF_IO_POLL },
                                                   { "direct", SKIFF_IO_DIRECT } };
            if (!opt_choice(a, 5, modes, 3, &cli->io_mode))
                return fail(err, "%s: unknown I/O mode (use --io=event, --io=poll or --io=direct)",
                            a);
            cli->io_given = true;
            r = SKIFF_CLI_RUN;
        } else if (strncmp(a, "--io-uring=", 11) == 0) {
            static const struct choice urings[] = { { "auto", SKIFF_IO_URING_AUTO },
                                                    { "on", SKIFF_IO_URING_ON },
                                                    { "off", SKIFF_IO_URING_OFF } };
            if (!opt_choice(a, 11, urings, 3, &cli->io_uring))
                return fail(err,
                            "%s: unknown value (use --io-uring=auto, --io-uring=on or "
                            "--io-uring=off)",
                            a);
            r = SKIFF_CLI_RUN;
        } else if (strncmp(a, "--spin-us=", 10) == 0) {
            uint64_t us;
            /* 0 is refused: the I/O side reads spin 0 as "default" */
            if (!parse_u64(a + 10, &us) || us < 1 || us > SKIFF_SPIN_US_MAX)
                return fail(err, "%s: spin time must be 1..%u microseconds", a, SKIFF_SPIN_US_MAX);
            cli->spin_ns = us * 1000;
            have_spin = true;
            r = SKIFF_CLI_RUN;
        } else if (strcmp(a, "--stats") == 0) {
            cli->stats = true;
            r = SKIFF_CLI_RUN;
        } else if (strncmp(a, "--stats=", 8) == 0) {
            if (a[8] == '\0')
                return fail(err, "--stats=: missing file name (use --stats or "
                                 "--stats=FILE)");
            cli->stats = true;
            cli->stats_file = a + 8;
            r = SKIFF_CLI_RUN;
        } else if (strcmp(a, "--mem") == 0 || strcmp(a, "--io") == 0 ||
                   strcmp(a, "--spin-us") == 0) {
            return fail(err, INVALID "it needs a value joined with '=' (e.g. %s=...)", a, a);
        } else if (strncmp(a, "--net-rate=", 11) == 0 || strcmp(a, "--net-rate") == 0) {
            return fail(err, "%s: name the NIC (use --net-rate:NAME=LIMIT,...)", a);
        } else if (strncmp(a, "--block:", 8) == 0) {
            r = opt_block(cli, a, a + 8, err);
        } else if (strncmp(a, "--block-sector-size:", 20) == 0) {
            r = opt_block_size(sizes, &size_count, a, a + 20, err);
        } else if (strncmp(a, "--net=", 6) == 0 || strcmp(a, "--net") == 0) {
            return fail(err, INVALID "name the NIC (use --net:NAME=IFACE)", a);
        } else {
            return fail(err, INVALID "unknown option (see %s --help)", a, cli->prog);
        }
        if (r != SKIFF_CLI_RUN)
            return r;
    }

    if (!cli->image)
        return fail(err,
                    "Missing KERNEL operand (usage: %s [OPTIONS] [--] IMAGE "
                    "[ARGS]; see %s --help)",
                    cli->prog, cli->prog);
    if (have_spin && cli->io_mode != SKIFF_IO_POLL)
        return fail(err, "--spin-us only applies to --io=poll (drop it or add "
                         "--io=poll)");
    for (unsigned i = 0; i < size_count; i++) {
        struct skiff_cli_block *b = find_block(cli, sizes[i].name);
        if (!b)
            return fail(err, "%s: no --block:%s=... option for that device", sizes[i].arg,
                        sizes[i].name);
        b->block_size = sizes[i].size;
    }
    for (unsigned i = 0; i < mac_count; i++) {
        struct skiff_cli_net *n = find_net(cli, macs[i].name);
        if (!n)
            return fail(err, "--net-mac:%s: no --net:%s=... option for that NIC", macs[i].name,
                        macs[i].name);
        n->has_mac = true;
        memcpy(n->mac, macs[i].mac, 6);
    }
    for (unsigned i = 0; i < pcap_count; i++) {
        struct skiff_cli_net *n = find_net(cli, pcaps[i].name);
        if (!n)
            return fail(err, "--pcap:%s=%s: no --net:%s=... option for that NIC", pcaps[i].name,
                        pcaps[i].path, pcaps[i].name);
        n->pcap = pcaps[i].path;
    }
    for (unsigned i = 0; i < plimit_count; i++) {
        struct skiff_cli_net *n = find_net(cli, plimits[i].name);
        if (!n || !n->pcap)
            return fail(err, "--pcap-limit:%s: no --pcap:%s=FILE option for that NIC",
                        plimits[i].name, plimits[i].name);
        n->pcap_limit = plimits[i].bytes;
    }
    for (unsigned i = 0; i < rate_count; i++) {
        struct skiff_cli_net *n = find_net(cli, rates[i].name);
        if (!n)
            return fail(err, "--net-rate:%s: no --net:%s=... option for that NIC", rates[i].name,
                        rates[i].name);
        if (cli->io_mode == SKIFF_IO_DIRECT)
            return fail(err,
                        "%s: --io=direct has no I/O thread to limit rates (use "
                        "--io=event or --io=poll)",
                        rates[i].arg);
        n->has_rate = true;
        n->rate = rates[i].rate;
    }
    /* One TAP or fd per NIC: a second attach of the same device would fail
     * later with a confusing kernel error. */
    for (unsigned i = 0; i < cli->net_count; i++)
        for (unsigned j = 0; j < i; j++)
            if (same_device(cli->nets[i].spec, cli->nets[j].spec))
                return fail(err,
                            "--net:%s=%s: NIC '%s' already uses that device (--net:%s=%s); "
                            "one TAP or fd per NIC",
                            cli->nets[i].name, cli->nets[i].spec, cli->nets[j].name,
                            cli->nets[j].name, cli->nets[j].spec);
    return SKIFF_CLI_RUN;
}

int skiff_cli_cmdline(const struct skiff_cli *cli, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return -1;
    buf[0] = '\0';
    for (int i = 0; i < cli->guest_argc; i++) {
        size_t n = strlen(cli->guest_argv[i]);
        size_t need = n + (i > 0);
        if (used + need + 1 > len)
            return -1;
        if (i > 0)
            buf[used++] = ' ';
        memcpy(buf + used, cli->guest_argv[i], n);
        used += n;
        buf[used] = '\0';
    }
    return 0;
}
