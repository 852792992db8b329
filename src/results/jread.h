/* Reading result documents tolerantly: a missing or null field gives the
 * caller's default, so older writers and hand-made files still load; a field
 * of the wrong type is an error the caller can name. */
#ifndef MP_RESULTS_JREAD_H
#define MP_RESULTS_JREAD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Follows a dotted path ("config.shard.index"); NULL when absent or null. */
json_t *res_jget(const json_t *root, const char *path);

/* Copies a string field into dst (size n), or def when absent. Returns -1 if
 * the field is present but not a string. */
int res_jstr(const json_t *root, const char *path, char *dst, size_t n, const char *def);

/* A number (integer or real) or def. Returns -1 if present but not a number. */
int res_jnum(const json_t *root, const char *path, double *out, double def);

/* A non-negative integer or def. Returns -1 if present but not one. */
int res_juint(const json_t *root, const char *path, uint64_t *out, uint64_t def);

#endif
