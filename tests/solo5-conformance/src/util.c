/* Helpers for the conformance programs (see util.h). */
#include "util.h"

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

int verdict(const char *name, const char *failure)
{
    put(name);
    if (failure == NULL) {
        put(": SUCCESS\n");
        return SOLO5_EXIT_SUCCESS;
    }
    put(": FAILURE (");
    put(failure);
    put(")\n");
    return SOLO5_EXIT_FAILURE;
}
