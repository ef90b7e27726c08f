/*
 * The one log line for a device that goes away under a running guest,
 * shared by the I/O thread (ring modes) and main (direct mode).
 */
#include "nic.h"

#include <stdio.h>

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
