/* Bounded string copying for fixed-size message fields, where truncating a
 * long message is the intended behaviour. */
#ifndef MP_UTIL_STR_H
#define MP_UTIL_STR_H

#include <stddef.h>
#include <string.h>

/* Copies src into dst (size n > 0), truncating, always NUL-terminated. */
static inline void str_copy(char *dst, size_t n, const char *src)
{
    size_t l = strnlen(src, n - 1);
    memcpy(dst, src, l);
    dst[l] = '\0';
}

#endif
