/*
 * Host capability report (see host.h). Nothing here changes the host: /dev
 * nodes are opened and closed again, no VM or TAP is created.
 */
#include "core/host.h"

#include "elf_abi.h"
#include "skiff/abi.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/backend.h"

#ifndef SKIFF_VERSION
#error "SKIFF_VERSION must be defined by the build"
#endif

#define TUN_DEV "/dev/net/tun"

/* The backend's line, or that this build has none. Returns its verdict. */
static bool backend_line(FILE *f, uint32_t target, const char *name)
{
    const struct skiff_backend *be = skiff_backend_for(target);
    if (!be || !be->host_line) {
        fprintf(f, "%s: not built for this architecture\n", name);
        return false;
    }
    return be->host_line(f);
}

void skiff_host_version(FILE *f)
{
    fprintf(f, "skiff %s\n", SKIFF_VERSION);
    (void)backend_line(f, SKIFF_TARGET_HVT, "hvt");
}

void skiff_host_version_solo5(FILE *f, const char *prog)
{
    /* Solo5's two lines (its tenders print them on stderr). Launchers read
     * the second: albatross wants exactly "ABI version N" for the N in the
     * image's ABI1 note, which for skiff's images is this value. */
    fprintf(f, "%s tender, version skiff-%s\n", prog, SKIFF_VERSION);
    fprintf(f, "ABI version %u\n", SKIFF_SOLO5_ABI_VERSION_BASE + SKIFF_ABI_VERSION);
}

int skiff_host_check(FILE *f)
{
    int bad = 0;
    fprintf(f, "skiff %s\n", SKIFF_VERSION);
    bad |= !backend_line(f, SKIFF_TARGET_SPT, "spt");
    bad |= !backend_line(f, SKIFF_TARGET_HVT, "hvt");
    int fd = open(TUN_DEV, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        fprintf(f, "tap: %s usable (--net:NAME=IFACE)\n", TUN_DEV);
    } else {
        fprintf(f, "tap: %s not usable (%s): only --net:NAME=@FD will work\n", TUN_DEV,
                strerror(errno));
        bad = 1;
    }
    return bad;
}
