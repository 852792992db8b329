/* mp_err helpers: formatting into a fixed buffer, never allocating, so they
 * are safe on every error path and in every thread. Built with
 * _POSIX_C_SOURCE and without _GNU_SOURCE, so strerror_r is the POSIX one
 * (it fills the buffer and returns 0). */
#include "util/err.h"

#ifdef _GNU_SOURCE
#error "util/err.c needs the POSIX strerror_r: build it without _GNU_SOURCE"
#endif

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

mp_errno_text mp_strerror(int err)
{
    mp_errno_text t;
    if (strerror_r(err, t.s, sizeof t.s) != 0 || t.s[0] == '\0')
        snprintf(t.s, sizeof t.s, "error %d", err);
    return t;
}
