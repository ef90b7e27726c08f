/* Helpers of skiff's test unikernels (see app.h). */
#include "app.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    volatile unsigned char *d = dst; /* volatile: not turned back into memset */
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

void put(const char *s)
{
    solo5_console_write(s, strlen(s));
}

void put_u64(uint64_t v)
{
    char buf[24];
    int i = sizeof buf;
    buf[--i] = '\0';
    do
        buf[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    put(buf + i);
}

int parse_ip(const char **p, uint8_t ip[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        while (**p >= '0' && **p <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*(*p)++ - '0');
            digits++;
        }
        if (digits == 0 || v > 255 || (i < 3 && *(*p)++ != '.'))
            return -1;
        ip[i] = (uint8_t)v;
    }
    return 0;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

size_t answer_frame(const uint8_t mac[6], const uint8_t my_ip[4], uint8_t *f, size_t len, int *echo)
{
    *echo = 0;
    if (len < 42)
        return 0;
    uint16_t type = get16(f + 12);
    if (type == 0x0806 && get16(f + 20) == 1 && memcmp(f + 38, my_ip, 4) == 0) {
        uint8_t sha[6], spa[4];
        memcpy(sha, f + 22, 6);
        memcpy(spa, f + 28, 4);
        memcpy(f, sha, 6);
        memcpy(f + 6, mac, 6);
        put16(f + 20, 2);
        memcpy(f + 22, mac, 6);
        memcpy(f + 28, my_ip, 4);
        memcpy(f + 32, sha, 6);
        memcpy(f + 38, spa, 4);
        return 42;
    }
    if (type != 0x0800)
        return 0;
    uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    /* 14 + ihl + 8 <= len: the ICMP header lies inside the frame */
    if ((ip[0] >> 4) != 4 || ihl < 20 || 14 + ihl + 8 > len || ip[9] != 1 ||
        memcmp(ip + 16, my_ip, 4) != 0)
        return 0;
    uint8_t *icmp = ip + ihl;
    if (icmp[0] != 8)
        return 0;
    uint8_t tmp[6];
    memcpy(tmp, f, 6);
    memcpy(f, f + 6, 6);
    memcpy(f + 6, tmp, 6);
    memcpy(tmp, ip + 12, 4);
    memcpy(ip + 12, ip + 16, 4);
    memcpy(ip + 16, tmp, 4);
    icmp[0] = 0;
    /* type 8 -> 0: the one's-complement sum drops by 0x0800 */
    uint32_t sum = (uint32_t)get16(icmp + 2) + 0x0800;
    sum = (sum & 0xffff) + (sum >> 16);
    put16(icmp + 2, (uint16_t)sum);
    *echo = 1;
    return len;
}
