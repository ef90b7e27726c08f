/*
 * Host harness for the router's unit tests (see harness.h).
 */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"

/* The runtime's printf (linked for skiff_snprintf) writes here. */
void solo5_console_write(const char *buf, size_t size);
void solo5_console_write(const char *buf, size_t size)
{
    (void)buf;
    (void)size;
}

static struct h_env *fixture_env;
static const char *fixture_args;

void h_fixture(struct h_env *e, const char *args)
{
    fixture_env = e;
    fixture_args = args;
}

int h_setup(void **state)
{
    (void)state;
    h_init(fixture_env, fixture_args, false, false);
    return 0;
}

int h_teardown(void **state)
{
    (void)state;
    assert_true(router_balanced(&fixture_env->r));
    h_free(fixture_env);
    return 0;
}

static bool capture(void *ctx, unsigned nic, const uint8_t *buf, size_t len)
{
    struct h_env *e = ctx;

    if (e->refuse)
        return false;
    assert_true(e->n_sent < H_SENT_MAX);
    struct h_frame *f = &e->sent[e->n_sent++];
    f->nic = nic;
    f->len = len;
    f->buf = malloc(len);
    assert_non_null(f->buf);
    memcpy(f->buf, buf, len);
    return true;
}

void h_init(struct h_env *e, const char *args, bool wan_vnet, bool lan_vnet)
{
    static const char *const names[] = { "wan", "lan" };
    char err[200];

    memset(e, 0, sizeof *e);
    if (!rt_config_parse(args, names, 2, &e->cfg, err, sizeof err))
        fail_msg("config: %s", err);
    e->hw[0] = (struct rt_nic_hw){ .mtu = 1500, .vnet = wan_vnet };
    e->hw[1] = (struct rt_nic_hw){ .mtu = TF_LAN_MTU, .vnet = lan_vnet };
    memcpy(e->hw[0].mac, tf_wan_mac, 6);
    memcpy(e->hw[1].mac, tf_lan_mac, 6);
    e->mem = malloc(router_mem_size(H_FRAME_MAX));
    assert_non_null(e->mem);
    h_reset(e);
}

void h_reset(struct h_env *e)
{
    h_clear(e);
    e->refuse = false;
    e->now = 1000000000000ull;
    const struct rt_out out = { capture, e };
    router_init(&e->r, &e->cfg, e->hw, e->mem, H_FRAME_MAX, &out, e->now);
}

void h_clear(struct h_env *e)
{
    for (size_t i = 0; i < e->n_sent; i++)
        free(e->sent[i].buf);
    e->n_sent = 0;
}

void h_free(struct h_env *e)
{
    h_clear(e);
    free(e->mem);
    e->mem = NULL;
}

void h_input_raw(struct h_env *e, unsigned nic, const uint8_t *buf, size_t len, size_t headroom)
{
    uint8_t *b = malloc(headroom + len + 1); /* +1: malloc(0) */
    assert_non_null(b);
    memcpy(b + headroom, buf, len);
    router_input(&e->r, nic, b + headroom, len, headroom, e->now);
    free(b);
}

void h_input(struct h_env *e, unsigned nic, const uint8_t *frame, size_t len, size_t headroom)
{
    if (!e->r.nic[nic].vnet) {
        h_input_raw(e, nic, frame, len, headroom);
        return;
    }
    uint8_t *b = calloc(1, len + RT_VNET_HLEN);
    assert_non_null(b);
    memcpy(b + RT_VNET_HLEN, frame, len);
    h_input_raw(e, nic, b, len + RT_VNET_HLEN, headroom);
    free(b);
}

const uint8_t *h_frame(const struct h_env *e, size_t i, size_t *len)
{
    assert_true(i < e->n_sent);
    size_t vh = e->r.nic[e->sent[i].nic].vnet ? RT_VNET_HLEN : 0;
    assert_true(e->sent[i].len >= vh);
    *len = e->sent[i].len - vh;
    return e->sent[i].buf + vh;
}

void h_learn_neighbours(struct h_env *e)
{
    static const uint8_t zero[6];
    uint8_t f[64];
    size_t len = tf_arp(f, tf_wan_mac, 1, tf_h1_mac, TF_H1_IP, zero, TF_WAN_IP);
    h_input(e, 0, f, len, 0);
    len = tf_arp(f, tf_lan_mac, 1, tf_h2_mac, TF_H2_IP, zero, TF_LAN_IP);
    h_input(e, 1, f, len, 0);
    h_clear(e);
}

static char report_buf[8192];
static size_t report_len;

static void add_line(void *ctx, const char *text)
{
    (void)ctx;
    size_t n = strlen(text);
    if (report_len + n + 2 < sizeof report_buf) {
        memcpy(report_buf + report_len, text, n);
        report_len += n;
        report_buf[report_len++] = '\n';
        report_buf[report_len] = '\0';
    }
}

const char *h_report(struct h_env *e)
{
    report_len = 0;
    report_buf[0] = '\0';
    router_report(&e->r, add_line, NULL);
    return report_buf;
}
