/*
 * NIC helpers: the default MAC address, and the one log line for a device
 * that goes away under a running guest (shared by the I/O thread in ring
 * modes and main in direct mode).
 */
#include "net/nic.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sys/random.h>

int skiff_nic_random_mac(uint8_t mac[6])
{
    /* Blocks only until the kernel's generator is seeded, once per boot.
     * getrandom is in the launchers' filters (urunc's among them). */
    size_t got = 0;
    while (got < 6) {
        ssize_t n = getrandom(mac + got, 6 - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    mac[0] = (uint8_t)((mac[0] & ~0x01u) | 0x02u); /* unicast, locally administered */
    return 0;
}

void skiff_nic_report_gone(struct skiff_nic *nic, const char *why)
{
    if (nic->gone_reported)
        return;
    nic->gone_reported = true;
    if (nic->ifname[0] != '\0')
        fprintf(stderr,
                "skiff: net %s: TAP %s (fd %d) went away (%s); the guest sees the NIC "
                "closed\n",
                nic->name, nic->ifname, nic->fd, why);
    else
        fprintf(stderr, "skiff: net %s: fd %d went away (%s); the guest sees the NIC closed\n",
                nic->name, nic->fd, why);
}
