/* Shared helpers for the tender's seccomp allowlists (see seccomp_rules.h). */
#include "sandbox/seccomp_rules.h"

#include <sys/mman.h>

int skiff_scmp_allow(scmp_filter_ctx ctx, const char *name, unsigned argc,
                     const struct scmp_arg_cmp *args)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return 0;
    int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, argc, args);
    /* Pseudo numbers (nr < 0) name syscalls this architecture lacks. */
    return rc < 0 && nr >= 0 ? rc : 0;
}

int skiff_scmp_allow_fd(scmp_filter_ctx ctx, const char *name, int fd)
{
    if (fd < 0)
        return 0;
    struct scmp_arg_cmp c = skiff_scmp_eq(0, (scmp_datum_t)fd);
    return skiff_scmp_allow(ctx, name, 1, &c);
}

int skiff_scmp_allow_names(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = skiff_scmp_allow(ctx, names[i], 0, NULL);
    return rc;
}

int skiff_scmp_allow_fds(scmp_filter_ctx ctx, const char *name, const int *fds, unsigned nfds)
{
    int rc = 0;
    for (unsigned k = 0; rc == 0 && k < nfds; k++)
        rc = skiff_scmp_allow_fd(ctx, name, fds[k]);
    return rc;
}

int skiff_scmp_allow_noexec_maps(scmp_filter_ctx ctx)
{
    struct scmp_arg_cmp noexec = {
        .arg = 2, .op = SCMP_CMP_MASKED_EQ, .datum_a = PROT_EXEC, .datum_b = 0
    };
    int rc = skiff_scmp_allow(ctx, "mmap", 1, &noexec);
    return rc == 0 ? skiff_scmp_allow(ctx, "mprotect", 1, &noexec) : rc;
}

int skiff_scmp_load_release(scmp_filter_ctx ctx, int rc)
{
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc;
}
