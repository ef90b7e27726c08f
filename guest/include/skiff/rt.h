/*
 * The guest runtime's services for images: the string functions the compiler
 * and applications expect, and a small printf over the Solo5 console.
 * Freestanding: there is no libc in a skiff guest.
 */
#ifndef SKIFF_RT_H
#define SKIFF_RT_H

#include <stdarg.h>
#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/*
 * printf subset: %d %i %u %x %X %c %s %p %%, length modifiers l, ll, z, and
 * flags '0' and '-' with a decimal width. Anything else is printed verbatim.
 * Output longer than the internal buffer of skiff_printf is truncated.
 */
int skiff_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int skiff_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int skiff_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SKIFF_RT_H */
