/* Result JSON. The schema is documented in docs/results.md and versioned by
 * RES_SCHEMA_VERSION; readers refuse newer versions. */
#define _DEFAULT_SOURCE
#include "results/results.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/fs.h"
#include "util/timeutil.h"

const char *res_verdict_name(res_verdict v)
{
    static const char *const n[RES_N_VERDICTS] = { "PASS", "FAIL", "INCONCLUSIVE", "ERROR", "SKIP",
                                                           "INFO" };
    return ((int)v >= 0 && (int)v < RES_N_VERDICTS) ? n[v] : "?";
}

int res_scenario_add_detail(res_scenario *s, const char *line)
{
    if (s->n_details == s->cap_details) {
        int cap = s->cap_details ? s->cap_details * 2 : 32;
        char **d = realloc(s->details, (size_t)cap * sizeof *d);
        if (!d)
            return -1;
        s->details = d;
        s->cap_details = cap;
    }
    char *copy = strdup(line);
    if (!copy)
        return -1;
    s->details[s->n_details++] = copy;
    return 0;
}

int res_scenario_add_finding(res_scenario *s, json_t *finding)
{
    if (!s->findings && !(s->findings = json_array())) {
        json_decref(finding);
        return -1;
    }
    return json_array_append_new(s->findings, finding) == 0 ? 0 : -1;
}

void res_scenario_fail_severity(res_scenario *s)
{
    if (s->verdict != RES_FAIL || json_array_size(s->findings) == 0)
        return;
    int own = res_severity_rank(s->severity), worst = RES_N_SEVERITIES;
    size_t i;
    json_t *f;
    json_array_foreach(s->findings, i, f) {
        const char *sev = json_string_value(json_object_get(f, "severity"));
        int rank = sev ? res_severity_rank(sev) : -1;
        if (rank < 0)
            rank = own;
        if (rank >= 0 && rank < worst)
            worst = rank;
    }
    if (own < 0 || worst >= RES_N_SEVERITIES || worst == own)
        return;
    char line[160];
    snprintf(line, sizeof line, "severity %s: the worst of the findings that failed (the scenario's own: %s)",
             res_severities[worst], s->severity);
    (void)res_scenario_add_detail(s, line);
    snprintf(s->severity, sizeof s->severity, "%s", res_severities[worst]);
}

void res_scenario_free(res_scenario *s)
{
    for (int i = 0; i < s->n_details; i++)
        free(s->details[i]);
    free(s->details);
    s->details = NULL;
    s->n_details = s->cap_details = 0;
    json_decref(s->findings);
    s->findings = NULL;
}

int res_copy_marked(char *dst, size_t n, const char *text)
{
    size_t len = strlen(text);
    if (len < n) {
        memcpy(dst, text, len + 1);
        return 0;
    }
    char tail[64];
    size_t keep = n > 80 ? n - 80 : 0;
    while (keep > 0 && text[keep] != ' ' && text[keep] != ',' && text[keep] != ';')
        keep--;
    /* Never end inside a UTF-8 sequence. */
    while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
        keep--;
    snprintf(tail, sizeof tail, " ... [%zu more characters: see details]", len - keep);
    snprintf(dst, n, "%.*s%s", (int)keep, text, tail);
    return 1;
}

void res_evidence_init(res_evidence *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->alert_code = -1;
    ev->connect_ms = ev->handshake_ms = ev->first_byte_ms = -1;
}

const char *const res_severities[RES_N_SEVERITIES] = { "critical", "high", "medium", "low", "info" };

int res_severity_rank(const char *severity)
{
    for (int i = 0; i < RES_N_SEVERITIES; i++)
        if (strcmp(severity, res_severities[i]) == 0)
            return i;
    return -1;
}

int res_scenario_not_run(const res_scenario *s)
{
    return s->verdict == RES_SKIP && (strcmp(s->reason, RES_REASON_INTERRUPTED) == 0 ||
                                      strcmp(s->reason, RES_REASON_INTERRUPTED_RUNNING) == 0);
}

int res_skip_needs(const res_scenario *s, char *out, size_t n)
{
    if (s->verdict != RES_SKIP || strncmp(s->reason, "needs --", 8) != 0)
        return 0;
    const char *what = s->reason + 6, *paren = strstr(what, " (");
    snprintf(out, n, "%.*s", paren ? (int)(paren - what) : (int)strlen(what), what);
    return 1;
}

/* id is one of the ", "-separated names in list. */
static int id_listed(const char *list, const char *id)
{
    size_t l = strlen(id);
    for (const char *p = list; (p = strstr(p, id)) != NULL; p += l)
        if ((p == list || p[-1] == ' ') && (p[l] == ',' || p[l] == '\0'))
            return 1;
    return 0;
}

void res_skip_group_add(res_skip_group *g, size_t *n, size_t max, const res_scenario *s)
{
    char need[sizeof g[0].need];
    if (!res_skip_needs(s, need, sizeof need))
        return;
    size_t k = 0;
    while (k < *n && strcmp(g[k].need, need) != 0)
        k++;
    if (k == *n) {
        if (*n == max)
            return;
        memset(&g[k], 0, sizeof g[k]);
        snprintf(g[k].need, sizeof g[k].need, "%s", need);
        (*n)++;
    }
    g[k].runs++;
    if (!id_listed(g[k].ids, s->id)) {
        size_t l = strlen(g[k].ids);
        snprintf(g[k].ids + l, sizeof g[k].ids - l, "%s%s", l ? ", " : "", s->id);
    }
}

res_gate res_run_gate(const res_run *r, int fail_on)
{
    res_gate g = { 0, 0, 0, 0, 0, r->interrupted != 0 };
    for (size_t i = 0; i < r->n; i++) {
        const res_scenario *s = &r->items[i];
        if (res_scenario_not_run(s)) {
            g.not_run++;
        } else if (s->verdict == RES_INCONCLUSIVE || s->verdict == RES_ERROR) {
            g.unjudged++;
        } else if (s->verdict == RES_FAIL) {
            int rank = res_severity_rank(s->severity);
            if (s->waived)
                g.waived++;
            else if (rank < 0 || rank <= fail_on)
                g.failing++;
            else
                g.below++;
        }
    }
    return g;
}

res_counts res_run_count(const res_run *r)
{
    res_counts c = { 0, 0, 0, 0, 0, 0, 0, 0 };
    for (size_t i = 0; i < r->n; i++) {
        c.not_run += res_scenario_not_run(&r->items[i]) != 0;
        switch (r->items[i].verdict) {
        case RES_PASS: c.passed++; break;
        case RES_FAIL:
            c.failed++;
            c.waived += r->items[i].waived != 0;
            break;
        case RES_INCONCLUSIVE: c.inconclusive++; break;
        case RES_ERROR: c.errors++; break;
        case RES_SKIP: c.skipped++; break;
        case RES_INFO: c.info++; break;
        }
    }
    return c;
}

int64_t res_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *iso_ms(int64_t ms)
{
    char buf[21];
    tm_format_iso(ms / 1000, buf);
    return json_string(buf);
}

static json_t *opt_ms(double v)
{
    return v < 0 ? json_null() : json_real((double)(int64_t)(v * 1000) / 1000.0);
}

static json_t *evidence_json(const res_evidence *ev)
{
    json_t *o = json_object();
    json_object_set_new(o, "rejected_in", ev->rejected_in[0] ? json_string(ev->rejected_in) : json_null());
    if (ev->alert_code >= 0) {
        json_t *a = json_object();
        json_object_set_new(a, "name", json_string(ev->alert_name));
        json_object_set_new(a, "code", json_integer(ev->alert_code));
        json_object_set_new(a, "direction", json_string(ev->alert_sent ? "sent" : "received"));
        json_object_set_new(o, "alert", a);
    } else {
        json_object_set_new(o, "alert", json_null());
    }
    json_object_set_new(o, "verify_error", ev->verify_error[0] ? json_string(ev->verify_error) : json_null());
    json_object_set_new(o, "http_status", ev->http_status ? json_integer(ev->http_status) : json_null());
    json_object_set_new(o, "http_server", ev->http_server[0] ? json_string(ev->http_server) : json_null());
    json_t *tls = json_object();
    json_object_set_new(tls, "version", ev->tls_version[0] ? json_string(ev->tls_version) : json_null());
    json_object_set_new(tls, "cipher", ev->cipher[0] ? json_string(ev->cipher) : json_null());
    json_object_set_new(tls, "group", ev->group[0] ? json_string(ev->group) : json_null());
    json_object_set_new(tls, "alpn", ev->alpn[0] ? json_string(ev->alpn) : json_null());
    json_object_set_new(tls, "resumed", json_boolean(ev->resumed));
    json_object_set_new(tls, "certificate_requested", json_boolean(ev->cert_requested));
    json_object_set_new(o, "tls", tls);
    json_t *t = json_object();
    json_object_set_new(t, "connect_ms", opt_ms(ev->connect_ms));
    json_object_set_new(t, "handshake_ms", opt_ms(ev->handshake_ms));
    json_object_set_new(t, "first_byte_ms", opt_ms(ev->first_byte_ms));
    json_object_set_new(o, "timings", t);
    return o;
}

static json_t *scenario_json(const res_scenario *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(s->id));
    json_object_set_new(o, "title", json_string(s->title));
    json_object_set_new(o, "severity", json_string(s->severity));
    json_object_set_new(o, "file", json_string(s->file));
    json_t *tags = json_array(), *controls = json_array();
    for (int i = 0; i < s->n_tags; i++)
        json_array_append_new(tags, json_string(s->tags[i]));
    for (int i = 0; i < s->n_controls; i++)
        json_array_append_new(controls, json_string(s->controls[i]));
    json_object_set_new(o, "tags", tags);
    json_object_set_new(o, "controls", controls);
    json_object_set_new(o, "tls_version", json_string(s->tls_version));
    json_object_set_new(o, "verdict", json_string(res_verdict_name(s->verdict)));
    json_object_set_new(o, "expected", json_string(s->expected));
    json_object_set_new(o, "observed", json_string(s->observed));
    json_object_set_new(o, "reason", s->reason[0] ? json_string(s->reason) : json_null());
    json_object_set_new(o, "duration_ms", opt_ms(s->duration_ms));
    json_object_set_new(o, "evidence", evidence_json(&s->ev));
    if (s->has_control) {
        json_t *ctl = json_object();
        json_object_set_new(ctl, "fixture", s->control_fixture[0] ? json_string(s->control_fixture) : json_null());
        json_object_set_new(ctl, "served", json_boolean(s->control_served));
        json_object_set_new(ctl, "observed", json_string(s->control_observed));
        json_object_set_new(ctl, "http_status", s->control_status ? json_integer(s->control_status) : json_null());
        json_object_set_new(o, "control", ctl);
    } else {
        json_object_set_new(o, "control", json_null());
    }
    if (s->waived) {
        json_t *w = json_object();
        json_object_set_new(w, "reason", json_string(s->waiver_reason));
        json_object_set_new(w, "expires", json_string(s->waiver_expires));
        json_object_set_new(o, "waiver", w);
    } else {
        json_object_set_new(o, "waiver", json_null());
    }
    json_t *details = json_array();
    for (int i = 0; i < s->n_details; i++)
        json_array_append_new(details, json_string(s->details[i]));
    json_object_set_new(o, "details", details);
    if (s->findings)
        json_object_set(o, "findings", s->findings);
    return o;
}

static json_t *tls_versions_json(const res_tls_versions *v)
{
    json_t *o = json_object(), *tested = json_array(), *skipped = json_array();
    for (int i = 0; i < v->n_tested; i++)
        json_array_append_new(tested, json_string(v->tested[i]));
    for (int i = 0; i < v->n_skipped; i++) {
        json_t *s = json_object();
        json_object_set_new(s, "version", json_string(v->skipped[i].version));
        json_object_set_new(s, "reason", json_string(v->skipped[i].reason));
        json_array_append_new(skipped, s);
    }
    json_object_set_new(o, "tested", tested);
    json_object_set_new(o, "skipped", skipped);
    return o;
}

int res_run_write_json(const res_run *r, const char *path, mp_err *e)
{
    json_t *root = res_json_document("mtlsprobe-run", RES_SCHEMA_VERSION, r->tool_version,
                                     r->wolfssl_version);
    json_t *target = json_object();
    json_object_set_new(target, "url", json_string(r->target));
    json_object_set_new(target, "sni", r->sni[0] ? json_string(r->sni) : json_null());
    json_object_set_new(target, "connect_to", r->connect_to[0] ? json_string(r->connect_to) : json_null());
    json_object_set_new(root, "target", target);
    json_t *fx = json_object();
    json_object_set_new(fx, "dir", json_string(r->fixtures_dir));
    json_object_set_new(fx, "manifest_sha256", json_string(r->manifest_sha256));
    json_t *stale = json_array();
    for (int i = 0; i < r->stale.n; i++)
        json_array_append_new(stale, json_string(r->stale.item[i]));
    json_object_set_new(fx, "stale", stale);
    json_object_set_new(root, "fixtures", fx);
    json_object_set_new(root, "command_line", json_string(r->command_line));
    json_object_set_new(root, "started_at", iso_ms(r->started_ms));
    json_object_set_new(root, "finished_at", iso_ms(r->finished_ms));
    json_object_set_new(root, "duration_ms", json_integer(r->finished_ms - r->started_ms));
    json_object_set_new(root, "interrupted", json_boolean(r->interrupted));
    if (r->tls_versions.n_tested || r->tls_versions.n_skipped)
        json_object_set_new(root, "tls_versions", tls_versions_json(&r->tls_versions));
    res_counts c = res_run_count(r);
    json_t *sum = json_object();
    json_object_set_new(sum, "passed", json_integer((json_int_t)c.passed));
    json_object_set_new(sum, "failed", json_integer((json_int_t)c.failed));
    json_object_set_new(sum, "inconclusive", json_integer((json_int_t)c.inconclusive));
    json_object_set_new(sum, "errors", json_integer((json_int_t)c.errors));
    json_object_set_new(sum, "skipped", json_integer((json_int_t)c.skipped));
    json_object_set_new(sum, "info", json_integer((json_int_t)c.info));
    json_object_set_new(sum, "not_run", json_integer((json_int_t)c.not_run));
    json_object_set_new(sum, "waived", json_integer((json_int_t)c.waived));
    json_object_set_new(root, "summary", sum);
    json_t *list = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(list, scenario_json(&r->items[i]));
    json_object_set_new(root, "results", list);
    int rc = res_json_save(root, path, e);
    json_decref(root);
    return rc;
}

json_t *res_json_document(const char *schema, int version, const char *tool_version,
                          const char *wolfssl_version)
{
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string(schema));
    json_object_set_new(root, "version", json_integer(version));
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("mtlsprobe"));
    json_object_set_new(tool, "version", json_string(tool_version));
    res_json_set_commit(tool, res_build_commit);
    json_object_set_new(tool, "wolfssl", json_string(wolfssl_version));
    json_object_set_new(tool, "wolfssl_flags", json_string(res_wolfssl_flags));
    json_object_set_new(root, "tool", tool);
    return root;
}

void res_json_set_commit(json_t *tool, const char *commit)
{
    static const char suffix[] = "-dirty";
    size_t n = strlen(commit), ns = sizeof suffix - 1;
    int dirty = n > ns && strcmp(commit + n - ns, suffix) == 0;
    if (dirty)
        n -= ns;
    json_object_set_new(tool, "commit", n ? json_stringn(commit, n) : json_null());
    json_object_set_new(tool, "dirty", n ? json_boolean(dirty) : json_null());
}

void res_json_get_commit(const json_t *root, char *out, size_t outlen)
{
    const json_t *tool = json_object_get(root, "tool");
    const char *id = json_string_value(json_object_get(tool, "commit"));
    snprintf(out, outlen, "%s%s", id ? id : "",
             id && json_is_true(json_object_get(tool, "dirty")) ? "-dirty" : "");
}

int res_json_save(const json_t *root, const char *path, mp_err *e)
{
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text)
        return mp_fail(e, "out of memory writing %s", path);
    size_t n = strlen(text);
    char *nl = realloc(text, n + 2);
    if (!nl) {
        free(text);
        return mp_fail(e, "out of memory writing %s", path);
    }
    nl[n] = '\n';
    int rc = fs_write_file(path, nl, n + 1, 0644, e);
    free(nl);
    return rc;
}
