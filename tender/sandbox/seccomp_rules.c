/* Shared helpers for the tender's seccomp allowlists (see seccomp_rules.h). */
#include "sandbox/seccomp_rules.h"

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
