/* Load JSON and thresholds. Histograms are written as their non-empty
 * buckets [lowest_ns, highest_ns, count], so results merge exactly later. */
#define _DEFAULT_SOURCE
#include "load/output.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/results.h"
#include "util/timeutil.h"

static const char *const phase_names[] = { "connect", "handshake", "ttfb", "total", "total_uncorrected" };

static const hist *phase(const load_result *r, int i)
{
    const hist *h[] = { &r->connect, &r->handshake, &r->ttfb, &r->total, &r->total_uncorrected };
    return h[i];
}

double load_rate(const load_result *r)
{
    return r->wall_s > 0 ? (double)r->ok / r->wall_s : 0;
}

/* CPU is read for the whole run, so it is divided by every transaction of
 * the run, warm-up included; dividing by the measured ones alone would charge
 * the warm-up's work to them. */
double load_cpu_us(const load_result *r)
{
    return r->cpu_transactions ? (r->cpu_user_s + r->cpu_sys_s) * 1e6 / (double)r->cpu_transactions : 0;
}

static json_t *ms(double ns)
{
    return json_real((double)(int64_t)(ns / 1000.0) / 1000.0);
}

static json_t *hist_json(const hist *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "count", json_integer((json_int_t)h->total));
    if (h->total) {
        json_object_set_new(o, "min_ms", ms((double)h->min));
        json_object_set_new(o, "mean_ms", ms(hist_mean(h)));
        json_object_set_new(o, "p50_ms", ms((double)hist_percentile(h, 50)));
        json_object_set_new(o, "p90_ms", ms((double)hist_percentile(h, 90)));
        json_object_set_new(o, "p99_ms", ms((double)hist_percentile(h, 99)));
        json_object_set_new(o, "p999_ms", ms((double)hist_percentile(h, 99.9)));
        json_object_set_new(o, "max_ms", ms((double)h->max));
    }
    json_t *b = json_array();
    int idx = 0;
    int64_t lo, hi;
    uint64_t c;
    while ((idx = hist_next_bucket(h, idx, &lo, &hi, &c)) >= 0) {
        json_t *row = json_array();
        json_array_append_new(row, json_integer(lo));
        json_array_append_new(row, json_integer(hi));
        json_array_append_new(row, json_integer((json_int_t)c));
        json_array_append_new(b, row);
    }
    json_object_set_new(o, "buckets_ns", b);
    return o;
}

int load_write_json(const load_result *r, const load_meta *m, const char *path, mp_err *e)
{
    json_t *root = res_json_document("mtlsprobe-load", LOAD_SCHEMA_VERSION, m->tool_version,
                                     m->wolfssl_version);
    json_t *cfg = json_object();
    json_object_set_new(cfg, "target", json_string(m->target));
    json_object_set_new(cfg, "mode", json_string(m->mode));
    json_object_set_new(cfg, "tls_version", json_string(m->tls_version));
    json_object_set_new(cfg, "client", json_string(m->client));
    json_object_set_new(cfg, "connections", json_integer(m->connections));
    json_object_set_new(cfg, "rate", m->rate > 0 ? json_real(m->rate) : json_null());
    json_object_set_new(cfg, "duration_s", m->duration_s > 0 ? json_real(m->duration_s) : json_null());
    json_object_set_new(cfg, "warmup_s", json_real(m->warmup_s));
    json_object_set_new(cfg, "count", m->count ? json_integer((json_int_t)m->count) : json_null());
    json_object_set_new(cfg, "resume_ratio", json_real(m->resume_ratio));
    json_object_set_new(cfg, "threads", json_integer(m->threads));
    json_t *shard = json_object();
    json_object_set_new(shard, "index", json_integer(m->shard_index));
    json_object_set_new(shard, "count", json_integer(m->shard_count));
    json_object_set_new(cfg, "shard", shard);
    json_object_set_new(root, "config", cfg);
    json_object_set_new(root, "command_line", json_string(m->command_line));
    char iso[21];
    tm_format_iso(m->started_ms / 1000, iso);
    json_object_set_new(root, "started_at", json_string(iso));
    tm_format_iso(m->finished_ms / 1000, iso);
    json_object_set_new(root, "finished_at", json_string(iso));
    json_object_set_new(root, "interrupted", json_boolean(r->interrupted));

    json_t *tot = json_object();
    json_object_set_new(tot, "handshakes", json_integer((json_int_t)r->started));
    json_object_set_new(tot, "ok", json_integer((json_int_t)r->ok));
    json_object_set_new(tot, "errors", json_integer((json_int_t)r->errors));
    json_object_set_new(tot, "measured_s", json_real(r->wall_s));
    json_object_set_new(tot, "rate_per_s", json_real(load_rate(r)));
    json_object_set_new(tot, "resume_attempts", json_integer((json_int_t)r->resume_attempts));
    json_object_set_new(tot, "resumed", json_integer((json_int_t)r->resumed));
    json_object_set_new(root, "totals", tot);

    json_t *phases = json_object();
    for (int i = 0; i < 5; i++)
        json_object_set_new(phases, phase_names[i], hist_json(phase(r, i)));
    json_object_set_new(root, "phases", phases);

    json_t *errs = json_object(), *cls = json_object(), *alerts = json_object(), *st = json_object();
    for (int k = 0; k < LE_COUNT; k++)
        if (r->by_class[k])
            json_object_set_new(cls, load_error_name((load_error)k), json_integer((json_int_t)r->by_class[k]));
    char key[16];
    for (int k = 0; k < 256; k++)
        if (r->alerts[k]) {
            snprintf(key, sizeof key, "%d", k);
            json_object_set_new(alerts, key, json_integer((json_int_t)r->alerts[k]));
        }
    for (int k = 0; k < 1000; k++)
        if (r->statuses[k]) {
            snprintf(key, sizeof key, "%d", k);
            json_object_set_new(st, key, json_integer((json_int_t)r->statuses[k]));
        }
    json_object_set_new(errs, "by_class", cls);
    json_object_set_new(errs, "alerts", alerts);
    json_object_set_new(errs, "http_status", st);
    json_object_set_new(root, "errors", errs);

    json_t *series = json_array();
    for (int s = 0; s < r->n_seconds; s++) {
        json_t *o = json_object();
        json_object_set_new(o, "t", json_integer(s));
        json_object_set_new(o, "ok", json_integer((json_int_t)r->seconds[s].ok));
        json_object_set_new(o, "errors", json_integer((json_int_t)r->seconds[s].errors));
        json_object_set_new(o, "p50_ms", ms((double)r->seconds[s].p50_ns));
        json_object_set_new(o, "p99_ms", ms((double)r->seconds[s].p99_ns));
        json_array_append_new(series, o);
    }
    json_object_set_new(root, "series", series);

    json_t *cpu = json_object();
    json_object_set_new(cpu, "user_s", json_real(r->cpu_user_s));
    json_object_set_new(cpu, "system_s", json_real(r->cpu_sys_s));
    json_object_set_new(cpu, "us_per_handshake",
                        r->cpu_transactions ? json_real(load_cpu_us(r)) : json_null());
    json_object_set_new(cpu, "busiest_worker", json_real(r->worker_busy_max));
    json_object_set_new(cpu, "generator_saturated", json_boolean(r->worker_busy_max >= 0.9));
    json_object_set_new(root, "cpu", cpu);
    json_object_set_new(root, "peak_rss_mib", json_real((double)r->peak_rss_kib / 1024.0));

    int rc = res_json_save(root, path, e);
    json_decref(root);
    return rc;
}

/* ---- thresholds --------------------------------------------------------- */

enum { M_PHASE0 = 0, M_ERRORS = 10, M_RATE = 11 };
static const char *const stat_names[] = { "p50", "p90", "p99", "p99.9", "max", "mean" };
static const double stat_p[] = { 50, 90, 99, 99.9, 100, -1 };

static int parse_ns(const char *s, double *ns)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    if (strcmp(end, "ns") == 0) *ns = v;
    else if (strcmp(end, "us") == 0 || strcmp(end, "\\xc2\\xb5s") == 0) *ns = v * 1e3;
    else if (strcmp(end, "ms") == 0) *ns = v * 1e6;
    else if (strcmp(end, "s") == 0) *ns = v * 1e9;
    else return -1;
    return 0;
}

int load_threshold_parse(const char *s, load_threshold *t, mp_err *e)
{
    memset(t, 0, sizeof *t);
    snprintf(t->text, sizeof t->text, "%s", s);
    const char *op = strpbrk(s, "<>");
    if (!op || op == s)
        return mp_fail(e, "threshold '%s': expected METRIC<VALUE, e.g. handshake.p99<50ms, "
                          "errors<0.1%%, rate>=900/s", s);
    char metric[64];
    size_t ml = (size_t)(op - s);
    if (ml >= sizeof metric)
        return mp_fail(e, "threshold '%s': metric too long", s);
    memcpy(metric, s, ml);
    metric[ml] = '\0';
    t->op = op[0] == '<' ? 0 : 2;
    const char *v = op + 1;
    if (*v == '=') {
        t->op++;
        v++;
    }
    if (strcmp(metric, "errors") == 0) {
        t->metric = M_ERRORS;
        char *end;
        t->value = strtod(v, &end);
        if (end == v || t->value < 0 || (*end && strcmp(end, "%") != 0))
            return mp_fail(e, "threshold '%s': errors take a count or a percentage", s);
        t->percent = *end == '%';
        return 0;
    }
    if (strcmp(metric, "rate") == 0 || strcmp(metric, "throughput") == 0) {
        t->metric = M_RATE;
        char *end;
        t->value = strtod(v, &end);
        if (end == v || t->value < 0 || (*end && strcmp(end, "/s") != 0))
            return mp_fail(e, "threshold '%s': rate takes a number per second, e.g. 900/s", s);
        return 0;
    }
    char *dot = strchr(metric, '.');
    if (!dot)
        return mp_fail(e, "threshold '%s': unknown metric '%s' (PHASE.STAT, errors, rate)", s, metric);
    *dot = '\0';
    int ph = -1, st = -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(metric, phase_names[i]) == 0)
            ph = i;
    for (int i = 0; i < 6; i++)
        if (strcmp(dot + 1, stat_names[i]) == 0)
            st = i;
    if (ph < 0 || st < 0)
        return mp_fail(e, "threshold '%s': use connect, handshake, ttfb, total or total_uncorrected "
                          "with p50, p90, p99, p99.9, max or mean", s);
    t->metric = M_PHASE0 + ph;
    t->stat = st;
    if (parse_ns(v, &t->value) != 0)
        return mp_fail(e, "threshold '%s': '%s' is not a duration (ns, us, ms, s)", s, v);
    return 0;
}

static int compare(double got, int op, double want)
{
    switch (op) {
    case 0: return got < want;
    case 1: return got <= want;
    case 2: return got > want;
    default: return got >= want;
    }
}

int load_threshold_check(const load_threshold *t, const load_result *r, char *observed, size_t n)
{
    double got;
    if (t->metric == M_ERRORS) {
        if (t->percent) {
            got = r->started ? 100.0 * (double)r->errors / (double)r->started : 0;
            snprintf(observed, n, "%.3f%%", got);
        } else {
            got = (double)r->errors;
            snprintf(observed, n, "%.0f", got);
        }
    } else if (t->metric == M_RATE) {
        got = load_rate(r);
        snprintf(observed, n, "%.1f/s", got);
    } else {
        const hist *h = phase(r, t->metric - M_PHASE0);
        if (!h->total) {
            snprintf(observed, n, "no samples");
            return 0;
        }
        got = stat_p[t->stat] < 0 ? hist_mean(h) : (double)hist_percentile(h, stat_p[t->stat]);
        snprintf(observed, n, "%.3fms", got / 1e6);
    }
    return compare(got, t->op, t->value);
}
