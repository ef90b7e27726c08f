/*
 * A router driven on the host for unit tests: frames go in through
 * router_input() from exactly-sized heap buffers (so ASan sees any read
 * beyond a frame), and every frame it sends is captured.
 */
#ifndef ROUTER_TEST_HARNESS_H
#define ROUTER_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "router.h"

#define H_FRAME_MAX (RT_VNET_HLEN + 65535 + 14 + 4)
#define H_SENT_MAX  512

struct h_frame {
    unsigned nic;
    size_t len;
    uint8_t *buf;
};

struct h_env {
    struct rt_config cfg;
    struct router r;
    uint8_t *mem;
    struct h_frame sent[H_SENT_MAX];
    size_t n_sent;
    bool refuse; /* the output queues refuse every frame */
    uint64_t now;
    struct rt_nic_hw hw[2];
};

/* Set up a router (names wan, lan; MTU 1500 and TF_LAN_MTU) from args. */
void h_init(struct h_env *e, const char *args, bool wan_vnet, bool lan_vnet);
void h_free(struct h_env *e);

/* The same router, started afresh (sent frames forgotten). */
void h_reset(struct h_env *e);

/* Forget the frames sent so far. */
void h_clear(struct h_env *e);

/* Feed one frame (copied to a buffer of exactly headroom + len bytes); on
 * a vnet NIC an empty virtio-net header is put in front. */
void h_input(struct h_env *e, unsigned nic, const uint8_t *frame, size_t len, size_t headroom);

/* Feed exactly these bytes (a vnet NIC's frame with its header). */
void h_input_raw(struct h_env *e, unsigned nic, const uint8_t *buf, size_t len, size_t headroom);

/* A sent frame without its virtio-net header (if its NIC has them). */
const uint8_t *h_frame(const struct h_env *e, size_t i, size_t *len);

/* Teach the router h1's and h2's Ethernet addresses (ARP requests from
 * them for the router's addresses), and forget what it sent in reply. */
void h_learn_neighbours(struct h_env *e);

/* One router for each test of a file, as cmocka fixtures: h_fixture (in
 * main, before the tests run) names the test file's environment and
 * router arguments; h_setup starts it from them with plain NICs, and
 * h_teardown checks that its counters balance and frees it. */
void h_fixture(struct h_env *e, const char *args);
int h_setup(void **state);
int h_teardown(void **state);

/* The report as one string (lines joined by '\n'). */
const char *h_report(struct h_env *e);

#endif /* ROUTER_TEST_HARNESS_H */
