/* Dotted-path getters over jansson values. Paths are short literals written
 * in the readers, so a fixed buffer per segment is enough. */
#include "results/jread.h"

#include <string.h>

#include "util/str.h"
#include "util/timeutil.h"

json_t *res_jget(const json_t *root, const char *path)
{
    const json_t *cur = root;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        char key[64];
        if (len >= sizeof key || !json_is_object(cur))
            return NULL;
        memcpy(key, p, len);
        key[len] = '\0';
        cur = json_object_get(cur, key);
        p += len + (dot ? 1 : 0);
    }
    return (cur && !json_is_null(cur)) ? (json_t *)cur : NULL;
}

int res_jstr(const json_t *root, const char *path, char *dst, size_t n, const char *def)
{
    json_t *v = res_jget(root, path);
    if (!v) {
        str_copy(dst, n, def);
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    str_copy(dst, n, json_string_value(v));
    return 0;
}

int res_jstrs(const json_t *root, const res_jstr_field *f, size_t n, mp_err *e)
{
    for (size_t i = 0; i < n; i++)
        if (res_jstr(root, f[i].path, f[i].dst, f[i].n, "") != 0)
            return mp_fail(e, "%s is not a string", f[i].path);
    return 0;
}

int res_jnum(const json_t *root, const char *path, double *out, double def)
{
    json_t *v = res_jget(root, path);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_number(v))
        return -1;
    double x = json_number_value(v);
    /* No result field comes near; beyond, scaling it to nanoseconds or
     * milliseconds could leave the range of a 64-bit integer. */
    if (!(x >= -1e15 && x <= 1e15))
        return -1;
    *out = x;
    return 0;
}

int res_juint(const json_t *root, const char *path, uint64_t *out, uint64_t def)
{
    json_t *v = res_jget(root, path);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

int res_jtime_ms(const json_t *root, const char *path, int64_t *ms, mp_err *e)
{
    char s[64];
    int64_t epoch;
    mp_err ignored;
    *ms = 0;
    if (res_jstr(root, path, s, sizeof s, "") != 0)
        return mp_fail(e, "%s is not a string", path);
    if (!s[0])
        return 0;
    if (tm_parse_instant(s, &epoch, &ignored) != 0)
        return mp_fail(e, "%s '%s' is not an ISO 8601 time", path, s);
    *ms = epoch * 1000;
    return 0;
}
