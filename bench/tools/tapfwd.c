/*
 * tapfwd: host-only TAP-to-TAP forwarder, the baseline skiff is measured
 * against. One thread, poll(2) on both TAPs, one read(2) and one write(2) per
 * frame: what a tender with no guest and no rings could do at best with the
 * classic per-frame path.
 *
 *   tapfwd TAP_A TAP_B     (both TAPs must exist and be up; SIGTERM stops it)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int tap_open(const char *name)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        fprintf(stderr, "tapfwd: error: /dev/net/tun: %s\n", strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        fprintf(stderr, "tapfwd: error: attach %s: %s\n", name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    static uint8_t frame[65536];
    uint64_t fwd[2] = { 0, 0 }, drop[2] = { 0, 0 };
    struct pollfd pfd[2];
    struct sigaction sa;
    int fd[2];

    if (argc != 3) {
        fprintf(stderr, "usage: tapfwd TAP_A TAP_B\n");
        return 2;
    }
    fd[0] = tap_open(argv[1]);
    if (fd[0] < 0)
        return 1;
    fd[1] = tap_open(argv[2]);
    if (fd[1] < 0) {
        close(fd[0]);
        return 1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    for (int i = 0; i < 2; i++) {
        pfd[i].fd = fd[i];
        pfd[i].events = POLLIN;
    }
    while (!stop) {
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (!(pfd[i].revents & POLLIN))
                continue;
            /* Drain what is queued: one read and one write per frame. */
            for (;;) {
                ssize_t n = read(fd[i], frame, sizeof(frame));
                if (n <= 0)
                    break;
                if (write(fd[1 - i], frame, (size_t)n) == n)
                    fwd[i]++;
                else
                    drop[i]++;
            }
        }
    }
    fprintf(stderr,
            "tapfwd: %s->%s %llu frames (%llu dropped), %s->%s %llu frames (%llu dropped)\n",
            argv[1], argv[2], (unsigned long long)fwd[0], (unsigned long long)drop[0], argv[2],
            argv[1], (unsigned long long)fwd[1], (unsigned long long)drop[1]);
    close(fd[0]);
    close(fd[1]);
    return 0;
}
