/*
 * router: its configuration, parsed from the guest command line. Pure
 * parsing and cross-checks, no I/O: the caller prints the one-line error
 * and the usage text.
 */
#ifndef ROUTER_CONFIG_H
#define ROUTER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RT_MAX_NICS   8  /* skiff's limit on NICs per guest */
#define RT_MAX_ROUTES 64 /* static routes */
#define RT_MAX_ACL    64 /* ACL rules */
#define RT_NAME_MAX   31 /* NIC name length (Solo5's manifest names) */

#define RT_ICMP_RATE_DEFAULT 100u /* ICMP errors per second */
#define RT_ICMP_RATE_MAX     1000000u

struct rt_prefix {
    uint32_t addr; /* host order; no bits below the length */
    uint8_t len;   /* 0..32 */
};

/* One stateless ACL rule; a field not given matches anything. */
struct rt_acl_rule {
    bool allow;
    int nic;   /* ingress NIC index, -1: any */
    int proto; /* IP protocol number, -1: any */
    struct rt_prefix src, dst;
    bool has_sport, has_dport; /* only with proto TCP or UDP */
    uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
};

struct rt_config {
    unsigned n_nics; /* = the image's NICs, in its order */
    struct {
        char name[RT_NAME_MAX + 1];
        uint32_t addr; /* the router's address on it */
        uint8_t len;   /* its subnet's prefix length (1..30) */
    } nic[RT_MAX_NICS];
    unsigned n_routes;
    struct {
        struct rt_prefix dst; /* 0.0.0.0/0 for "default" */
        uint32_t via;
    } route[RT_MAX_ROUTES];
    unsigned n_acl;
    struct rt_acl_rule acl[RT_MAX_ACL];
    uint32_t icmp_rate; /* ICMP errors per second; 0: none */
    bool help;          /* "help" or "--help" was asked for */
};

/*
 * Parse the command line (words separated by spaces) for an image whose
 * NICs are nic_names[0..n_names). Every NIC must be given an address. On
 * error returns false with one line (no newline) in err naming the word
 * and the problem.
 */
bool rt_config_parse(const char *cmdline, const char *const *nic_names, unsigned n_names,
                     struct rt_config *cfg, char *err, size_t err_size);

/* The usage text (several lines, each ending in a newline). */
extern const char rt_config_usage[];

/* "a.b.c.d" exactly len characters; false on anything else. */
bool rt_parse_ipv4(const char *s, size_t len, uint32_t *addr);

#endif /* ROUTER_CONFIG_H */
