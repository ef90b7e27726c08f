/*
 * Small helpers every seccomp allowlist of the tender builds with (main,
 * I/O thread, hvt vCPU, spt guest process): one place for "allow this
 * syscall by name, skipping names this architecture lacks" and for rules
 * bound to one fd.
 */
#ifndef SKIFF_SECCOMP_RULES_H
#define SKIFF_SECCOMP_RULES_H

#include <stddef.h>

#include <seccomp.h>

/* Argument ARG equals V (spelled out: the SCMP_A* macros leave a field to
 * implicit zero, which clang's -Wextra rejects). */
static inline struct scmp_arg_cmp skiff_scmp_eq(unsigned arg, scmp_datum_t v)
{
    struct scmp_arg_cmp c = { .arg = arg, .op = SCMP_CMP_EQ, .datum_a = v, .datum_b = 0 };
    return c;
}

/* Allow NAME when its arguments match ARGS (ARGC of them). A name this
 * architecture does not have (e.g. epoll_wait on arm64) is skipped: 0. */
int skiff_scmp_allow(scmp_filter_ctx ctx, const char *name, unsigned argc,
                     const struct scmp_arg_cmp *args);

/* Allow NAME on fd FD only (argument 0). A negative FD adds nothing. */
int skiff_scmp_allow_fd(scmp_filter_ctx ctx, const char *name, int fd);

/* Allow each of the N NAMES with any arguments. */
int skiff_scmp_allow_names(scmp_filter_ctx ctx, const char *const *names, size_t n);

/* Allow NAME on each of the NFDS FDS (negative ones add nothing). */
int skiff_scmp_allow_fds(scmp_filter_ctx ctx, const char *name, const int *fds, unsigned nfds);

/* New mappings and protection changes (an allocator's), never executable. */
int skiff_scmp_allow_noexec_maps(scmp_filter_ctx ctx);

/* The end of building a thread's filter: load it on the calling thread if
 * building went well (rc 0), release it either way. 0 or -errno. */
int skiff_scmp_load_release(scmp_filter_ctx ctx, int rc);

#endif /* SKIFF_SECCOMP_RULES_H */
