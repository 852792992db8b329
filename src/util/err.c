/* mp_err helpers: formatting into a fixed buffer, never allocating, so they
 * are safe on every error path. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mp_fail(mp_err *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int mp_wrap(mp_err *e, const char *fmt, ...)
{
    if (e) {
        char prefix[MP_ERR_LEN];
        char old[MP_ERR_LEN];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof prefix, fmt, ap);
        va_end(ap);
        memcpy(old, e->msg, sizeof old);
        /* Truncation is acceptable: the message stays one readable line. */
        size_t n = strlen(prefix);
        if (n > sizeof e->msg - 3)
            n = sizeof e->msg - 3;
        memcpy(e->msg, prefix, n);
        e->msg[n] = ':';
        e->msg[n + 1] = ' ';
        size_t rest = sizeof e->msg - n - 3;
        size_t ol = strnlen(old, rest);
        memcpy(e->msg + n + 2, old, ol);
        e->msg[n + 2 + ol] = '\0';
    }
    return -1;
}
