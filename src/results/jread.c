/* Dotted-path getters over jansson values. Paths are short literals written
 * in the readers, so a fixed buffer per segment is enough. */
#include "results/jread.h"

#include <string.h>

#include "util/str.h"

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

int res_jnum(const json_t *root, const char *path, double *out, double def)
{
    json_t *v = res_jget(root, path);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
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
