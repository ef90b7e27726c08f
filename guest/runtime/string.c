/*
 * String and memory functions. gcc and clang emit calls to memcpy, memmove
 * and memset for struct copies and large initialisers even when freestanding,
 * so these must exist. The copy/fill loops use `rep movsb/stosb`, which is
 * fast on current x86_64 and cannot be "optimised" back into a call to
 * itself the way a plain C loop can.
 */
#include <stdint.h>

#include "skiff/rt.h"

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    void *d = dst;
    __asm__ __volatile__("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

    if (d - s >= n) /* no harmful overlap: dst before src, or disjoint */
        return memcpy(dst, src, n);
    /* dst overlaps the tail of src: copy backwards (direction flag set
     * only for this instruction; the ABI requires it clear elsewhere). */
    void *de = (char *)dst + n - 1;
    const void *se = (const char *)src + n - 1;
    __asm__ __volatile__("std\n\trep movsb\n\tcld" : "+D"(de), "+S"(se), "+c"(n) : : "memory");
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    __asm__ __volatile__("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n] != '\0')
        n++;
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y)
            return x < y ? -1 : 1;
        if (x == '\0')
            break;
    }
    return 0;
}

int strcmp(const char *a, const char *b)
{
    return strncmp(a, b, SIZE_MAX);
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)(uintptr_t)s; /* C's strchr drops const */
        if (*s == '\0')
            return NULL;
    }
}
