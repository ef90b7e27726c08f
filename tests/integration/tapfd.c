/*
 * tapfd: open an existing TAP as a plain packet fd (IFF_TAP | IFF_NO_PI, no
 * vnet headers), put it on fd 3 and exec a command, e.g. skiff with
 * --net:lan=@3. Lets tests give skiff an inherited fd without offloads.
 *
 *   tapfd IFNAME CMD [ARGS...]
 */
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tapfd IFNAME CMD [ARGS...]\n");
        return 2;
    }
    int fd = open("/dev/net/tun", O_RDWR);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", argv[1]);
    if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
        perror("tapfd: TAP");
        return 1;
    }
    if (fd != 3 && (dup2(fd, 3) < 0 || close(fd) < 0)) {
        perror("tapfd: dup2");
        return 1;
    }
    execvp(argv[2], argv + 2);
    perror("tapfd: exec");
    return 1;
}
