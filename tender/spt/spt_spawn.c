/*
 * Starting the spt guest process (see spt_spawn.h). The loader program is
 * linked into the tender (spt_loader_blob.S) and executed from a sealed
 * memfd, so there is no file on disk to find, replace or mismatch.
 *
 * The child of fork() is a copy of a multi-threaded process: until it
 * executes the loader it makes only async-signal-safe system calls, on
 * data prepared before the fork.
 */
#include "spt/spt_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "spt/spt_launch.h"

/* From spt_loader_blob.S: the loader's ELF file. */
extern const unsigned char skiff_spt_loader_start[], skiff_spt_loader_end[];

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010u /* Linux 6.3: ask for an executable memfd */
#endif

int skiff_spt_loader_fd(void)
{
    size_t len = (size_t)(skiff_spt_loader_end - skiff_spt_loader_start);
    /* Kernels with vm.memfd_noexec want MFD_EXEC said; older ones refuse
     * the unknown flag. */
    int fd = memfd_create("skiff-spt-loader", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("skiff-spt-loader", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, skiff_spt_loader_start + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        done += (size_t)n;
    }
    /* Nobody, not even the tender, can change it from here on. */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
        goto fail;
    return fd;
fail:;
    int e = errno ? errno : EIO;
    close(fd);
    errno = e;
    return -1;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Close fds [lo, hi] (hi inclusive); close_range where the kernel has it. */
static void close_span(unsigned lo, unsigned hi, unsigned fd_limit)
{
    if (lo > hi)
        return;
    if (syscall(SYS_close_range, lo, hi, 0) == 0)
        return;
    if (hi >= fd_limit)
        hi = fd_limit ? fd_limit - 1 : 0;
    for (unsigned fd = lo; fd <= hi && fd < fd_limit; fd++)
        close((int)fd);
}

static _Noreturn void child(const struct skiff_spt_spawn *sp, const int *sorted, unsigned n,
                            pid_t parent, unsigned fd_limit, char *const argv[])
{
    static char *const envp[] = { NULL };
    struct rlimit no_core = { 0, 0 };

    /* Die with the tender, even if it is killed outright. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
        _exit(127);
    /* A guest's memory is the guest's business: no core files of it. */
    (void)setrlimit(RLIMIT_CORE, &no_core);

    unsigned lo = 0;
    for (unsigned i = 0; i < n; i++) {
        if (sorted[i] > 0)
            close_span(lo, (unsigned)sorted[i] - 1, fd_limit);
        lo = (unsigned)sorted[i] + 1;
    }
    close_span(lo, ~0u, fd_limit);
    for (unsigned i = 0; i < sp->nkeep; i++)
        (void)fcntl(sp->keep[i], F_SETFD, 0);

    syscall(SYS_execveat, sp->loader_fd, "", argv, envp, AT_EMPTY_PATH);
    struct skiff_spt_report r = {
        .magic = SKIFF_SPT_REPORT_MAGIC,
        .kind = SKIFF_SPT_REPORT_FAILED,
        .signo = SKIFF_SPT_STEP_EXEC,
        .code = errno,
    };
    (void)!write(sp->report_fd, &r, sizeof r);
    _exit(127);
}

pid_t skiff_spt_spawn(const struct skiff_spt_spawn *sp)
{
    /* Everything the child needs, prepared before fork. */
    char launch_arg[16];
    snprintf(launch_arg, sizeof launch_arg, "%d", sp->launch_fd);
    char name[] = "skiff-guest";
    char *const argv[] = { name, launch_arg, NULL };

    int *sorted = malloc((sp->nkeep + 1) * sizeof *sorted);
    if (!sorted)
        return -1;
    memcpy(sorted, sp->keep, sp->nkeep * sizeof *sorted);
    sorted[sp->nkeep] = sp->loader_fd; /* stays open until the exec closes it */
    unsigned n = sp->nkeep + 1;
    qsort(sorted, n, sizeof *sorted, cmp_int);
    unsigned w = 0;
    for (unsigned i = 0; i < n; i++)
        if (sorted[i] >= 0 && (w == 0 || sorted[i] != sorted[w - 1]))
            sorted[w++] = sorted[i];

    struct rlimit nofile;
    unsigned fd_limit = 65536;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY &&
        nofile.rlim_cur < fd_limit)
        fd_limit = (unsigned)nofile.rlim_cur;

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        child(sp, sorted, w, parent, fd_limit, argv);
    int e = errno;
    free(sorted);
    errno = e;
    return pid;
}
