/*
 * Shared helpers for what runs the guest (see guest_thread.h).
 */
#include "sandbox/guest_thread.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int skiff_seccomp_compile(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
    int rc = -1;
    int memfd = memfd_create("skiff-seccomp", MFD_CLOEXEC);

    prog->filter = NULL;
    prog->len = 0;
    if (memfd < 0 || seccomp_export_bpf(ctx, memfd) < 0)
        goto out;
    off_t size = lseek(memfd, 0, SEEK_END);
    if (size <= 0 || size % (off_t)sizeof(struct sock_filter) ||
        size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
        goto out;
    prog->filter = malloc((size_t)size);
    if (!prog->filter || pread(memfd, prog->filter, (size_t)size, 0) != size) {
        free(prog->filter);
        prog->filter = NULL;
        goto out;
    }
    prog->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
    rc = 0;
out:
    if (memfd >= 0)
        close(memfd);
    return rc;
}

bool skiff_join_for(pthread_t thread, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_timedjoin_np(thread, NULL, &ts) == 0;
}
