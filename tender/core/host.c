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

#ifdef SKIFF_HAVE_HVT
#include "hvt/hvt_host.h"
#endif

#ifndef SKIFF_VERSION
#error "SKIFF_VERSION must be defined by the build"
#endif

#define TUN_DEV "/dev/net/tun"

#ifdef SKIFF_HAVE_HVT
static void kvm_line(FILE *f, const struct skiff_kvm_host *k)
{
    if (!k->present) {
        fprintf(f, "hvt: no /dev/kvm on this host (run the spt build of an image instead)\n");
        return;
    }
    fprintf(f, "hvt: /dev/kvm is %s", skiff_kvm_kind_text(k->kind));
    if (k->open_errno)
        fprintf(f, "; not usable by this user (%s)", strerror(k->open_errno));
    if (k->kind == SKIFF_KVM_PVM || k->kind == SKIFF_KVM_SOFTWARE)
        fprintf(f, "; hvt guests run natively at CPL 3, VM exits cost more than on hardware KVM");
    fputc('\n', f);
}
#endif

void skiff_host_version(FILE *f)
{
    fprintf(f, "skiff %s\n", SKIFF_VERSION);
#ifdef SKIFF_HAVE_HVT
    struct skiff_kvm_host k;
    skiff_kvm_host_probe(&k);
    kvm_line(f, &k);
#else
    fprintf(f, "hvt: not built for this architecture\n");
#endif
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
    fprintf(f, "spt: supported (seccomp-confined process, no KVM needed)\n");
#ifdef SKIFF_HAVE_HVT
    struct skiff_kvm_host k;
    skiff_kvm_host_probe(&k);
    kvm_line(f, &k);
    bad |= !k.present || k.open_errno != 0;
#else
    fprintf(f, "hvt: not built for this architecture\n");
    bad = 1;
#endif
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
