/*
 * Packet fds: TAP interfaces opened by name through /dev/net/tun, and fds
 * inherited from a parent process. Every failure is one "skiff: error:" line
 * that tells the user what to do about it.
 */
#include "datapath/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "net/vnet.h"

/* MTU assumed for an inherited fd that is not a TAP (nothing to ask). */
#define SKIFF_DEFAULT_MTU 1500

/*
 * Query flags and MTU of interface `ifname` through a throwaway socket (the
 * SIOCGIF* ioctls need one). Returns 0 or -errno.
 */
static int query_iface(const char *ifname, short *flags, unsigned *mtu)
{
    struct ifreq ifr;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return -errno;

    int rc = 0;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) {
        rc = -errno;
        goto out;
    }
    *flags = ifr.ifr_flags;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    if (ioctl(sock, SIOCGIFMTU, &ifr) < 0) {
        rc = -errno;
        goto out;
    }
    *mtu = (unsigned)ifr.ifr_mtu;
out:
    close(sock);
    return rc;
}

/* The guest ABI carries the MTU in 16 bits; anything else is a kernel oddity. */
static int check_mtu(const struct skiff_nic *nic, const char *ifname, unsigned mtu)
{
    if (mtu < 68 || mtu > UINT16_MAX) {
        fprintf(stderr,
                "skiff: error: net %s: interface %s has MTU %u; skiff supports 68..%u (set it "
                "with 'ip link set %s mtu N')\n",
                nic->name, ifname, mtu, UINT16_MAX, ifname);
        return -1;
    }
    return 0;
}

static void set_ifname(struct skiff_nic *nic, const char *name)
{
    size_t n = strnlen(name, sizeof(nic->ifname) - 1);
    memcpy(nic->ifname, name, n);
    memset(nic->ifname + n, 0, sizeof(nic->ifname) - n);
}

/*
 * Offloads the kernel may hand us (and, with IFF_VNET_HDR, accept from us):
 * checksum offload plus TSO, tried from the widest set down, since older or
 * restricted kernels refuse some bits. Returns the set accepted, or 0.
 */
static unsigned set_offloads(int fd)
{
    static const unsigned sets[] = {
        TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
        TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
        TUN_F_CSUM | TUN_F_TSO4,
        TUN_F_CSUM,
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)sets[i]) == 0)
            return sets[i];
    return 0;
}

/* Turn vnet headers on for an attached TAP fd (IFF_VNET_HDR already set).
 * Returns 0 or -1 (message printed). */
static int enable_vnet(struct skiff_nic *nic, int fd)
{
    int sz = SKIFF_VNET_HDR_LEN;
    if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
        fprintf(stderr,
                "skiff: error: net %s: cannot set the TAP vnet header "
                "size: %s\n",
                nic->name, strerror(errno));
        return -1;
    }
    /* Without offloads the headers are still valid, just always empty. */
    if (set_offloads(fd) == 0)
        fprintf(stderr,
                "skiff: warning: net %s: the kernel refused TAP offloads; "
                "frames stay MTU-sized\n",
                nic->name);
    return 0;
}

/* One line for a TAP that cannot be attached by name: Solo5's words
 * ("Could not attach interface: NAME: ERROR"), then what to do. */
__attribute__((format(printf, 4, 5))) static void
attach_err(const struct skiff_nic *nic, const char *ifname, int err, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "skiff: error: net %s: Could not attach interface: %s: %s (", nic->name, ifname,
            strerror(err));
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(")\n", stderr);
}

static int attach_by_name(struct skiff_nic *nic, const char *ifname)
{
    if (ifname[0] == '\0' || strlen(ifname) >= IFNAMSIZ) {
        attach_err(nic, ifname, ENAMETOOLONG, "invalid interface name");
        return -1;
    }
    /* TUNSETIFF on a missing name would create a fresh TAP that nobody has
     * configured or brought up, and that vanishes when we exit: refuse. */
    if (if_nametoindex(ifname) == 0) {
        attach_err(nic, ifname, ENOENT,
                   "interface %s does not exist: create it with 'ip tuntap add %s mode tap user "
                   "USER' and 'ip link set %s up'",
                   ifname, ifname, ifname);
        return -1;
    }

    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT || err == ENODEV || err == ENXIO)
            attach_err(nic, ifname, err,
                       "/dev/net/tun is missing: load the tun module (modprobe tun) or create "
                       "the device node");
        else if (err == EACCES || err == EPERM)
            attach_err(nic, ifname, err,
                       "cannot open /dev/net/tun: run as root or with CAP_NET_ADMIN, or "
                       "pre-create the TAP with 'ip tuntap add %s mode tap user USER'",
                       ifname);
        else
            attach_err(nic, ifname, err, "cannot open /dev/net/tun");
        return -1;
    }

    /* Asked before the attach: once attached (carrier on) the interface
     * may be moved to another network namespace at once, where this name
     * means nothing to us (the tests and bench/ do exactly that). */
    short flags = 0;
    unsigned mtu = 0;
    int rc = query_iface(ifname, &flags, &mtu);
    if (rc < 0) {
        attach_err(nic, ifname, -rc, "cannot query interface %s", ifname);
        close(fd);
        return -1;
    }
    if (!(flags & IFF_UP)) {
        attach_err(nic, ifname, ENETDOWN, "interface %s is down: run 'ip link set %s up'", ifname,
                   ifname);
        close(fd);
        return -1;
    }
    if (check_mtu(nic, ifname, mtu) < 0) {
        close(fd);
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (nic->vnet ? IFF_VNET_HDR : 0);
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int err = errno;
        if (err == EPERM || err == EACCES)
            attach_err(nic, ifname, err,
                       "permission denied attaching to TAP %s: run as root or with "
                       "CAP_NET_ADMIN, or pre-create it with 'ip tuntap add %s mode tap user "
                       "USER'",
                       ifname, ifname);
        else if (err == EBUSY)
            attach_err(nic, ifname, err,
                       "TAP %s is busy: another process, or another --net of this command (as "
                       "@FD), holds it; a TAP takes one attach",
                       ifname);
        else if (err == EINVAL)
            attach_err(nic, ifname, err,
                       "interface %s is not a TAP device (or was created with different flags)",
                       ifname);
        else
            attach_err(nic, ifname, err, "cannot attach to TAP %s", ifname);
        close(fd);
        return -1;
    }

    /* Offload settings outlive the fd on a persistent TAP: a plain attach
     * clears what an earlier vnet run left, or the kernel would hand us
     * super-frames we cannot take. Failure just means none were set. */
    if (!nic->vnet) {
        (void)ioctl(fd, TUNSETOFFLOAD, 0ul);
    } else if (enable_vnet(nic, fd) < 0) {
        close(fd);
        return -1;
    }

    nic->fd = fd;
    nic->inherited = false;
    nic->mtu = (uint16_t)mtu;
    set_ifname(nic, ifr.ifr_name);
    return 0;
}

/* The image asked for vnet headers but the inherited fd cannot carry them. */
static void vnet_off(struct skiff_nic *nic, int fd, const char *why)
{
    fprintf(stderr,
            "skiff: warning: net %s: fd %d is %s: offloads (vnet headers) "
            "disabled for this NIC\n",
            nic->name, fd, why);
    nic->vnet = false;
}

/*
 * Inherited fds that epoll refuses (EPERM: a regular file, /dev/null...)
 * have no readiness and no frames. One at end of file is a device that is
 * already closed: it is swapped for an empty pipe, so every mode sees end
 * of file the ordinary way and the guest sees the NIC closed. Anything
 * else is refused. Returns 0 (fd usable, maybe swapped) or -1 (printed).
 */
static int check_pollable(struct skiff_nic *nic, int fd)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        fprintf(stderr, "skiff: error: net %s: epoll_create1: %s\n", nic->name, strerror(errno));
        return -1;
    }
    struct epoll_event ev = { .events = EPOLLIN };
    int rc = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    int err = errno;
    close(ep);
    if (rc == 0)
        return 0;
    if (err != EPERM) {
        fprintf(stderr, "skiff: error: net %s: fd %d cannot be watched (epoll_ctl: %s)\n",
                nic->name, fd, strerror(err));
        return -1;
    }
    char c;
    ssize_t n;
    do
        n = read(fd, &c, 1);
    while (n < 0 && errno == EINTR);
    int p[2];
    if (n != 0) {
        fprintf(stderr,
                "skiff: error: net %s: fd %d cannot be polled (epoll_ctl: %s): it is a "
                "regular file or device, not a packet fd; pass a TAP or a SOCK_SEQPACKET "
                "or SOCK_DGRAM socket\n",
                nic->name, fd, strerror(err));
        return -1;
    }
    if (skiff_sandbox_inherited()) { /* pipe2 and dup3: outside urunc's filter */
        fprintf(stderr,
                "skiff: error: net %s: fd %d is at end of file (a file or /dev/null, not a "
                "packet fd), and under a launcher's seccomp filter skiff cannot stand a pipe in "
                "for it: pass a TAP or a socket\n",
                nic->name, fd);
        return -1;
    }
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0 || dup3(p[0], fd, O_CLOEXEC) < 0) {
        fprintf(stderr, "skiff: error: net %s: fd %d: cannot replace it with a pipe: %s\n",
                nic->name, fd, strerror(errno));
        return -1;
    }
    close(p[0]);
    close(p[1]);
    fprintf(stderr,
            "skiff: warning: net %s: fd %d is at end of file (a file or /dev/null, not a "
            "packet fd): the guest sees the NIC closed\n",
            nic->name, fd);
    nic->gone_reported = true;
    return 0;
}

static int attach_inherited(struct skiff_nic *nic, const char *num)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(num, &end, 10);
    if (num[0] < '0' || num[0] > '9' || errno != 0 || *end != '\0' || v > INT_MAX) {
        fprintf(stderr, "skiff: error: net %s: '@%s' is not a file descriptor number\n", nic->name,
                num);
        return -1;
    }
    int fd = (int)v; /* 0..2 only as solo5-*, as Solo5 (the command line decides) */
    /* Under a launcher's seccomp filter fcntl(2) may be forbidden (urunc's
     * is): fstat(2) says whether the fd is open, and FIONBIO (ioctl) makes
     * it non-blocking below; the access mode is then not checked here (a
     * read-only fd fails at its first write). */
    bool sandboxed = skiff_sandbox_inherited();
    struct stat st;
    int fl = sandboxed ? (fstat(fd, &st) < 0 ? -1 : O_RDWR) : fcntl(fd, F_GETFL);
    if (fl < 0) {
        fprintf(stderr,
                "skiff: error: net %s: fd %d is not open (pass it to skiff "
                "without close-on-exec)\n",
                nic->name, fd);
        return -1;
    }
    if ((fl & O_ACCMODE) != O_RDWR) {
        fprintf(stderr,
                "skiff: error: net %s: fd %d must be open for reading and "
                "writing\n",
                nic->name, fd);
        return -1;
    }

    /* A TAP tells us its name and flags; anything else fails with EBADFD,
     * ENOTTY or EINVAL and is used as a plain packet fd. */
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    bool is_tap = ioctl(fd, TUNGETIFF, &ifr) == 0;
    unsigned mtu = SKIFF_DEFAULT_MTU;
    if (is_tap) {
        ifr.ifr_name[IFNAMSIZ - 1] = '\0';
        bool has_vnet = (ifr.ifr_flags & IFF_VNET_HDR) != 0;
        if (!(ifr.ifr_flags & IFF_TAP) || !(ifr.ifr_flags & IFF_NO_PI) ||
            (has_vnet && !nic->vnet)) {
            /* IP-only TUN, packet-info prefix or unexpected vnet headers
             * would all break the one-Ethernet-frame-per-read contract. */
            fprintf(stderr,
                    "skiff: error: net %s: fd %d (%s) must be a TAP opened with "
                    "IFF_TAP|IFF_NO_PI%s\n",
                    nic->name, fd, ifr.ifr_name,
                    nic->vnet ? ""
                              : " and without IFF_VNET_HDR (this image and "
                                "--io mode use plain frames)");
            return -1;
        }
        if (nic->vnet && !has_vnet)
            vnet_off(nic, fd, "a TAP opened without IFF_VNET_HDR");
        else if (nic->vnet && enable_vnet(nic, fd) < 0)
            return -1;
        short flags = 0;
        int rc = query_iface(ifr.ifr_name, &flags, &mtu);
        if (rc < 0) {
            fprintf(stderr, "skiff: error: net %s: cannot query interface %s: %s\n", nic->name,
                    ifr.ifr_name, strerror(-rc));
            return -1;
        }
        if (check_mtu(nic, ifr.ifr_name, mtu) < 0)
            return -1;
    }
    if (!is_tap && check_pollable(nic, fd) < 0)
        return -1;
    if (!is_tap && nic->vnet)
        vnet_off(nic, fd, "not a TAP");
    int one = 1;
    if (sandboxed ? ioctl(fd, FIONBIO, &one) < 0
                  : !(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        fprintf(stderr, "skiff: error: net %s: cannot make fd %d non-blocking: %s\n", nic->name, fd,
                strerror(errno));
        return -1;
    }

    nic->fd = fd;
    nic->inherited = true;
    nic->mtu = (uint16_t)mtu;
    set_ifname(nic, is_tap ? ifr.ifr_name : "");
    return 0;
}

int skiff_tap_attach(struct skiff_nic *nic, const char *spec)
{
    nic->fd = -1;
    nic->closed = false;
    nic->gone_reported = false;
    if (spec == NULL || spec[0] == '\0') {
        fprintf(stderr, "skiff: error: net %s: empty interface name\n", nic->name);
        return -1;
    }
    if (spec[0] == '@')
        return attach_inherited(nic, spec + 1);
    return attach_by_name(nic, spec);
}

void skiff_tap_detach(struct skiff_nic *nic)
{
    /* Leave a TAP we configured by name as we found it (plain), so other
     * users of the persistent device do not get super-frames. */
    if (nic->fd >= 0 && nic->vnet && !nic->inherited)
        (void)ioctl(nic->fd, TUNSETOFFLOAD, 0ul);
    if (nic->fd >= 0)
        close(nic->fd);
    nic->fd = -1;
}
