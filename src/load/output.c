/* Load JSON and thresholds. The JSON document belongs to the result model
 * (results/loaddoc.c), so `load` writes exactly what `report` reads and
 * `report merge` combines; this file only fills it from a load_result. */
#define _DEFAULT_SOURCE
#include "load/output.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki/certsum.h"
#include "pki/der.h"
#include "results/loaddoc.h"
#include "results/results.h"
#include "util/str.h"
#include "util/timeutil.h"

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

int load_write_json(const load_result *r, const load_meta *m, const char *path, mp_err *e)
{
    res_load *l = res_load_new();
    if (!l || (r->n_seconds > 0 && !(l->series = calloc((size_t)r->n_seconds, sizeof *l->series)))) {
        res_load_free(l);
        return mp_fail(e, "out of memory writing %s", path);
    }
    str_copy(l->tool_version, sizeof l->tool_version, m->tool_version);
    str_copy(l->tool_commit, sizeof l->tool_commit, res_build_commit);
    str_copy(l->wolfssl_version, sizeof l->wolfssl_version, m->wolfssl_version);
    str_copy(l->wolfssl_flags, sizeof l->wolfssl_flags, res_wolfssl_flags);
    str_copy(l->target, sizeof l->target, m->target);
    str_copy(l->mode, sizeof l->mode, m->mode);
    str_copy(l->tls_version, sizeof l->tls_version, m->tls_version);
    str_copy(l->client, sizeof l->client, m->client ? m->client : "");
    str_copy(l->fixtures_dir, sizeof l->fixtures_dir, m->fixtures_dir ? m->fixtures_dir : "");
    str_copy(l->manifest_sha256, sizeof l->manifest_sha256, m->manifest_sha256 ? m->manifest_sha256 : "");
    str_copy(l->command_line, sizeof l->command_line, m->command_line);
    l->connections = m->connections;
    l->rate = m->rate;
    l->duration_s = m->duration_s > 0 ? m->duration_s : -1;
    l->warmup_s = m->warmup_s;
    l->count = m->count;
    l->resume_ratio = m->resume_ratio;
    l->threads = m->threads;
    str_copy(l->threads_reason, sizeof l->threads_reason, m->threads_reason ? m->threads_reason : "");
    l->fleet_size = m->fleet_size;
    l->identities_used = r->identities_used;
    l->reuse_key_share_s = m->reuse_key_share_s;
    l->key_shares_made = r->key_shares_made;
    str_copy(l->fleet_origin, sizeof l->fleet_origin, m->fleet_origin ? m->fleet_origin : "");
    str_copy(l->sources, sizeof l->sources, m->sources ? m->sources : "");
    l->n_sources = m->n_sources;
    l->http2_streams = m->http2_streams;
    if (m->n_stages) {
        str_copy(l->stages_kind, sizeof l->stages_kind, m->stages_open ? "rate" : "connections");
        for (int k = 0; k < m->n_stages && k < r->n_stages && k < RES_MAX_STAGES; k++) {
            const load_stage_result *sr = &r->stage_r[k];
            res_stage *g = &l->stages[l->n_stages++];
            g->duration_s = (double)m->stages[k].duration_ns / 1e9;
            g->target = m->stages[k].target;
            g->ok = sr->ok;
            g->errors = sr->errors;
            g->rate_per_s = sr->wall_s > 0 ? (double)sr->ok / sr->wall_s : 0;
            g->handshake_p50_ms = sr->handshake.total ? (double)hist_percentile(&sr->handshake, 50) / 1e6 : -1;
            g->handshake_p99_ms = sr->handshake.total ? (double)hist_percentile(&sr->handshake, 99) / 1e6 : -1;
            g->total_p50_ms = sr->total.total ? (double)hist_percentile(&sr->total, 50) / 1e6 : -1;
            g->total_p99_ms = sr->total.total ? (double)hist_percentile(&sr->total, 99) / 1e6 : -1;
        }
    }
    l->in_flight = r->in_flight;
    l->in_flight_max_age_ms = (double)r->in_flight_max_age_ns / 1e6;
    l->in_flight_sum_age_ms = (double)r->in_flight_sum_age_ns / 1e6;
    for (int k = 0; k < r->n_samples; k++)
        res_message_add(l, load_error_name(r->samples[k].cls, m->proto), r->samples[k].text, r->samples[k].count);
    l->sig_failures = r->sig_failures;
    l->sig_overturned = r->sig_overturned;
    for (int k = 0; k < r->n_sig_kept && l->n_sig_kept < RES_MAX_SIG_FAILURES; k++) {
        const load_sig_failure *in = &r->sig_kept[k];
        res_sig_failure *f = &l->sig_kept[l->n_sig_kept++];
        str_copy(f->tls_version, sizeof f->tls_version, in->tls_version);
        f->wolfcrypt_rc = in->sig.wolf_rc;
        der_hex(in->sig.sig, in->sig.sig_len, 0, f->signature, sizeof f->signature);
        der_hex(in->sig.digest, in->sig.digest_len, 0, f->digest, sizeof f->digest);
        der_hex(in->sig.key, in->sig.key_len, 0, f->signer_key, sizeof f->signer_key);
        uint8_t sum[32];
        char *pem = in->server_cert_len ? pki_cert_pem(in->server_cert, in->server_cert_len) : NULL;
        if (pem && pki_cert_sha256(in->server_cert, in->server_cert_len, sum) == 0) {
            der_hex(sum, sizeof sum, 0, f->server_cert_sha256, sizeof f->server_cert_sha256);
            str_copy(f->server_cert_pem, sizeof f->server_cert_pem, pem);
        }
        free(pem);
    }
    for (size_t k = 0; k < m->n_thresholds && k < RES_MAX_THRESHOLDS; k++) {
        res_threshold *t = &l->thresholds[l->n_thresholds++];
        str_copy(t->expr, sizeof t->expr, m->thresholds[k].text);
        t->ok = load_threshold_check(&m->thresholds[k], r, t->observed, sizeof t->observed);
    }
    l->shard_index = m->shard_index;
    l->shard_count = m->shard_count;
    l->started_ms = m->started_ms;
    l->finished_ms = m->finished_ms;
    l->interrupted = r->interrupted;
    l->handshakes = r->started;
    l->ok = r->ok;
    l->errors = r->errors;
    l->resume_attempts = r->resume_attempts;
    l->resumed = r->resumed;
    l->measured_s = r->wall_s;
    l->rate_per_s = load_rate(r);
    for (int i = 0; i < RES_PHASES; i++)
        l->phases[i] = *phase(r, i);
    char key[16];
    for (int k = 0; k < LE_COUNT; k++)
        if (r->by_class[k])
            res_tally_add(&l->by_class, load_error_name((load_error)k, m->proto), r->by_class[k]);
    /* at most 64 distinct alerts or statuses in one run: far more than TLS has */
    for (int k = 0; k < 256; k++)
        if (r->alerts[k]) {
            snprintf(key, sizeof key, "%d", k);
            res_tally_add(&l->alerts, key, r->alerts[k]);
        }
    for (int k = 0; k < 1000; k++)
        if (r->statuses[k]) {
            snprintf(key, sizeof key, "%d", k);
            res_tally_add(&l->http_status, key, r->statuses[k]);
        }
    for (int s = 0; s < r->n_seconds; s++) {
        res_second *d = &l->series[s];
        d->t = (int64_t)s * (r->series_step_s > 1 ? r->series_step_s : 1);
        d->ok = r->seconds[s].ok;
        d->length_s = r->seconds[s].length_s;
        d->errors = r->seconds[s].errors;
        d->p50_ns = r->seconds[s].p50_ns;
        d->p99_ns = r->seconds[s].p99_ns;
        d->stage = r->seconds[s].stage;
        d->target = r->seconds[s].target;
    }
    l->n_series = (size_t)(r->n_seconds > 0 ? r->n_seconds : 0);
    l->series_step_s = r->series_step_s > 1 ? r->series_step_s : 1;
    l->cpu_user_s = r->cpu_user_s;
    l->cpu_system_s = r->cpu_sys_s;
    l->cpu_transactions = r->cpu_transactions;
    l->busiest_worker = r->worker_busy_max;
    l->peak_rss_mib = (double)r->peak_rss_kib / 1024.0;
    int rc = res_load_save(l, path, e);
    res_load_free(l);
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
    if (strncmp(s, "stage", 5) == 0 && s[5] >= '1' && s[5] <= '9') {
        char *end;
        long st = strtol(s + 5, &end, 10);
        if (*end != '.' || st < 1 || st > LOAD_MAX_STAGES)
            return mp_fail(e, "threshold '%s': expected stageN.METRIC, N from 1 to %d", s, LOAD_MAX_STAGES);
        t->stage = (int)st;
        s = end + 1;
    }
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
        if (strcmp(metric, res_phase_name(i)) == 0)
            ph = i;
    /* the phases in the words of other protocols: tcp, tls, and an MQTT
     * device's time from CONNECT to its CONNACK */
    static const struct { const char *alias; int phase; } aliases[] = {
        { "tcp", RES_PH_CONNECT }, { "tls", RES_PH_HANDSHAKE }, { "connack", RES_PH_TTFB }, { "puback", RES_PH_TTFB },
    };
    for (size_t i = 0; ph < 0 && i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(metric, aliases[i].alias) == 0)
            ph = aliases[i].phase;
    for (int i = 0; i < 6; i++)
        if (strcmp(dot + 1, stat_names[i]) == 0)
            st = i;
    if (ph < 0 || st < 0)
        return mp_fail(e, "threshold '%s': use connect (or tcp), handshake (or tls), ttfb (or connack, puback), total or "
                          "total_uncorrected with p50, p90, p99, p99.9, max or mean", s);
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
    if (t->stage) {
        if (t->stage > r->n_stages) {
            snprintf(observed, n, "no stage %d", t->stage);
            return -1;
        }
        /* a view of the whole-run result narrowed to the stage */
        static const load_result zero;
        load_result *v = malloc(sizeof *v);
        if (!v) {
            snprintf(observed, n, "out of memory");
            return -1;
        }
        *v = zero;
        const load_stage_result *sr = &r->stage_r[t->stage - 1];
        v->connect = sr->connect;
        v->handshake = sr->handshake;
        v->ttfb = sr->ttfb;
        v->total = sr->total;
        v->total_uncorrected = sr->total_uncorrected;
        v->ok = sr->ok;
        v->errors = sr->errors;
        v->started = sr->ok + sr->errors;
        v->wall_s = sr->wall_s;
        load_threshold t2 = *t;
        t2.stage = 0;
        int rc = load_threshold_check(&t2, v, observed, n);
        free(v);
        return rc;
    }
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
            return -1;
        }
        got = stat_p[t->stat] < 0 ? hist_mean(h) : (double)hist_percentile(h, stat_p[t->stat]);
        snprintf(observed, n, "%.3fms", got / 1e6);
    }
    return compare(got, t->op, t->value);
}
