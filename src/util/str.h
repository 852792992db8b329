/* Bounded string copying for fixed-size message fields, where truncating a
 * long message is the intended behaviour; and the nearest of a set of names
 * (util/str.c), for "did you mean ...?". */
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

/* The edit distance (Levenshtein) between a and b. */
size_t str_distance(const char *a, const char *b);

/* The one of names[0..n) nearest to name, or NULL when none is near enough
 * to suggest (more than about half the name differs). */
const char *str_closest(const char *name, const char *const *names, size_t n);

#endif
