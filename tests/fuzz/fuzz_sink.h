/*
 * Helpers shared by the libFuzzer targets: a FILE that counts what the code
 * under test prints (bytes, lines, the first line) without touching a file,
 * so a target can check "an error is one line" and "success prints nothing";
 * and the verdict line tests/fuzz/run.sh reads when SKIFF_FUZZ_VERDICT is set
 * (every seed must still get the verdict its folder names).
 */
#ifndef SKIFF_FUZZ_SINK_H
#define SKIFF_FUZZ_SINK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

struct fuzz_sink {
    FILE *f;
    size_t bytes, lines, first_len;
    char last;       /* the last byte written */
    char first[120]; /* the start of the first line */
};

static ssize_t fuzz_sink_write(void *cookie, const char *buf, size_t n)
{
    struct fuzz_sink *s = cookie;

    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n')
            s->lines++;
        else if (s->lines == 0 && s->first_len < sizeof s->first - 1)
            s->first[s->first_len++] = buf[i];
    }
    s->bytes += n;
    if (n > 0)
        s->last = buf[n - 1];
    return (ssize_t)n;
}

static inline void fuzz_sink_open(struct fuzz_sink *s)
{
    memset(s, 0, sizeof *s);
    s->f = fopencookie(s, "w", (cookie_io_functions_t){ .write = fuzz_sink_write });
    if (s->f == NULL)
        abort();
}

/* Flush and close: the counts are final afterwards. */
static inline void fuzz_sink_close(struct fuzz_sink *s)
{
    fclose(s->f);
    s->f = NULL;
    s->first[s->first_len] = '\0';
}

static inline void fuzz_verdict(const char *verdict, const char *detail)
{
    static int on = -1;

    if (on < 0)
        on = getenv("SKIFF_FUZZ_VERDICT") != NULL;
    if (on)
        fprintf(stderr, "verdict: %s%s%s\n", verdict, detail && *detail ? ": " : "",
                detail ? detail : "");
}

#endif /* SKIFF_FUZZ_SINK_H */
