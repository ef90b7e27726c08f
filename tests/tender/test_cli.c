/*
 * Command line tests: defaults, every option, and every usage error (each
 * must be one "skiff: error: ..." line and exit code 1 at the caller).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "core/elf_load.h"
#include "net/nic.h"
#include "core/layout.h"

static struct skiff_cli cli;
static char out_buf[8192], err_buf[1024];

/* Parse a NULL-terminated argument list (argv[0] = "skiff" added). */
static const char *prog_name = "skiff";

static enum skiff_cli_result run(const char *first, ...)
{
    static char *argv[64];
    int argc = 0;
    va_list ap;
    argv[argc++] = (char *)(uintptr_t)prog_name;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *))
        argv[argc++] = (char *)(uintptr_t)a;
    va_end(ap);
    argv[argc] = NULL;

    memset(out_buf, 0, sizeof out_buf);
    memset(err_buf, 0, sizeof err_buf);
    FILE *out = fmemopen(out_buf, sizeof out_buf - 1, "w");
    FILE *err = fmemopen(err_buf, sizeof err_buf - 1, "w");
    assert_non_null(out);
    assert_non_null(err);
    enum skiff_cli_result r = skiff_cli_parse(argc, argv, &cli, out, err);
    fclose(out);
    fclose(err);
    return r;
}

#define EXPECT_ERROR(needle, ...) expect_error(needle, __VA_ARGS__, (const char *)NULL)

static void expect_error(const char *needle, const char *first, ...)
{
    static char *argv[64];
    int argc = 0;
    va_list ap;
    argv[argc++] = (char *)(uintptr_t) "skiff";
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *))
        argv[argc++] = (char *)(uintptr_t)a;
    va_end(ap);

    memset(err_buf, 0, sizeof err_buf);
    FILE *err = fmemopen(err_buf, sizeof err_buf - 1, "w");
    FILE *out = fopen("/dev/null", "w");
    assert_int_equal(skiff_cli_parse(argc, argv, &cli, out, err), SKIFF_CLI_ERROR);
    fclose(out);
    fclose(err);
    if (strncmp(err_buf, "skiff: error: ", 14) != 0)
        fail_msg("error \"%s\" lacks the prefix", err_buf);
    char *nl = strchr(err_buf, '\n');
    if (!nl || nl[1] != '\0')
        fail_msg("error \"%s\" is not exactly one line", err_buf);
    if (!strstr(err_buf, needle))
        fail_msg("error \"%s\" does not mention \"%s\"", err_buf, needle);
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(run("img", NULL), SKIFF_CLI_RUN);
    assert_string_equal(cli.image, "img");
    assert_int_equal(cli.mem_bytes, (uint64_t)SKIFF_MEM_DEFAULT_MB << 20);
    assert_int_equal(cli.io_mode, SKIFF_IO_EVENT);
    assert_int_equal(cli.spin_ns, SKIFF_SPIN_US_DEFAULT * 1000ull);
    assert_false(cli.stats);
    assert_null(cli.stats_file);
    assert_int_equal(cli.net_count, 0);
    assert_int_equal(cli.guest_argc, 0);
}

static void test_help_version(void **state)
{
    (void)state;
    assert_int_equal(run("--help", NULL), SKIFF_CLI_EXIT);
    assert_non_null(strstr(out_buf, "usage: skiff"));
    assert_non_null(strstr(out_buf, "--net:NAME=IFACE"));
    assert_int_equal(run("-h", NULL), SKIFF_CLI_EXIT);
    assert_int_equal(run("--version", NULL), SKIFF_CLI_VERSION);
    assert_int_equal(run("--check", NULL), SKIFF_CLI_CHECK);
    assert_string_equal(err_buf, "");
}

static void test_all_options(void **state)
{
    (void)state;
    assert_int_equal(run("--mem=128", "--net:wan=tap0", "--net:lan=@3",
                         "--net-mac:lan=02:00:00:AB:cd:01", "--io=poll", "--spin-us=20",
                         "--stats=out.json", "img.spt", "--", "-a", "b c", NULL),
                     SKIFF_CLI_RUN);
    assert_int_equal(cli.mem_bytes, 128ull << 20);
    assert_int_equal(cli.net_count, 2);
    assert_string_equal(cli.nets[0].name, "wan");
    assert_string_equal(cli.nets[0].spec, "tap0");
    assert_false(cli.nets[0].has_mac);
    assert_string_equal(cli.nets[1].name, "lan");
    assert_string_equal(cli.nets[1].spec, "@3");
    assert_true(cli.nets[1].has_mac);
    const uint8_t mac[6] = { 0x02, 0, 0, 0xab, 0xcd, 0x01 };
    assert_memory_equal(cli.nets[1].mac, mac, 6);
    assert_int_equal(cli.io_mode, SKIFF_IO_POLL);
    assert_int_equal(cli.spin_ns, 20000);
    assert_true(cli.stats);
    assert_string_equal(cli.stats_file, "out.json");
    assert_string_equal(cli.image, "img.spt");
    assert_int_equal(cli.guest_argc, 2);
    assert_string_equal(cli.guest_argv[0], "-a");

    char buf[64];
    assert_int_equal(skiff_cli_cmdline(&cli, buf, sizeof buf), 0);
    assert_string_equal(buf, "-a b c");
    assert_int_equal(skiff_cli_cmdline(&cli, buf, 6), -1);
    assert_int_equal(skiff_cli_cmdline(&cli, buf, 7), 0);

    assert_non_null(skiff_cli_find_net(&cli, "lan"));
    assert_null(skiff_cli_find_net(&cli, "dmz"));
}

static void test_option_order(void **state)
{
    (void)state;
    /* options after the image, and --net-mac before its --net */
    assert_int_equal(
        run("--net-mac:a=02:00:00:00:00:09", "img", "--net:a=tap1", "--io=direct", "--stats", NULL),
        SKIFF_CLI_RUN);
    assert_true(cli.nets[0].has_mac);
    assert_int_equal(cli.nets[0].mac[5], 9);
    assert_int_equal(cli.io_mode, SKIFF_IO_DIRECT);
    assert_true(cli.stats);
    assert_null(cli.stats_file);
    /* after "--" everything belongs to the guest, option-like or not */
    assert_int_equal(run("img", "--", "--mem=1", NULL), SKIFF_CLI_RUN);
    assert_int_equal(cli.guest_argc, 1);
    assert_int_equal(cli.mem_bytes, (uint64_t)SKIFF_MEM_DEFAULT_MB << 20);
    assert_int_equal(run("--io=event", "img", NULL), SKIFF_CLI_RUN);
    assert_int_equal(cli.io_mode, SKIFF_IO_EVENT);
    assert_int_equal(run("--spin-us=1", "--io=poll", "img", NULL), SKIFF_CLI_RUN);
    assert_int_equal(cli.spin_ns, 1000);
    assert_int_equal(run("img", NULL), SKIFF_CLI_RUN);
    assert_int_equal(cli.io_uring, SKIFF_IO_URING_OFF); /* opt-in */
    assert_int_equal(run("--io-uring=off", "img", NULL), SKIFF_CLI_RUN);
    assert_int_equal(cli.io_uring, SKIFF_IO_URING_OFF);
    assert_int_equal(run("--io-uring=on", "--io=poll", "img", NULL), SKIFF_CLI_RUN);
    assert_int_equal(cli.io_uring, SKIFF_IO_URING_ON);
    assert_int_equal(run("--io-uring=auto", "img", NULL), SKIFF_CLI_RUN);
    assert_int_equal(cli.io_uring, SKIFF_IO_URING_AUTO);
}

static void test_usage_errors(void **state)
{
    (void)state;
    EXPECT_ERROR("Missing KERNEL operand", "--mem=64");
    EXPECT_ERROR("Missing KERNEL operand", "--");
    EXPECT_ERROR("Invalid option: `--bogus': unknown option", "--bogus", "img");
    EXPECT_ERROR("Invalid option: `-x'", "-x", "img");
    EXPECT_ERROR("Invalid option: `--mem': it needs a value", "--mem", "img");
    EXPECT_ERROR("needs a value", "--io", "img");
    EXPECT_ERROR("name the NIC", "--net=tap0", "img");
}

/* Solo5's forms: [--] KERNEL [ARGS]; as solo5-spt/-hvt every word after
 * the kernel is the guest's, and the name picks the target. */
static void test_solo5_forms(void **state)
{
    (void)state;
    assert_int_equal(run("--", "img", "a", "b", NULL), SKIFF_CLI_RUN);
    assert_string_equal(cli.image, "img");
    assert_int_equal(cli.guest_argc, 2);
    assert_string_equal(cli.guest_argv[0], "a");
    assert_false(cli.solo5);
    assert_int_equal(cli.target, SKIFF_TARGET_ANY);
    /* skiff: a word after the image starts the guest arguments, options
     * there are still skiff's */
    assert_int_equal(run("img", "--mem=8", "extra", "--mem=9", NULL), SKIFF_CLI_RUN);
    assert_int_equal(cli.mem_bytes, 8ull << 20);
    assert_int_equal(cli.guest_argc, 2);
    assert_string_equal(cli.guest_argv[1], "--mem=9");
    assert_int_equal(run("img", "--", "--x", NULL), SKIFF_CLI_RUN);
    assert_string_equal(cli.guest_argv[0], "--x");

    prog_name = "/usr/local/bin/solo5-hvt";
    assert_int_equal(run("--mem=2", "img", "--", "--mem=3", NULL), SKIFF_CLI_RUN);
    assert_true(cli.solo5);
    assert_int_equal(cli.target, SKIFF_TARGET_HVT);
    assert_int_equal(cli.mem_bytes, 2ull << 20);
    assert_int_equal(cli.guest_argc, 2);
    assert_string_equal(cli.guest_argv[0], "--");
    assert_int_equal(run("--mem=1", "--net:service=@0", "--", "img", NULL), SKIFF_CLI_RUN);
    assert_int_equal(cli.guest_argc, 0);
    prog_name = "/var/db/albatross/solo5-hvt.1397424132"; /* albatross's name */
    assert_int_equal(run("img", NULL), SKIFF_CLI_RUN);
    assert_true(cli.solo5);
    assert_int_equal(cli.target, SKIFF_TARGET_HVT);
    prog_name = "solo5-hvt.x";
    assert_int_equal(run("img", NULL), SKIFF_CLI_RUN);
    assert_false(cli.solo5);
    prog_name = "solo5-spt";
    assert_int_equal(run("img", NULL), SKIFF_CLI_RUN);
    assert_int_equal(cli.target, SKIFF_TARGET_SPT);
    /* Solo5's --help: usage on stderr, status 1; --help and --version
     * before the kernel win over any other option; after it they are the
     * guest's */
    assert_int_equal(run("--help", NULL), SKIFF_CLI_ERROR);
    assert_non_null(strstr(err_buf, "usage: solo5-spt [OPTIONS] [--] KERNEL [ARGS]"));
    assert_string_equal(out_buf, "");
    assert_int_equal(run("--bogus", "--help", "img", NULL), SKIFF_CLI_ERROR);
    assert_non_null(strstr(err_buf, "usage: solo5-spt"));
    assert_int_equal(run("-h", NULL), SKIFF_CLI_ERROR);
    assert_non_null(strstr(err_buf, "usage: solo5-spt"));
    assert_int_equal(run("--mem=x", "--version", "img", NULL), SKIFF_CLI_VERSION);
    assert_int_equal(run("img", "--version", NULL), SKIFF_CLI_RUN);
    assert_int_equal(cli.guest_argc, 1);
    assert_int_equal(run("--", "--version", NULL), SKIFF_CLI_RUN);
    assert_string_equal(cli.image, "--version");
    prog_name = "skiff";
}

static void test_block_options(void **state)
{
    (void)state;
    assert_int_equal(run("--block:storage=disk.img", "--block-sector-size:storage=4096",
                         "--block:b2=/dev/x", "img", NULL),
                     SKIFF_CLI_RUN);
    assert_int_equal(cli.block_count, 2);
    assert_string_equal(cli.blocks[0].name, "storage");
    assert_string_equal(cli.blocks[0].path, "disk.img");
    assert_int_equal(cli.blocks[0].block_size, 4096);
    assert_int_equal(cli.blocks[1].block_size, 512);
    EXPECT_ERROR("block device name", "--block:bad_name=x", "img");
    EXPECT_ERROR("block device name", "--block:=x", "img");
    EXPECT_ERROR("missing file", "--block:s=", "img");
    EXPECT_ERROR("given twice", "--block:s=a", "--block:s=b", "img");
    EXPECT_ERROR("Block size must be a multiple of 2 greater than or equal 512", "--block:s=a",
                 "--block-sector-size:s=521", "img");
    EXPECT_ERROR("power of 2", "--block:s=a", "--block-sector-size:s=256", "img");
    EXPECT_ERROR("not a whole number", "--block:s=a", "--block-sector-size:s=4k", "img");
    EXPECT_ERROR("no --block:t=", "--block:s=a", "--block-sector-size:t=4096", "img");
}

static void test_mem_errors(void **state)
{
    (void)state;
    EXPECT_ERROR("Malformed argument to --mem", "--mem=abc", "img");
    EXPECT_ERROR("Malformed argument to --mem", "--mem=0", "img");
    EXPECT_ERROR("not a whole number", "--mem=", "img");
    EXPECT_ERROR("not a whole number", "--mem=-5", "img");
    EXPECT_ERROR("not a whole number", "--mem=64M", "img");
    EXPECT_ERROR("not a whole number", "--mem=99999999999999999999999", "img");
    EXPECT_ERROR("must be", "--mem=1", "img");
    EXPECT_ERROR("exceeds the max size", "--mem=999999", "img");
    assert_int_equal(run("--mem=4", "img", NULL), SKIFF_CLI_RUN);
    assert_int_equal(run("--mem=4096", "img", NULL), SKIFF_CLI_RUN);
}

static void test_net_errors(void **state)
{
    (void)state;
    EXPECT_ERROR("NIC name", "--net:=tap0", "img");
    EXPECT_ERROR("NIC name", "--net:bad-name=tap0", "img");
    EXPECT_ERROR("NIC name", "--net:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=tap0", "img");
    EXPECT_ERROR("Invalid option: `--net:lan': missing TAP device", "--net:lan", "img");
    EXPECT_ERROR("missing TAP device", "--net:lan=", "img");
    EXPECT_ERROR("given twice", "--net:lan=tap0", "--net:lan=tap1", "img");
    EXPECT_ERROR("not a file descriptor", "--net:lan=@", "img");
    EXPECT_ERROR("not a file descriptor", "--net:lan=@x3", "img");
    EXPECT_ERROR("not a file descriptor", "--net:lan=@99999999999", "img");
    EXPECT_ERROR("stdin/stdout/stderr", "--net:lan=@1", "img");
    EXPECT_ERROR("longer than 15", "--net:lan=abcdefghijklmnop", "img");
    EXPECT_ERROR("not a valid interface name", "--net:lan=../x", "img");
    EXPECT_ERROR("too many --net", "--net:a=t", "--net:b=t", "--net:c=t", "--net:d=t", "--net:e=t",
                 "--net:f=t", "--net:g=t", "--net:h=t", "--net:i=t", "img");
}

static void test_mac_errors(void **state)
{
    (void)state;
    EXPECT_ERROR("Invalid option: `--net-mac:a=02:00:00:00:00': bad MAC", "--net:a=t",
                 "--net-mac:a=02:00:00:00:00", "img");
    EXPECT_ERROR("bad MAC", "--net:a=t", "--net-mac:a=02:00:00:00:00:0g", "img");
    EXPECT_ERROR("bad MAC", "--net:a=t", "--net-mac:a=02:00:00:00:00:001", "img");
    EXPECT_ERROR("bad MAC", "--net:a=t", "--net-mac:a=2:0:0:0:0:1", "img");
    EXPECT_ERROR("bad MAC", "--net:a=t", "--net-mac:a", "img");
    EXPECT_ERROR("multicast", "--net:a=t", "--net-mac:a=01:00:5e:00:00:01", "img");
    EXPECT_ERROR("all-zero", "--net:a=t", "--net-mac:a=00:00:00:00:00:00", "img");
    EXPECT_ERROR("given twice", "--net:a=t", "--net-mac:a=02:00:00:00:00:01",
                 "--net-mac:a=02:00:00:00:00:02", "img");
    EXPECT_ERROR("no --net:b=", "--net:a=t", "--net-mac:b=02:00:00:00:00:01", "img");
    EXPECT_ERROR("NIC name", "--net-mac:=02:00:00:00:00:01", "img");
}

static void test_io_spin_stats_errors(void **state)
{
    (void)state;
    EXPECT_ERROR("unknown I/O mode", "--io=fast", "img");
    EXPECT_ERROR("unknown I/O mode", "--io=", "img");
    EXPECT_ERROR("only applies to --io=poll", "--spin-us=5", "img");
    EXPECT_ERROR("only applies to --io=poll", "--spin-us=5", "--io=direct", "img");
    EXPECT_ERROR("1..1000000", "--io=poll", "--spin-us=x", "img");
    EXPECT_ERROR("1..1000000", "--io=poll", "--spin-us=0", "img");
    EXPECT_ERROR("1..1000000", "--io=poll", "--spin-us=1000001", "img");
    EXPECT_ERROR("missing file name", "--stats=", "img");
    EXPECT_ERROR("--io-uring=yes: unknown value", "--io-uring=yes", "img");
    EXPECT_ERROR("--io-uring=: unknown value", "--io-uring=", "img");
}

static void test_net_rate(void **state)
{
    (void)state;
    assert_int_equal(run("--net-rate:lan=tx-bytes=100M,rx-frames=50k,burst-ms=20", "--net:wan=t0",
                         "--net:lan=t1", "--net-rate:wan=rx-bytes=1G", "img", NULL),
                     SKIFF_CLI_RUN);
    assert_false(cli.nets[0].rate.tx_bytes);
    assert_true(cli.nets[0].has_rate);
    assert_int_equal(cli.nets[0].rate.rx_bytes, 1000000000ull);
    assert_true(cli.nets[1].has_rate);
    assert_int_equal(cli.nets[1].rate.tx_bytes, 100000000ull);
    assert_int_equal(cli.nets[1].rate.rx_frames, 50000);
    assert_int_equal(cli.nets[1].rate.tx_frames, 0);
    assert_int_equal(cli.nets[1].rate.burst_ms, 20);
    assert_int_equal(run("--net:a=t", "--net-rate:a=tx-frames=7", "--io=poll", "img", NULL),
                     SKIFF_CLI_RUN);
    assert_int_equal(cli.nets[0].rate.tx_frames, 7);
    assert_int_equal(cli.nets[0].rate.burst_ms, 0); /* default */
    assert_int_equal(run("--net:a=t", "img", NULL), SKIFF_CLI_RUN);
    assert_false(cli.nets[0].has_rate);
    assert_int_equal(run("--help", NULL), SKIFF_CLI_EXIT);
    assert_non_null(strstr(out_buf, "--net-rate:NAME="));

    EXPECT_ERROR("no --net:b=", "--net:a=t", "--net-rate:b=tx-frames=1", "img");
    EXPECT_ERROR("--io=direct", "--net:a=t", "--net-rate:a=tx-frames=1", "--io=direct", "img");
    EXPECT_ERROR("unknown limit 'tx-bits'", "--net:a=t", "--net-rate:a=tx-bits=1", "img");
    EXPECT_ERROR("not KEY=VALUE", "--net:a=t", "--net-rate:a=fast", "img");
    EXPECT_ERROR("not a rate", "--net:a=t", "--net-rate:a=tx-frames=0", "img");
    EXPECT_ERROR("not a rate", "--net:a=t", "--net-rate:a=tx-frames=12x", "img");
    EXPECT_ERROR("not a rate", "--net:a=t", "--net-rate:a=tx-frames=", "img");
    EXPECT_ERROR("not a rate", "--net:a=t", "--net-rate:a=tx-frames=2000G", "img");
    EXPECT_ERROR("given twice", "--net:a=t", "--net-rate:a=tx-frames=1,tx-frames=2", "img");
    EXPECT_ERROR("given twice", "--net:a=t", "--net-rate:a=tx-frames=1", "--net-rate:a=rx-frames=2",
                 "img");
    EXPECT_ERROR("burst-ms must be", "--net:a=t", "--net-rate:a=tx-frames=1,burst-ms=0", "img");
    EXPECT_ERROR("burst-ms must be", "--net:a=t", "--net-rate:a=tx-frames=1,burst-ms=20000", "img");
    EXPECT_ERROR("no limit given", "--net:a=t", "--net-rate:a=burst-ms=5", "img");
    EXPECT_ERROR("trailing", "--net:a=t", "--net-rate:a=tx-frames=1,", "img");
    EXPECT_ERROR("missing limits", "--net:a=t", "--net-rate:a=", "img");
    EXPECT_ERROR("name the NIC", "--net:a=t", "--net-rate=tx-frames=1", "img");
}

static void test_pcap(void **state)
{
    (void)state;
    assert_int_equal(run("--pcap:lan=l.pcap", "--net:wan=t0", "--net:lan=t1", "img", NULL),
                     SKIFF_CLI_RUN);
    assert_null(cli.nets[0].pcap);
    assert_string_equal(cli.nets[1].pcap, "l.pcap");
    /* Parsing opens nothing; the target (spt --io=direct refuses) is known later. */
    assert_int_equal(run("--net:a=t", "--pcap:a=/x/y=z", "--io=direct", "img", NULL),
                     SKIFF_CLI_RUN);
    assert_string_equal(cli.nets[0].pcap, "/x/y=z");
    assert_int_equal(run("--help", NULL), SKIFF_CLI_EXIT);
    assert_non_null(strstr(out_buf, "--pcap:NAME=FILE"));

    EXPECT_ERROR("no --net:b=", "--net:a=t", "--pcap:b=f", "img");
    EXPECT_ERROR("missing file", "--net:a=t", "--pcap:a=", "img");
    EXPECT_ERROR("missing file", "--net:a=t", "--pcap:a", "img");
    EXPECT_ERROR("captured twice", "--net:a=t", "--pcap:a=f", "--pcap:a=g", "img");
    EXPECT_ERROR("name the NIC", "--net:a=t", "--pcap=f", "img");
    EXPECT_ERROR("name the NIC", "--net:a=t", "--pcap", "img");
    EXPECT_ERROR("NIC name must be", "--net:a=t", "--pcap:a-b=f", "img");
    assert_int_equal(run("--net:a=t", "--pcap-limit:a=5M", "--pcap:a=f", "img", NULL),
                     SKIFF_CLI_RUN);
    assert_int_equal(cli.nets[0].pcap_limit, 5000000ull);
    EXPECT_ERROR("no --pcap:a=FILE", "--net:a=t", "--pcap-limit:a=5M", "img");
    EXPECT_ERROR("at least 4096", "--net:a=t", "--pcap:a=f", "--pcap-limit:a=4095", "img");
    EXPECT_ERROR("at least 4096", "--net:a=t", "--pcap:a=f", "--pcap-limit:a=", "img");
    EXPECT_ERROR("given twice", "--net:a=t", "--pcap:a=f", "--pcap-limit:a=1M", "--pcap-limit:a=2M",
                 "img");
}

static void test_same_device_twice(void **state)
{
    (void)state;
    EXPECT_ERROR("NIC 'wan' already uses that device (--net:wan=tap0)", "--net:wan=tap0",
                 "--net:lan=tap0", "img");
    EXPECT_ERROR("already uses that device (--net:wan=@3)", "--net:wan=@3", "--net:lan=@3", "img");
    EXPECT_ERROR("--net:lan=@03: NIC 'wan' already uses", "--net:wan=@3", "--net:lan=@03", "img");
    assert_int_equal(run("--net:wan=@3", "--net:lan=@4", "img", NULL), SKIFF_CLI_RUN);
}

static void test_cmdline_limits(void **state)
{
    (void)state;
    char big[SKIFF_CMDLINE_MAX + 1];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(run("img", "--", big, NULL), SKIFF_CLI_RUN);
    char *buf = malloc(SKIFF_CMDLINE_MAX);
    assert_int_equal(skiff_cli_cmdline(&cli, buf, SKIFF_CMDLINE_MAX), -1);
    big[SKIFF_CMDLINE_MAX - 1] = '\0'; /* 8191 bytes + NUL fits */
    assert_int_equal(run("img", "--", big, NULL), SKIFF_CLI_RUN);
    assert_int_equal(skiff_cli_cmdline(&cli, buf, SKIFF_CMDLINE_MAX), 0);
    assert_int_equal(run("img", NULL), SKIFF_CLI_RUN);
    assert_int_equal(skiff_cli_cmdline(&cli, buf, SKIFF_CMDLINE_MAX), 0);
    assert_string_equal(buf, "");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_help_version),
        cmocka_unit_test(test_all_options),
        cmocka_unit_test(test_option_order),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_solo5_forms),
        cmocka_unit_test(test_block_options),
        cmocka_unit_test(test_mem_errors),
        cmocka_unit_test(test_net_errors),
        cmocka_unit_test(test_mac_errors),
        cmocka_unit_test(test_io_spin_stats_errors),
        cmocka_unit_test(test_net_rate),
        cmocka_unit_test(test_pcap),
        cmocka_unit_test(test_same_device_twice),
        cmocka_unit_test(test_cmdline_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
