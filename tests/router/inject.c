/*
 * inject: sends every malformed sample of frames.c once through a network
 * interface (an AF_PACKET socket: on a TAP, the frames reach the program
 * holding it - here, skiff's router), then prints, per drop reason, how
 * many samples should have been counted under it: "REASON COUNT" lines.
 * A sample the kernel refuses to send (a frame shorter than an Ethernet
 * header) is left out of the counts.
 *
 *   inject IFNAME
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frames.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: inject IFNAME\n");
        return 2;
    }
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    unsigned idx = if_nametoindex(argv[1]);
    if (fd < 0 || idx == 0) {
        fprintf(stderr, "inject: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = (int)idx, .sll_halen = 6 };
    const char *reasons[64];
    unsigned counts[64], n_reasons = 0;
    for (size_t i = 0; i < tf_bad_count; i++) {
        uint8_t f[2000];
        size_t len = tf_bad[i].make(f);
        memcpy(to.sll_addr, f, 6);
        if (sendto(fd, f, len, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)len) {
            fprintf(stderr, "inject: %s (%zu bytes) not sent: %s\n", tf_bad[i].name, len,
                    strerror(errno));
            continue;
        }
        unsigned k = 0;
        while (k < n_reasons && strcmp(reasons[k], tf_bad[i].reason) != 0)
            k++;
        if (k == n_reasons) {
            reasons[n_reasons] = tf_bad[i].reason;
            counts[n_reasons++] = 0;
        }
        counts[k]++;
        usleep(1000); /* in order, and no burst for the TAP's queue */
    }
    for (unsigned k = 0; k < n_reasons; k++)
        printf("%s %u\n", reasons[k], counts[k]);
    close(fd);
    return 0;
}
