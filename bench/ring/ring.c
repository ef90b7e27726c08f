/*
 * bench/ring: throughput of one lossless SHMStream channel between two
 * threads, next to a memcpy bound measured in the same run.
 *
 *   ring [--quick] [--repeats N] [--seconds S] [--json FILE] [--verbose]
 *        [--size B] [--batch N]
 *
 * Each configuration (frame size x batch x reader mode) is run N times; every
 * repeat measures memcpy bandwidth right before the ring run, so the ratio
 * compares figures taken under the same machine noise. Medians are reported
 * with min/max. What it measures: bench/README.md; figures: docs/results/.
 */
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ring_bench.h"

/* The tender's default geometry (tender/core/layout.h): 256 slots of 2 KiB. */
#define SLOT_SIZE   2048u
#define SLOT_COUNT  256u
#define MAX_REPEATS 101
/* A run in which either thread got less than this share of its CPU was
 * disturbed by other load: it is discarded and run again (a few times). */
#define MIN_CPU_SHARE 0.9
#define MAX_RETRIES   4

/* Targets, as stated in bench/README.md ("How fast is the ring?"). */
#define TARGET_RATIO_1500  0.7
#define TARGET_MFPS_64_B32 50.0

struct row {
    uint32_t frame, batch;
    enum ring_rmode rmode;
    double mfps[3], gbps[3], ratio[3], memcpy_gbps[3]; /* median, min, max */
    double cpu[3];
    int discarded; /* disturbed runs thrown away */
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* out = {median, min, max} of v[0..n). Sorts v. */
static void stats(double *v, int n, double out[3])
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    out[0] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    out[1] = v[0];
    out[2] = v[n - 1];
}

/* First two CPUs we may run on; -1 when there is only one. */
static void pick_cpus(int *cpu_w, int *cpu_r)
{
    cpu_set_t set;
    int found = 0;

    *cpu_w = *cpu_r = -1;
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return;
    for (int c = 0; c < CPU_SETSIZE && found < 2; c++) {
        if (!CPU_ISSET(c, &set))
            continue;
        if (found++ == 0)
            *cpu_w = c;
        else
            *cpu_r = c;
    }
    if (*cpu_r < 0)
        *cpu_w = -1;
}

static const char *mode_name(enum ring_rmode m)
{
    return m == RING_READ_COPY ? "copy" : "peek";
}

static bool verbose;

static int measure(struct row *row, const struct ring_cfg *base, int repeats)
{
    double mfps[MAX_REPEATS], gbps[MAX_REPEATS], ratio[MAX_REPEATS], mc[MAX_REPEATS];
    double cpu[MAX_REPEATS];
    struct ring_cfg cfg = *base;

    cfg.frame = row->frame;
    cfg.batch = row->batch;
    cfg.rmode = row->rmode;
    row->discarded = 0;
    for (int i = 0; i < repeats; i++) {
        struct ring_result res;
        double bound;

        for (int try = 0;; try++) {
            bound = ring_memcpy_gbps(cfg.frame, cfg.slot_size, cfg.elements, cfg.seconds / 4);
            if (ring_run(&cfg, &res) != 0 || res.seconds <= 0 || bound <= 0)
                return -1;
            if (res.cpu_share >= MIN_CPU_SHARE || try == MAX_RETRIES)
                break;
            row->discarded++;
            if (verbose)
                fprintf(stderr, "    (disturbed run discarded: cpu %.2f)\n", res.cpu_share);
        }
        mfps[i] = (double)res.frames / res.seconds / 1e6;
        gbps[i] = mfps[i] * cfg.frame / 1e3;
        mc[i] = bound;
        ratio[i] = gbps[i] / (bound / 2);
        cpu[i] = res.cpu_share;
        if (verbose)
            fprintf(stderr,
                    "    repeat %d: %.2f M frames/s, %.2f GB/s, memcpy %.2f GB/s,"
                    " ratio %.2f, cpu %.2f\n",
                    i + 1, mfps[i], gbps[i], bound, ratio[i], cpu[i]);
    }
    stats(mfps, repeats, row->mfps);
    stats(gbps, repeats, row->gbps);
    stats(ratio, repeats, row->ratio);
    stats(mc, repeats, row->memcpy_gbps);
    stats(cpu, repeats, row->cpu);
    return 0;
}

/* Target verdict for a row, or NULL if no target applies to it. */
static const char *verdict(const struct row *r)
{
    if (r->frame == 1500)
        return r->ratio[0] >= TARGET_RATIO_1500 ? "met" : "MISSED";
    if (r->frame == 64 && r->batch == 32)
        return r->mfps[0] >= TARGET_MFPS_64_B32 ? "met" : "MISSED";
    return NULL;
}

static void print_table(const struct row *rows, int n, int repeats)
{
    printf("\n%5s %5s %4s  %-22s %-19s %-19s %-4s %-4s %s\n", "size", "batch", "mode",
           "Mframes/s med [min-max]", "GB/s med", "ratio to memcpy/2", "cpu", "disc", "target");
    for (int i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        const char *v = verdict(r);
        char target[48] = "-";

        if (v && r->frame == 1500)
            snprintf(target, sizeof(target), "ratio >= %.2f: %s", TARGET_RATIO_1500, v);
        else if (v)
            snprintf(target, sizeof(target), ">= %.0f Mf/s: %s", TARGET_MFPS_64_B32, v);
        printf("%5u %5u %4s  %6.2f [%6.2f-%6.2f]  %5.2f [%5.2f-%5.2f]  "
               "%4.2f [%4.2f-%4.2f]  %4.2f %4d %s\n",
               r->frame, r->batch, mode_name(r->rmode), r->mfps[0], r->mfps[1], r->mfps[2],
               r->gbps[0], r->gbps[1], r->gbps[2], r->ratio[0], r->ratio[1], r->ratio[2], r->cpu[1],
               r->discarded, target);
    }
    printf("\nmemcpy GB/s (single thread, median of the per-repeat runs):");
    for (int i = 0; i < n; i++)
        if (i == 0 || rows[i].frame != rows[i - 1].frame)
            printf(" %u B: %.2f", rows[i].frame, rows[i].memcpy_gbps[0]);
    printf("\ncpu: lowest share of a CPU either thread got in a kept run (below %.1f:"
           " disturbed by other load even after %d retries);\ndisc: disturbed runs"
           " discarded and re-run.",
           MIN_CPU_SHARE, MAX_RETRIES);
    printf("\n%d repeats per row. Targets: 1500 B frames >= %.2f x (memcpy/2);"
           " 64 B frames, batch 32 >= %.0f M frames/s.\n",
           repeats, TARGET_RATIO_1500, TARGET_MFPS_64_B32);
}

static int write_json(const char *path, const struct row *rows, int n, const struct ring_cfg *base,
                      int repeats)
{
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        perror(path);
        return -1;
    }
    fprintf(f,
            "{\"bench\":\"ring\",\"slot_size\":%llu,\"elements\":%llu,"
            "\"seconds\":%.3f,\"repeats\":%d,\"cpu_writer\":%d,\"cpu_reader\":%d,"
            "\"results\":[",
            (unsigned long long)base->slot_size, (unsigned long long)base->elements, base->seconds,
            repeats, base->cpu_w, base->cpu_r);
    for (int i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        const char *v = verdict(r);

        fprintf(f,
                "%s\n{\"frame\":%u,\"batch\":%u,\"mode\":\"%s\","
                "\"mfps\":[%.3f,%.3f,%.3f],\"gbps\":[%.3f,%.3f,%.3f],"
                "\"memcpy_gbps\":[%.3f,%.3f,%.3f],\"ratio\":[%.3f,%.3f,%.3f],"
                "\"cpu_share\":[%.3f,%.3f,%.3f],\"discarded\":%d,\"target\":%s%s%s}",
                i ? "," : "", r->frame, r->batch, mode_name(r->rmode), r->mfps[0], r->mfps[1],
                r->mfps[2], r->gbps[0], r->gbps[1], r->gbps[2], r->memcpy_gbps[0],
                r->memcpy_gbps[1], r->memcpy_gbps[2], r->ratio[0], r->ratio[1], r->ratio[2],
                r->cpu[0], r->cpu[1], r->cpu[2], r->discarded, v ? "\"" : "", v ? v : "null",
                v ? "\"" : "");
    }
    fprintf(f, "\n]}\n");
    return fclose(f) == 0 ? 0 : -1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: ring [--quick] [--repeats N] [--seconds S] [--json FILE]\n"
               "  --quick      short runs (0.2 s, 3 repeats unless --repeats)\n"
               "  --repeats N  runs per configuration (default 5)\n"
               "  --seconds S  length of each run (default 1)\n"
               "  --json FILE  also write the results as JSON\n"
               "  --verbose    print every repeat\n"
               "  --size B     only frames of B bytes (64 or 1500)\n"
               "  --batch N    only batch N (1 or 32)\n");
}

int main(int argc, char **argv)
{
    static const uint32_t frames[] = { 64, 1500 };
    static const uint32_t batches[] = { 1, 32 };
    static const enum ring_rmode modes[] = { RING_READ_COPY, RING_READ_PEEK };
    struct row rows[8];
    struct ring_cfg base = { .slot_size = SLOT_SIZE, .elements = SLOT_COUNT, .seconds = 1 };
    const char *json = NULL;
    int repeats = 0, n = 0;
    uint32_t only_size = 0, only_batch = 0;
    bool quick = false;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
            repeats = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            base.seconds = atof(argv[++i]);
        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            json = argv[++i];
        } else if (strcmp(argv[i], "--verbose") == 0) {
            verbose = true;
        } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            only_size = (uint32_t)atoi(argv[++i]);
        } else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            only_batch = (uint32_t)atoi(argv[++i]);
        } else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (quick)
        base.seconds = 0.2;
    if (repeats == 0)
        repeats = quick ? 3 : 5;
    if (repeats < 1 || repeats > MAX_REPEATS || !(base.seconds > 0)) {
        usage(stderr);
        return 2;
    }
    pick_cpus(&base.cpu_w, &base.cpu_r);
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress on stderr stays in order */
    printf("ring: lossless, %u slots x %u B, %.2f s per run, %d repeats, "
           "writer cpu %d, reader cpu %d%s\n",
           SLOT_COUNT, SLOT_SIZE, base.seconds, repeats, base.cpu_w, base.cpu_r,
           base.cpu_r < 0 ? " (one CPU: not pinned)" : "");

    for (size_t f = 0; f < 2; f++)
        for (size_t b = 0; b < 2; b++)
            for (size_t m = 0; m < 2; m++) {
                struct row *r;

                if ((only_size && frames[f] != only_size) ||
                    (only_batch && batches[b] != only_batch))
                    continue;
                r = &rows[n++];
                r->frame = frames[f];
                r->batch = batches[b];
                r->rmode = modes[m];
                if (measure(r, &base, repeats) != 0) {
                    fprintf(stderr, "ring: %u B batch %u %s: run failed\n", r->frame, r->batch,
                            mode_name(r->rmode));
                    return 1;
                }
                fprintf(stderr, "  %u B batch %u %s: %.2f M frames/s\n", r->frame, r->batch,
                        mode_name(r->rmode), r->mfps[0]);
            }
    print_table(rows, n, repeats);
    if (json != NULL && write_json(json, rows, n, &base, repeats) != 0)
        return 1;
    return 0;
}
