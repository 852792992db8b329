/* Waivers: reading the file and marking the FAILs it covers. The one
 * decision: a waiver is strict data. An unknown key, a missing reason or
 * expiry, or a date that is not a calendar day refuses the whole file, since
 * a misspelt key ("tls" for "tls_version") would otherwise widen a waiver
 * silently; and an expired waiver covers nothing, so the FAIL counts again. */
#include "results/waiver.h"

#include <fnmatch.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/str.h"
#include "util/timeutil.h"

static int is_day(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

/* A string field into dst: 0 when absent and optional, -1 (filling e) when
 * absent and required, not a string, empty, or too long. */
static int field(const json_t *o, const char *key, char *dst, size_t n, int required, const char *where,
                 mp_err *e)
{
    json_t *v = json_object_get(o, key);
    dst[0] = '\0';
    if (!v || json_is_null(v)) {
        if (required)
            return mp_fail(e, "%s: \"%s\" is required", where, key);
        return 0;
    }
    if (!json_is_string(v) || !json_string_length(v))
        return mp_fail(e, "%s: \"%s\" must be a non-empty string", where, key);
    if (json_string_length(v) >= n)
        return mp_fail(e, "%s: \"%s\" is longer than %zu characters", where, key, n - 1);
    str_copy(dst, n, json_string_value(v));
    return 0;
}

static int parse_one(const json_t *o, res_waiver *w, const char *where, mp_err *e)
{
    static const char *const keys[] = { "id", "tls_version", "target", "reason", "expires", "comment" };
    if (!json_is_object(o))
        return mp_fail(e, "%s: not an object", where);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        size_t i = 0;
        while (i < sizeof keys / sizeof keys[0] && strcmp(k, keys[i]) != 0)
            i++;
        if (i == sizeof keys / sizeof keys[0])
            return mp_fail(e, "%s: unknown key \"%.60s\" (id, tls_version, target, reason, expires, comment)",
                           where, k);
    }
    memset(w, 0, sizeof *w);
    char comment[1024], expires[64];
    if (field(o, "id", w->id, sizeof w->id, 1, where, e) || field(o, "reason", w->reason, sizeof w->reason, 1, where, e) ||
        field(o, "expires", expires, sizeof expires, 1, where, e) ||
        field(o, "tls_version", w->tls_version, sizeof w->tls_version, 0, where, e) ||
        field(o, "target", w->target, sizeof w->target, 0, where, e) ||
        field(o, "comment", comment, sizeof comment, 0, where, e))
        return -1;
    if (w->tls_version[0] && strcmp(w->tls_version, "TLSv1.2") && strcmp(w->tls_version, "TLSv1.3") &&
        strcmp(w->tls_version, "any"))
        return mp_fail(e, "%s: \"tls_version\" must be TLSv1.2, TLSv1.3 or any, not '%s'", where, w->tls_version);
    int64_t day;
    mp_err te;
    char iso[21];
    int ok = is_day(expires) && tm_parse_instant(expires, &day, &te) == 0;
    if (ok) { /* 2027-02-30 parses as a day in March: refuse it */
        tm_format_iso(day, iso);
        ok = strncmp(iso, expires, 10) == 0;
    }
    if (!ok)
        return mp_fail(e, "%s: \"expires\" must be a date YYYY-MM-DD, not '%s'", where, expires);
    str_copy(w->expires, sizeof w->expires, expires);
    w->expires_end = day + 86400;
    return 0;
}

int res_waivers_parse(res_waivers *w, const char *text, size_t len, const char *path, mp_err *e)
{
    memset(w, 0, sizeof *w);
    json_error_t je;
    json_t *doc = json_loadb(text, len, 0, &je);
    if (!doc)
        return mp_fail(e, "waivers %s: not valid JSON: %s (line %d, column %d)", path, je.text, je.line,
                       je.column);
    json_t *list = json_object_get(doc, "waivers");
    int rc = 0;
    if (!json_is_object(doc) || !json_is_array(list)) {
        rc = mp_fail(e, "waivers %s: expected {\"waivers\": [...]}", path);
        goto out;
    }
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v) {
        if (strcmp(k, "waivers") != 0 && strcmp(k, "comment") != 0) {
            rc = mp_fail(e, "waivers %s: unknown key \"%.60s\" (waivers, comment)", path, k);
            goto out;
        }
    }
    size_t n = json_array_size(list);
    w->items = n ? calloc(n, sizeof *w->items) : NULL;
    if (n && !w->items) {
        rc = mp_fail(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char where[600];
        snprintf(where, sizeof where, "waivers %s: waivers[%zu]", path, i);
        if (parse_one(json_array_get(list, i), &w->items[i], where, e) != 0) {
            res_waivers_free(w);
            rc = -1;
            goto out;
        }
        w->n++;
    }
out:
    json_decref(doc);
    return rc;
}

int res_waivers_load(res_waivers *w, const char *path, mp_err *e)
{
    char *text;
    size_t len;
    memset(w, 0, sizeof *w);
    if (fs_read_file(path, &text, &len, e) != 0)
        return mp_wrap(e, "waivers");
    int rc = res_waivers_parse(w, text, len, path, e);
    free(text);
    return rc;
}

void res_waivers_free(res_waivers *w)
{
    free(w->items);
    w->items = NULL;
    w->n = 0;
}

static int matches(const res_waiver *w, const res_scenario *s, const char *const *targets, size_t n_targets)
{
    if (fnmatch(w->id, s->id, 0) != 0)
        return 0;
    if (w->tls_version[0] && strcmp(w->tls_version, s->tls_version) != 0)
        return 0;
    if (!w->target[0])
        return 1;
    for (size_t i = 0; i < n_targets; i++)
        if (targets[i] && fnmatch(w->target, targets[i], 0) == 0)
            return 1;
    return 0;
}

void res_waivers_apply(res_waivers *w, res_run *run, const char *const *targets, size_t n_targets,
                       int64_t now)
{
    for (size_t i = 0; i < run->n; i++) {
        res_scenario *s = &run->items[i];
        if (s->verdict != RES_FAIL || s->waived)
            continue;
        res_waiver *active = NULL;
        for (size_t k = 0; k < w->n && !active; k++)
            if (now < w->items[k].expires_end && matches(&w->items[k], s, targets, n_targets))
                active = &w->items[k];
        if (active) {
            s->waived = 1;
            str_copy(s->waiver_reason, sizeof s->waiver_reason, active->reason);
            str_copy(s->waiver_expires, sizeof s->waiver_expires, active->expires);
            active->waived++;
            continue;
        }
        for (size_t k = 0; k < w->n; k++)
            if (matches(&w->items[k], s, targets, n_targets))
                w->items[k].expired_hits++;
    }
}
