/* Reading result documents tolerantly: a missing or null field gives the
 * caller's default, so older writers and hand-made files still load; a field
 * of the wrong type is an error the caller can name. */
#ifndef MP_RESULTS_JREAD_H
#define MP_RESULTS_JREAD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Follows a dotted path ("config.shard.index"); NULL when absent or null. */
json_t *res_jget(const json_t *root, const char *path);

/* Copies a string field into dst (size n), or def when absent. Returns -1 if
 * the field is present but not a string. */
int res_jstr(const json_t *root, const char *path, char *dst, size_t n, const char *def);

/* A table of string fields to read with res_jstrs. */
typedef struct res_jstr_field {
    const char *path;
    char *dst;
    size_t n;
} res_jstr_field;

/* Reads every field of the table ("" when absent); fills e naming the first
 * field that is not a string. */
int res_jstrs(const json_t *root, const res_jstr_field *f, size_t n, mp_err *e);

/* A number (integer or real) or def. Returns -1 if present but not a number,
 * or beyond +-1e15, which no result field reaches. */
int res_jnum(const json_t *root, const char *path, double *out, double def);

/* A non-negative integer or def. Returns -1 if present but not one. */
int res_juint(const json_t *root, const char *path, uint64_t *out, uint64_t def);

/* An ISO 8601 time field as ms since the epoch, 0 when absent. Returns -1
 * (filling e) when it is not a string or not a time. */
int res_jtime_ms(const json_t *root, const char *path, int64_t *ms, mp_err *e);

#endif
