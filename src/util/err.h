/* Error reporting shared by every module: a function that fails fills a
 * caller-provided mp_err with one readable line and returns -1. Only the verb
 * layer (main.c, cmd_*.c) prints it. */
#ifndef MP_UTIL_ERR_H
#define MP_UTIL_ERR_H

#include <stddef.h>

#define MP_ERR_LEN 1024

typedef struct mp_err {
    char msg[MP_ERR_LEN];
} mp_err;

/* Sets e->msg (when e is not NULL) and returns -1, so callers can write
 * `return mp_fail(e, "...")`. */
int mp_fail(mp_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes an existing message: "context: old message". Returns -1. */
int mp_wrap(mp_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The text of an errno value, safe in any thread: strerror() may share one
 * buffer between threads, and load workers, `run -j` jobs and serve's helper
 * threads all report system errors. Every file under src/ calls this instead.
 * The text lives in the returned struct; used as `mp_strerror(err).s` inside
 * one expression (a call's argument), it is valid until that expression ends
 * (C11 6.2.4p8). An unknown value reads "error N". */
typedef struct mp_errno_text {
    char s[128];
} mp_errno_text;

mp_errno_text mp_strerror(int err);

#endif
