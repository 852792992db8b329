/* Reading result files back: one entry point that names the file in every
 * error and refuses what it cannot read faithfully (not JSON, another schema,
 * a newer version), and the run document's reader. Readers accept missing
 * optional fields, so documents from older writers still load. */
#include "results/results.h"

#include <stdlib.h>
#include <string.h>

#include "results/jread.h"
#include "results/loaddoc.h"
#include "util/fs.h"
#include "util/str.h"

int res_doc_load(const char *path, json_t **root, res_kind *kind, mp_err *e)
{
    char *text;
    size_t len;
    *root = NULL;
    if (fs_read_file(path, &text, &len, e) != 0)
        return -1;
    int rc = res_doc_parse(text, len, path, root, kind, e);
    free(text);
    return rc;
}

int res_doc_parse(const char *text, size_t len, const char *path, json_t **root, res_kind *kind, mp_err *e)
{
    *root = NULL;
    json_error_t je;
    json_t *doc = json_loadb(text, len, 0, &je);
    if (!doc)
        return mp_fail(e, "%s: not valid JSON: %s (line %d, column %d)", path, je.text, je.line,
                       je.column);
    json_t *schema = json_object_get(doc, "schema");
    json_t *version = json_object_get(doc, "version");
    if (!json_is_object(doc) || !json_is_string(schema)) {
        json_decref(doc);
        return mp_fail(e, "%s: not an mtlsprobe result file (no \"schema\" field)", path);
    }
    int max;
    const char *s = json_string_value(schema);
    if (strcmp(s, "mtlsprobe-run") == 0) {
        *kind = RES_KIND_RUN;
        max = RES_SCHEMA_VERSION;
    } else if (strcmp(s, "mtlsprobe-load") == 0) {
        *kind = RES_KIND_LOAD;
        max = RES_LOAD_SCHEMA_VERSION;
    } else {
        int r = mp_fail(e, "%s: schema '%.100s' is not a result file mtlsprobe reports on "
                           "(mtlsprobe-run, mtlsprobe-load)", path, s);
        json_decref(doc);
        return r;
    }
    if (!json_is_integer(version) || json_integer_value(version) < 1) {
        /* s lives in doc: the message is written before doc goes */
        int r = mp_fail(e, "%s: %s document without a valid \"version\"", path, s);
        json_decref(doc);
        return r;
    }
    if (json_integer_value(version) > max) {
        int r = mp_fail(e, "%s: %s version %lld is newer than this mtlsprobe reads (version %d); "
                           "use a newer mtlsprobe", path, s, (long long)json_integer_value(version), max);
        json_decref(doc);
        return r;
    }
    *root = doc;
    return 0;
}

static res_verdict verdict_of(const char *s, int *ok)
{
    for (int i = 0; i < RES_N_VERDICTS; i++)
        if (strcmp(s, res_verdict_name((res_verdict)i)) == 0)
            return (res_verdict)i;
    *ok = 0;
    return RES_ERROR;
}

static int read_list(const json_t *o, const char *key, char *dst, size_t width, int max, int *n)
{
    json_t *a = res_jget(o, key);
    *n = 0;
    if (!a)
        return 0;
    if (!json_is_array(a))
        return -1;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        if (!json_is_string(v))
            return -1;
        if (*n < max)
            str_copy(dst + (size_t)(*n)++ * width, width, json_string_value(v));
    }
    return 0;
}

static int read_scenario(const json_t *o, res_scenario *s, size_t idx, int version, mp_err *e)
{
    memset(s, 0, sizeof *s);
    res_evidence_init(&s->ev);
    char verdict[16];
    const res_jstr_field strs[] = {
        { "id", s->id, sizeof s->id }, { "title", s->title, sizeof s->title },
        { "severity", s->severity, sizeof s->severity }, { "file", s->file, sizeof s->file },
        { "tls_version", s->tls_version, sizeof s->tls_version }, { "verdict", verdict, sizeof verdict },
        { "expected", s->expected, sizeof s->expected }, { "observed", s->observed, sizeof s->observed },
        { "reason", s->reason, sizeof s->reason },
        { "evidence.rejected_in", s->ev.rejected_in, sizeof s->ev.rejected_in },
        { "evidence.alert.name", s->ev.alert_name, sizeof s->ev.alert_name },
        { "evidence.verify_error", s->ev.verify_error, sizeof s->ev.verify_error },
        { "evidence.tls.version", s->ev.tls_version, sizeof s->ev.tls_version },
        { "evidence.tls.cipher", s->ev.cipher, sizeof s->ev.cipher },
        { "evidence.tls.group", s->ev.group, sizeof s->ev.group },
        { "evidence.tls.alpn", s->ev.alpn, sizeof s->ev.alpn },
        { "evidence.http_server", s->ev.http_server, sizeof s->ev.http_server },
    };
    if (!json_is_object(o))
        return mp_fail(e, "results[%zu] is not an object", idx);
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (res_jstr(o, strs[i].path, strs[i].dst, strs[i].n, "") != 0)
            return mp_fail(e, "results[%zu].%s is not a string", idx, strs[i].path);
    if (!s->id[0])
        return mp_fail(e, "results[%zu] has no id", idx);
    int ok = 1;
    s->verdict = verdict_of(verdict, &ok);
    if (!ok)
        return mp_fail(e, "results[%zu] (%s): verdict '%s' is not PASS, FAIL, INCONCLUSIVE, ERROR, SKIP or INFO", idx,
                       s->id, verdict);
    /* Before version 3 an observation that judged nothing was written as
     * a PASS expecting "recorded ...": it was an INFO. */
    if (version < 3 && s->verdict == RES_PASS && strncmp(s->expected, "recorded", 8) == 0)
        s->verdict = RES_INFO;
    if (read_list(o, "tags", &s->tags[0][0], sizeof s->tags[0], RES_MAX_TAGS, &s->n_tags) != 0 ||
        read_list(o, "controls", &s->controls[0][0], sizeof s->controls[0], RES_MAX_CONTROLS,
                  &s->n_controls) != 0)
        return mp_fail(e, "results[%zu] (%s): tags and controls must be lists of strings", idx, s->id);
    double v;
    struct { const char *path; double *dst; } nums[] = {
        { "duration_ms", &s->duration_ms }, { "evidence.timings.connect_ms", &s->ev.connect_ms },
        { "evidence.timings.handshake_ms", &s->ev.handshake_ms },
        { "evidence.timings.first_byte_ms", &s->ev.first_byte_ms },
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (res_jnum(o, nums[i].path, nums[i].dst, -1) != 0)
            return mp_fail(e, "results[%zu].%s is not a number", idx, nums[i].path);
    if (res_jnum(o, "evidence.alert.code", &v, -1) != 0 || res_jnum(o, "evidence.http_status", &v, 0) != 0)
        return mp_fail(e, "results[%zu] (%s): alert code and HTTP status must be numbers", idx, s->id);
    res_jnum(o, "evidence.alert.code", &v, -1);
    s->ev.alert_code = (int)v;
    res_jnum(o, "evidence.http_status", &v, 0);
    s->ev.http_status = (int)v;
    char dir[16];
    res_jstr(o, "evidence.alert.direction", dir, sizeof dir, "");
    s->ev.alert_sent = strcmp(dir, "sent") == 0;
    json_t *b = res_jget(o, "evidence.tls.resumed");
    s->ev.resumed = b && json_is_true(b);
    b = res_jget(o, "evidence.tls.certificate_requested");
    s->ev.cert_requested = b && json_is_true(b);
    json_t *ctl = res_jget(o, "control");
    if (ctl) {
        if (!json_is_object(ctl) || res_jstr(ctl, "fixture", s->control_fixture, sizeof s->control_fixture, "") ||
            res_jstr(ctl, "observed", s->control_observed, sizeof s->control_observed, "") ||
            res_jnum(ctl, "http_status", &v, 0))
            return mp_fail(e, "results[%zu] (%s): control must be {fixture, served, observed, http_status}",
                           idx, s->id);
        s->has_control = 1;
        s->control_status = (int)v;
        b = res_jget(ctl, "served");
        s->control_served = b && json_is_true(b);
    }
    json_t *w = res_jget(o, "waiver");
    if (w) {
        if (!json_is_object(w) || res_jstr(w, "reason", s->waiver_reason, sizeof s->waiver_reason, "") ||
            res_jstr(w, "expires", s->waiver_expires, sizeof s->waiver_expires, ""))
            return mp_fail(e, "results[%zu] (%s): waiver must be {reason, expires} or null", idx, s->id);
        if (s->verdict != RES_FAIL)
            return mp_fail(e, "results[%zu] (%s): a waiver on verdict %s (only a FAIL is waived)", idx, s->id,
                           res_verdict_name(s->verdict));
        s->waived = 1;
    }
    /* Last, so that an earlier refusal leaves nothing allocated. */
    json_t *d = res_jget(o, "details"), *f = res_jget(o, "findings");
    if ((d && !json_is_array(d)) || (f && !json_is_null(f) && !json_is_array(f)))
        return mp_fail(e, "results[%zu] (%s): details and findings must be lists", idx, s->id);
    size_t i;
    json_t *x;
    json_array_foreach(d, i, x) {
        if (!json_is_string(x) || res_scenario_add_detail(s, json_string_value(x)) != 0) {
            res_scenario_free(s);
            return mp_fail(e, "results[%zu] (%s): details[%zu] is not a string", idx, s->id, i);
        }
    }
    if (f && json_is_array(f))
        s->findings = json_incref(f);
    return 0;
}

/* "tls_versions": absent in documents written before it existed. */
static int read_tls_versions(const json_t *root, res_tls_versions *v, mp_err *e)
{
    json_t *o = res_jget(root, "tls_versions");
    if (!o || json_is_null(o))
        return 0;
    json_t *tested = json_object_get(o, "tested"), *skipped = json_object_get(o, "skipped");
    if (!json_is_object(o) || (tested && !json_is_array(tested)) || (skipped && !json_is_array(skipped)))
        return mp_fail(e, "\"tls_versions\" must be {\"tested\": [...], \"skipped\": [...]}");
    size_t i;
    json_t *x;
    json_array_foreach(tested, i, x) {
        if (!json_is_string(x))
            return mp_fail(e, "tls_versions.tested[%zu] is not a string", i);
        if (v->n_tested < RES_MAX_TLS_VERSIONS)
            str_copy(v->tested[v->n_tested++], sizeof v->tested[0], json_string_value(x));
    }
    json_array_foreach(skipped, i, x) {
        json_t *ver = json_object_get(x, "version"), *why = json_object_get(x, "reason");
        if (!json_is_string(ver) || (why && !json_is_string(why) && !json_is_null(why)))
            return mp_fail(e, "tls_versions.skipped[%zu] needs a \"version\" and a \"reason\" string", i);
        if (v->n_skipped == RES_MAX_TLS_VERSIONS)
            continue;
        str_copy(v->skipped[v->n_skipped].version, sizeof v->skipped[0].version, json_string_value(ver));
        str_copy(v->skipped[v->n_skipped].reason, sizeof v->skipped[0].reason,
                 json_is_string(why) ? json_string_value(why) : "");
        v->n_skipped++;
    }
    return 0;
}

int res_run_from_json(const json_t *root, res_run *r, mp_err *e)
{
    memset(r, 0, sizeof *r);
    const res_jstr_field strs[] = {
        { "target.url", r->target, sizeof r->target }, { "target.sni", r->sni, sizeof r->sni },
        { "target.connect_to", r->connect_to, sizeof r->connect_to },
        { "fixtures.dir", r->fixtures_dir, sizeof r->fixtures_dir },
        { "fixtures.manifest_sha256", r->manifest_sha256, sizeof r->manifest_sha256 },
        { "tool.version", r->tool_version, sizeof r->tool_version },
        { "tool.wolfssl", r->wolfssl_version, sizeof r->wolfssl_version },
        { "command_line", r->command_line, sizeof r->command_line },
    };
    if (res_jstrs(root, strs, sizeof strs / sizeof strs[0], e) != 0)
        return -1;
    if (res_jtime_ms(root, "started_at", &r->started_ms, e) != 0 ||
        res_jtime_ms(root, "finished_at", &r->finished_ms, e) != 0)
        return -1;
    if (read_tls_versions(root, &r->tls_versions, e) != 0)
        return -1;
    json_t *intr = res_jget(root, "interrupted");
    r->interrupted = intr && json_is_true(intr);
    json_t *ver = json_object_get(root, "version");
    int version = json_is_integer(ver) ? (int)json_integer_value(ver) : RES_SCHEMA_VERSION;
    /* fixtures.stale: optional (older documents have none). */
    json_t *st = json_object_get(json_object_get(root, "fixtures"), "stale");
    size_t si;
    json_t *sv;
    json_array_foreach(st, si, sv) {
        if (json_is_string(sv) && r->stale.n < RES_MAX_STALE)
            snprintf(r->stale.item[r->stale.n++], sizeof r->stale.item[0], "%s",
                     json_string_value(sv));
    }
    double dur;
    if (res_jnum(root, "duration_ms", &dur, -1) == 0 && dur >= 0 && r->started_ms)
        r->finished_ms = r->started_ms + (int64_t)dur;
    json_t *list = res_jget(root, "results");
    if (!json_is_array(list))
        return mp_fail(e, "no \"results\" list");
    size_t n = json_array_size(list);
    r->items = n ? calloc(n, sizeof *r->items) : NULL;
    if (n && !r->items)
        return mp_fail(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (read_scenario(json_array_get(list, i), &r->items[i], i, version, e) != 0) {
            res_run_free(r);
            return -1;
        }
        r->n++;
    }
    return 0;
}

void res_run_free(res_run *r)
{
    for (size_t i = 0; r->items && i < r->n; i++)
        res_scenario_free(&r->items[i]);
    free(r->items);
    r->items = NULL;
    r->n = 0;
}
