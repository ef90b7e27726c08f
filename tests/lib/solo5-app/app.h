/*
 * What skiff's test unikernels built against Solo5's API alone share (the
 * conformance programs, the launcher replays' responder): there is no libc,
 * so app.c defines memcpy/memset/memcmp/strlen itself, as an application
 * with its own libc would (the bindings must not clash with them), console
 * output, and answering ARP and ICMP echo requests for one IPv4 address.
 */
#ifndef SKIFF_TEST_SOLO5_APP_H
#define SKIFF_TEST_SOLO5_APP_H

#include <stddef.h>
#include <stdint.h>

#include "solo5.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

void put(const char *s);
void put_u64(uint64_t v);

/* Dotted-quad A.B.C.D at *p into ip; *p moves past it. -1 if malformed. */
int parse_ip(const char **p, uint8_t ip[4]);

/* Answers one frame in place for the NIC at MAC with address IP: an ARP
 * request for IP or an ICMP echo request to it. Returns the reply's length
 * (0: no reply); *echo is set for an echo request answered. */
size_t answer_frame(const uint8_t mac[6], const uint8_t ip[4], uint8_t *f, size_t len, int *echo);

#endif
