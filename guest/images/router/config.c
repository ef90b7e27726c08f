/*
 * router: command-line parsing. Grammar (words separated by spaces):
 *
 *   NIC=A.B.C.D/LEN                 the router's address on NIC (every NIC)
 *   route=PREFIX,via=A.B.C.D        static route; PREFIX = A.B.C.D/LEN or
 *                                   "default"
 *   acl=allow|deny[,KEY=VALUE...]   KEY: in, proto, src, dst, sport, dport
 *   icmp-rate=N                     ICMP errors per second (0: none)
 *   help, --help                    print the usage
 *
 * Everything is checked before the router starts: malformed numbers,
 * prefixes with host bits set, subnets that overlap, gateways that are not
 * on a connected subnet, ports without TCP or UDP, duplicates.
 */
#include "config.h"

#include "skiff/rt.h"
#include "wire.h"

const char rt_config_usage[] =
    "usage: router NIC=ADDRESS/LEN... [route=PREFIX,via=GATEWAY]... [acl=RULE]... "
    "[icmp-rate=N]\n"
    "  NIC=ADDRESS/LEN         the router's address and subnet on NIC (wan, lan);\n"
    "                          every NIC needs one, LEN 1-30: wan=10.1.0.1/24\n"
    "  route=PREFIX,via=GW     static route to PREFIX (A.B.C.D/LEN or default)\n"
    "                          through GW, on a connected subnet; the longest\n"
    "                          matching prefix wins, connected subnets included\n"
    "  acl=allow|deny[,in=NIC][,proto=icmp|tcp|udp|N][,src=PREFIX][,dst=PREFIX]\n"
    "      [,sport=P[-Q]][,dport=P[-Q]]\n"
    "                          filter forwarded packets: the first rule that\n"
    "                          matches decides, none matching allows; ports need\n"
    "                          proto=tcp or proto=udp\n"
    "  icmp-rate=N             ICMP errors sent per second at most (default 100,\n"
    "                          0: never)\n";

struct span {
    const char *s;
    size_t n;
};

static bool span_is(struct span a, const char *lit)
{
    size_t n = strlen(lit);
    return a.n == n && memcmp(a.s, lit, n) == 0;
}

/* Splits `in` at the first `sep`: *head before it, *rest after it (empty
 * with found == false if there is none). */
static bool split(struct span in, char sep, struct span *head, struct span *rest)
{
    for (size_t i = 0; i < in.n; i++) {
        if (in.s[i] == sep) {
            *head = (struct span){ in.s, i };
            *rest = (struct span){ in.s + i + 1, in.n - i - 1 };
            return true;
        }
    }
    *head = in;
    *rest = (struct span){ in.s + in.n, 0 };
    return false;
}

/* Decimal, no sign, no leading zeros beyond "0", at most max. */
static bool parse_uint(struct span a, uint32_t max, uint32_t *v)
{
    uint64_t x = 0;

    if (a.n == 0 || a.n > 10 || (a.n > 1 && a.s[0] == '0'))
        return false;
    for (size_t i = 0; i < a.n; i++) {
        if (a.s[i] < '0' || a.s[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(a.s[i] - '0');
    }
    if (x > max)
        return false;
    *v = (uint32_t)x;
    return true;
}

bool rt_parse_ipv4(const char *s, size_t len, uint32_t *addr)
{
    struct span rest = { s, len }, part;
    uint32_t a = 0, v;

    for (int i = 0; i < 4; i++) {
        bool more = split(rest, '.', &part, &rest);
        if (more != (i < 3) || part.n > 3 || !parse_uint(part, 255, &v))
            return false;
        a = a << 8 | v;
    }
    *addr = a;
    return true;
}

/* Error reporting: one line naming the word and the problem. */
struct perr {
    char *buf;
    size_t size;
    struct span word;
};

static bool fail(const struct perr *e, const char *what)
{
    char w[80];
    size_t n = e->word.n < sizeof w - 4 ? e->word.n : sizeof w - 4;

    memcpy(w, e->word.s, n);
    if (n < e->word.n) {
        memcpy(w + n, "...", 3);
        n += 3;
    }
    w[n] = '\0';
    skiff_snprintf(e->buf, e->size, "bad argument \"%s\": %s", w, what);
    return false;
}

static void fmt_addr(char *out, size_t size, uint32_t a)
{
    skiff_snprintf(out, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* A.B.C.D/LEN with no host bits set (or "default" if allowed). */
static bool parse_prefix(const struct perr *e, struct span a, bool allow_default,
                         struct rt_prefix *p)
{
    struct span addr, len;
    uint32_t v, l;

    if (allow_default && span_is(a, "default")) {
        *p = (struct rt_prefix){ 0, 0 };
        return true;
    }
    if (!split(a, '/', &addr, &len) || !rt_parse_ipv4(addr.s, addr.n, &v))
        return fail(e, allow_default ? "a prefix is A.B.C.D/LEN or default"
                                     : "a prefix is A.B.C.D/LEN");
    if (!parse_uint(len, 32, &l))
        return fail(e, "a prefix length is 0 to 32");
    if (v & ~rt_mask(l))
        return fail(e, "the prefix has bits set beyond its length (give the network "
                       "address, e.g. 10.3.0.0/16)");
    *p = (struct rt_prefix){ v, (uint8_t)l };
    return true;
}

static bool parse_ports(const struct perr *e, struct span a, uint16_t *lo, uint16_t *hi)
{
    struct span first, second;
    uint32_t x, y;

    bool range = split(a, '-', &first, &second);
    if (!parse_uint(first, 65535, &x) || (range && !parse_uint(second, 65535, &y)))
        return fail(e, "a port is 0 to 65535, a range P-Q");
    if (!range)
        y = x;
    if (y < x)
        return fail(e, "a port range P-Q needs P <= Q");
    *lo = (uint16_t)x;
    *hi = (uint16_t)y;
    return true;
}

static int nic_index(const struct rt_config *cfg, struct span name)
{
    for (unsigned i = 0; i < cfg->n_nics; i++)
        if (span_is(name, cfg->nic[i].name))
            return (int)i;
    return -1;
}

static bool parse_acl(const struct perr *e, struct rt_config *cfg, struct span v)
{
    struct rt_acl_rule r = { .nic = -1, .proto = -1 };
    struct span field, rest = v, key, val;
    bool seen[6] = { false };
    static const char *const keys[6] = { "in", "proto", "src", "dst", "sport", "dport" };

    if (cfg->n_acl == RT_MAX_ACL)
        return fail(e, "too many ACL rules (at most 64)");
    split(rest, ',', &field, &rest);
    if (span_is(field, "allow"))
        r.allow = true;
    else if (!span_is(field, "deny"))
        return fail(e, "an ACL rule starts with allow or deny");
    while (rest.n > 0) {
        split(rest, ',', &field, &rest);
        if (!split(field, '=', &key, &val) || val.n == 0)
            return fail(e, "ACL fields are KEY=VALUE (in, proto, src, dst, sport, dport)");
        int k = 0;
        while (k < 6 && !span_is(key, keys[k]))
            k++;
        if (k == 6)
            return fail(e, "unknown ACL field (in, proto, src, dst, sport, dport)");
        if (seen[k])
            return fail(e, "an ACL field given twice");
        seen[k] = true;
        uint32_t n;
        switch (k) {
        case 0:
            if ((r.nic = nic_index(cfg, val)) < 0)
                return fail(e, "in= names a NIC of the image (wan, lan)");
            break;
        case 1:
            if (span_is(val, "icmp"))
                r.proto = RT_PROTO_ICMP;
            else if (span_is(val, "tcp"))
                r.proto = RT_PROTO_TCP;
            else if (span_is(val, "udp"))
                r.proto = RT_PROTO_UDP;
            else if (parse_uint(val, 255, &n))
                r.proto = (int)n;
            else
                return fail(e, "proto= is icmp, tcp, udp or a number 0 to 255");
            break;
        case 2:
            if (!parse_prefix(e, val, false, &r.src))
                return false;
            break;
        case 3:
            if (!parse_prefix(e, val, false, &r.dst))
                return false;
            break;
        case 4:
            r.has_sport = true;
            if (!parse_ports(e, val, &r.sport_lo, &r.sport_hi))
                return false;
            break;
        default:
            r.has_dport = true;
            if (!parse_ports(e, val, &r.dport_lo, &r.dport_hi))
                return false;
            break;
        }
    }
    if ((r.has_sport || r.has_dport) && r.proto != RT_PROTO_TCP && r.proto != RT_PROTO_UDP)
        return fail(e, "ports need proto=tcp or proto=udp in the same rule");
    cfg->acl[cfg->n_acl++] = r;
    return true;
}

static bool parse_route(const struct perr *e, struct rt_config *cfg, struct span v)
{
    struct span dst, rest, via, key;
    struct rt_prefix p;
    uint32_t gw;

    if (cfg->n_routes == RT_MAX_ROUTES)
        return fail(e, "too many routes (at most 64)");
    split(v, ',', &dst, &rest);
    if (!parse_prefix(e, dst, true, &p))
        return false;
    if (!split(rest, '=', &key, &via) || !span_is(key, "via"))
        return fail(e, "a route is route=PREFIX,via=GATEWAY");
    if (!rt_parse_ipv4(via.s, via.n, &gw))
        return fail(e, "the gateway is an address A.B.C.D");
    for (unsigned i = 0; i < cfg->n_routes; i++)
        if (cfg->route[i].dst.addr == p.addr && cfg->route[i].dst.len == p.len)
            return fail(e, "a second route to the same prefix");
    cfg->route[cfg->n_routes].dst = p;
    cfg->route[cfg->n_routes].via = gw;
    cfg->n_routes++;
    return true;
}

static bool parse_nic(const struct perr *e, struct rt_config *cfg, int i, struct span v,
                      bool *given)
{
    struct span addr, len;
    uint32_t a, l;

    if (given[i])
        return fail(e, "the NIC's address is given twice");
    if (!split(v, '/', &addr, &len) || !rt_parse_ipv4(addr.s, addr.n, &a))
        return fail(e, "a NIC's address is A.B.C.D/LEN, e.g. 10.1.0.1/24");
    if (!parse_uint(len, 32, &l) || l < 1 || l > 30)
        return fail(e, "the subnet's prefix length is 1 to 30");
    uint32_t host = a & ~rt_mask(l);
    if (host == 0 || host == ~rt_mask(l))
        return fail(e, "the address is its subnet's network or broadcast address");
    uint32_t top = a >> 24;
    if (top == 0 || top == 127 || top >= 224 || (a >> 16) == 0xa9fe)
        return fail(e, "the address is not a unicast address a router can use");
    cfg->nic[i].addr = a;
    cfg->nic[i].len = (uint8_t)l;
    given[i] = true;
    return true;
}

/* Cross-checks once every word is read. */
static bool check(struct rt_config *cfg, const bool *given, char *err, size_t size)
{
    char a[16], b[16];

    for (unsigned i = 0; i < cfg->n_nics; i++) {
        if (!given[i]) {
            skiff_snprintf(err, size, "NIC %s has no address: give %s=ADDRESS/LEN",
                           cfg->nic[i].name, cfg->nic[i].name);
            return false;
        }
        for (unsigned j = 0; j < i; j++) {
            uint32_t m =
                rt_mask(cfg->nic[i].len < cfg->nic[j].len ? cfg->nic[i].len : cfg->nic[j].len);
            if ((cfg->nic[i].addr & m) == (cfg->nic[j].addr & m)) {
                skiff_snprintf(err, size, "the subnets of %s and %s overlap", cfg->nic[j].name,
                               cfg->nic[i].name);
                return false;
            }
        }
    }
    for (unsigned r = 0; r < cfg->n_routes; r++) {
        uint32_t gw = cfg->route[r].via;
        bool on_link = false;
        fmt_addr(a, sizeof a, gw);
        for (unsigned i = 0; i < cfg->n_nics; i++) {
            uint32_t m = rt_mask(cfg->nic[i].len);
            if ((gw & m) != (cfg->nic[i].addr & m))
                continue;
            if (gw == cfg->nic[i].addr || (gw & ~m) == 0 || (gw & ~m) == ~m) {
                skiff_snprintf(err, size,
                               "route via %s: the gateway is the router's own, the network "
                               "or the broadcast address of %s",
                               a, cfg->nic[i].name);
                return false;
            }
            on_link = true;
        }
        if (!on_link) {
            skiff_snprintf(err, size,
                           "route via %s: the gateway is not on a connected subnet (of a NIC's "
                           "ADDRESS/LEN)",
                           a);
            return false;
        }
        for (unsigned i = 0; i < cfg->n_nics; i++) {
            if (cfg->route[r].dst.len == cfg->nic[i].len &&
                cfg->route[r].dst.addr == (cfg->nic[i].addr & rt_mask(cfg->nic[i].len))) {
                fmt_addr(b, sizeof b, cfg->route[r].dst.addr);
                skiff_snprintf(err, size, "route to %s/%u: that is %s's connected subnet", b,
                               cfg->route[r].dst.len, cfg->nic[i].name);
                return false;
            }
        }
    }
    return true;
}

bool rt_config_parse(const char *cmdline, const char *const *nic_names, unsigned n_names,
                     struct rt_config *cfg, char *err, size_t err_size)
{
    bool given[RT_MAX_NICS] = { false };

    memset(cfg, 0, sizeof *cfg);
    cfg->icmp_rate = RT_ICMP_RATE_DEFAULT;
    if (n_names == 0 || n_names > RT_MAX_NICS) {
        skiff_snprintf(err, err_size, "the image declares %u NICs (1 to %u)", n_names, RT_MAX_NICS);
        return false;
    }
    for (unsigned i = 0; i < n_names; i++) {
        size_t n = strnlen(nic_names[i], RT_NAME_MAX + 1);
        if (n == 0 || n > RT_NAME_MAX) {
            skiff_snprintf(err, err_size, "NIC name %u is empty or too long", i);
            return false;
        }
        memcpy(cfg->nic[i].name, nic_names[i], n);
        cfg->nic[i].name[n] = '\0';
    }
    cfg->n_nics = n_names;

    const char *p = cmdline != NULL ? cmdline : "";
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        struct span word = { p, 0 };
        while (p[word.n] != '\0' && p[word.n] != ' ')
            word.n++;
        p += word.n;

        struct perr e = { err, err_size, word };
        struct span key, val;
        if (span_is(word, "help") || span_is(word, "--help")) {
            cfg->help = true;
            continue;
        }
        if (!split(word, '=', &key, &val) || val.n == 0)
            return fail(&e, "settings are KEY=VALUE");
        int nic = nic_index(cfg, key);
        bool ok;
        if (nic >= 0)
            ok = parse_nic(&e, cfg, nic, val, given);
        else if (span_is(key, "route"))
            ok = parse_route(&e, cfg, val);
        else if (span_is(key, "acl"))
            ok = parse_acl(&e, cfg, val);
        else if (span_is(key, "icmp-rate")) {
            ok = parse_uint(val, RT_ICMP_RATE_MAX, &cfg->icmp_rate);
            if (!ok)
                fail(&e, "icmp-rate is a number of ICMP errors per second, 0 to 1000000");
        } else
            ok = fail(&e, "unknown setting (a NIC name, route, acl or icmp-rate)");
        if (!ok)
            return false;
    }
    if (cfg->help)
        return true;
    return check(cfg, given, err, err_size);
}
