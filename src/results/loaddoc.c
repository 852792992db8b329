/* Load documents to and from JSON. Histograms travel as their non-empty
 * buckets [lowest_ns, highest_ns, count] plus exact min, max and sum, so a
 * document read back (or merged with others) gives the same percentiles as
 * the histograms that wrote it. */
#include "results/loaddoc.h"

#include <stdlib.h>
#include <string.h>

#include "results/jread.h"
#include "results/results.h"
#include "util/str.h"
#include "util/timeutil.h"

static const char *const phase_names[RES_PHASES] = {
    "connect", "handshake", "ttfb", "total", "total_uncorrected",
};

const char *res_phase_name(int phase)
{
    return phase >= 0 && phase < RES_PHASES ? phase_names[phase] : "?";
}

int res_tally_add(res_tallies *t, const char *key, uint64_t count)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->items[i].key, key) == 0) {
            t->items[i].count += count;
            return 0;
        }
    }
    if (t->n == RES_MAX_TALLY)
        return -1;
    str_copy(t->items[t->n].key, sizeof t->items[t->n].key, key);
    t->items[t->n++].count = count;
    return 0;
}

uint64_t res_tally_sum(const res_tallies *t)
{
    uint64_t s = 0;
    for (size_t i = 0; i < t->n; i++)
        s += t->items[i].count;
    return s;
}

res_load *res_load_new(void)
{
    res_load *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    for (int i = 0; i < RES_PHASES; i++)
        hist_init(&l->phases[i]);
    l->duration_s = -1;
    l->shard_count = 1;
    return l;
}

void res_load_free(res_load *l)
{
    if (l) {
        free(l->series);
        free(l);
    }
}

/* ---- reading ------------------------------------------------------------ */

/* Nanoseconds from a document's number, saturating at 0 and about 285
 * years: a cast of a double out of range is undefined. */
static int64_t ns_clamp(double ns)
{
    return ns <= 0 ? 0 : ns >= 9e18 ? INT64_C(9000000000000000000) : (int64_t)ns;
}

static int read_hist(const json_t *ph, hist *h, const char *name, mp_err *e)
{
    json_t *b = res_jget(ph, "buckets_ns");
    if (b && !json_is_array(b))
        return mp_fail(e, "phases.%s.buckets_ns is not a list", name);
    size_t i;
    json_t *row;
    json_array_foreach(b, i, row) {
        json_t *lo = json_array_get(row, 0), *hi = json_array_get(row, 1), *c = json_array_get(row, 2);
        if (!json_is_integer(lo) || !json_is_integer(hi) || !json_is_integer(c) ||
            json_integer_value(c) < 0)
            return mp_fail(e, "phases.%s.buckets_ns[%zu] is not [lowest_ns, highest_ns, count]", name, i);
        int idx = hist_index_of(json_integer_value(lo));
        if (hist_index_upper(idx) != json_integer_value(hi))
            return mp_fail(e, "phases.%s.buckets_ns[%zu] [%lld, %lld] is not a bucket of this "
                              "histogram layout", name, i, (long long)json_integer_value(lo),
                           (long long)json_integer_value(hi));
        uint64_t n = (uint64_t)json_integer_value(c);
        h->counts[idx] += n;
        h->total += n;
    }
    if (h->total == 0)
        return 0;
    /* min, max and sum: exact when the writer gave them in ns, else from the
     * rounded milliseconds, else from the buckets. */
    double v;
    int lo_idx = -1, hi_idx = -1;
    for (int k = 0; k < HIST_COUNTS; k++) {
        if (h->counts[k]) {
            if (lo_idx < 0)
                lo_idx = k;
            hi_idx = k;
        }
    }
    int64_t blo, bhi;
    uint64_t bc;
    hist_next_bucket(h, lo_idx, &blo, &bhi, &bc);
    if (res_jnum(ph, "min_ns", &v, -1) != 0 || res_jnum(ph, "max_ns", &v, -1) != 0 ||
        res_jnum(ph, "sum_ns", &v, -1) != 0)
        return mp_fail(e, "phases.%s: min_ns, max_ns and sum_ns must be numbers", name);
    res_jnum(ph, "min_ns", &v, -1);
    if (v < 0 && res_jnum(ph, "min_ms", &v, -1) == 0 && v >= 0)
        v *= 1e6;
    h->min = v >= 0 ? ns_clamp(v) : blo;
    res_jnum(ph, "max_ns", &v, -1);
    if (v < 0 && res_jnum(ph, "max_ms", &v, -1) == 0 && v >= 0)
        v *= 1e6;
    h->max = v >= 0 ? ns_clamp(v) : hist_index_upper(hi_idx);
    res_jnum(ph, "sum_ns", &v, -1);
    if (v < 0 && res_jnum(ph, "mean_ms", &v, -1) == 0 && v >= 0)
        v = v * 1e6 * (double)h->total;
    h->sum = v >= 0 ? v : 0;
    return 0;
}

static int read_tallies(const json_t *root, const char *path, res_tallies *t, mp_err *e)
{
    json_t *o = res_jget(root, path);
    if (!o)
        return 0;
    if (!json_is_object(o))
        return mp_fail(e, "%s is not an object", path);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return mp_fail(e, "%s.%s is not a count", path, k);
        if (res_tally_add(t, k, (uint64_t)json_integer_value(v)) != 0)
            return mp_fail(e, "%s has more than %d entries", path, RES_MAX_TALLY);
    }
    return 0;
}

int res_load_from_json(const json_t *root, res_load *l, mp_err *e)
{
    const res_jstr_field strs[] = {
        { "tool.version", l->tool_version, sizeof l->tool_version },
        { "tool.wolfssl", l->wolfssl_version, sizeof l->wolfssl_version },
        { "tool.wolfssl_flags", l->wolfssl_flags, sizeof l->wolfssl_flags },
        { "config.target", l->target, sizeof l->target },
        { "config.mode", l->mode, sizeof l->mode },
        { "config.tls_version", l->tls_version, sizeof l->tls_version },
        { "config.client", l->client, sizeof l->client },
        { "fixtures.dir", l->fixtures_dir, sizeof l->fixtures_dir },
        { "fixtures.manifest_sha256", l->manifest_sha256, sizeof l->manifest_sha256 },
        { "command_line", l->command_line, sizeof l->command_line },
    };
    if (res_jstrs(root, strs, sizeof strs / sizeof strs[0], e) != 0)
        return -1;
    res_json_get_commit(root, l->tool_commit, sizeof l->tool_commit);
    struct { const char *path; double *dst; double def; } nums[] = {
        { "config.rate", &l->rate, 0 }, { "config.duration_s", &l->duration_s, -1 },
        { "config.warmup_s", &l->warmup_s, 0 }, { "config.resume_ratio", &l->resume_ratio, 0 },
        { "totals.measured_s", &l->measured_s, 0 }, { "totals.rate_per_s", &l->rate_per_s, 0 },
        { "cpu.user_s", &l->cpu_user_s, 0 }, { "cpu.system_s", &l->cpu_system_s, 0 },
        { "cpu.busiest_worker", &l->busiest_worker, 0 }, { "peak_rss_mib", &l->peak_rss_mib, 0 },
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (res_jnum(root, nums[i].path, nums[i].dst, nums[i].def) != 0)
            return mp_fail(e, "%s is not a number", nums[i].path);
    uint64_t conn, threads, si, sc;
    struct { const char *path; uint64_t *dst; uint64_t def; } ints[] = {
        { "config.connections", &conn, 0 }, { "config.count", &l->count, 0 },
        { "config.threads", &threads, 0 }, { "config.shard.index", &si, UINT64_MAX },
        { "config.shard.count", &sc, 1 }, { "totals.handshakes", &l->handshakes, 0 },
        { "totals.ok", &l->ok, 0 }, { "totals.errors", &l->errors, 0 },
        { "totals.resume_attempts", &l->resume_attempts, 0 }, { "totals.resumed", &l->resumed, 0 },
        { "cpu.transactions", &l->cpu_transactions, 0 },
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (res_juint(root, ints[i].path, ints[i].dst, ints[i].def) != 0)
            return mp_fail(e, "%s is not a non-negative integer", ints[i].path);
    if (sc < 1 || sc > RES_MAX_SHARDS || (si != UINT64_MAX && si >= sc))
        return mp_fail(e, "config.shard is not {index, count} with 0 <= index < count <= %d",
                       RES_MAX_SHARDS);
    l->connections = (int)(conn > 10000000 ? 10000000 : conn);
    l->threads = (int)(threads > 100000 ? 100000 : threads);
    l->shard_index = si == UINT64_MAX ? -1 : (int)si;
    l->shard_count = (int)sc;
    json_t *intr = res_jget(root, "interrupted");
    l->interrupted = intr && json_is_true(intr);
    if (res_jtime_ms(root, "started_at", &l->started_ms, e) != 0 ||
        res_jtime_ms(root, "finished_at", &l->finished_ms, e) != 0)
        return -1;
    json_t *phases = res_jget(root, "phases");
    if (!phases || !json_is_object(phases))
        return mp_fail(e, "no phases object (histograms)");
    for (int i = 0; i < RES_PHASES; i++) {
        json_t *ph = json_object_get(phases, phase_names[i]);
        if (ph && !json_is_object(ph))
            return mp_fail(e, "phases.%s is not an object", phase_names[i]);
        if (ph && read_hist(ph, &l->phases[i], phase_names[i], e) != 0)
            return -1;
    }
    if (read_tallies(root, "errors.by_class", &l->by_class, e) != 0 ||
        read_tallies(root, "errors.alerts", &l->alerts, e) != 0 ||
        read_tallies(root, "errors.http_status", &l->http_status, e) != 0)
        return -1;
    double age_max = 0, age_mean = 0;
    uint64_t inf = 0;
    if (res_juint(root, "totals.in_flight", &inf, 0) != 0 ||
        res_jnum(root, "totals.in_flight_max_age_ms", &age_max, 0) != 0 ||
        res_jnum(root, "totals.in_flight_mean_age_ms", &age_mean, 0) != 0)
        return mp_fail(e, "totals.in_flight* are not numbers");
    l->in_flight = inf;
    l->in_flight_max_age_ms = age_max;
    l->in_flight_sum_age_ms = age_mean * (double)inf;
    json_t *tr = res_jget(root, "config.threads_reason");
    if (tr && json_is_string(tr))
        snprintf(l->threads_reason, sizeof l->threads_reason, "%s", json_string_value(tr));
    json_t *msgs = res_jget(root, "errors.messages");
    if (msgs && json_is_array(msgs)) {
        size_t i;
        json_t *v;
        json_array_foreach(msgs, i, v) {
            json_t *c = json_object_get(v, "class"), *t = json_object_get(v, "text");
            json_t *n = json_object_get(v, "count");
            if (!json_is_string(c) || !json_is_string(t) || !json_is_integer(n) || json_integer_value(n) < 0)
                return mp_fail(e, "errors.messages[%zu] is not {class, text, count}", i);
            res_message_add(l, json_string_value(c), json_string_value(t), (uint64_t)json_integer_value(n));
        }
    }
    json_t *sf = res_jget(root, "errors.signature_failures");
    if (sf) { /* absent in documents written before it */
        json_t *cnt = json_object_get(sf, "count"), *kept = json_object_get(sf, "kept");
        if (!json_is_object(sf) || !json_is_integer(cnt) || json_integer_value(cnt) < 0 ||
            (kept && !json_is_array(kept)))
            return mp_fail(e, "errors.signature_failures is not {count, kept: [...]}");
        l->sig_failures = (uint64_t)json_integer_value(cnt);
        json_t *ov = json_object_get(sf, "overturned");
        l->sig_overturned = json_is_integer(ov) && json_integer_value(ov) > 0 ? (uint64_t)json_integer_value(ov) : 0;
        size_t i;
        json_t *v;
        json_array_foreach(kept, i, v) {
            if (l->n_sig_kept == RES_MAX_SIG_FAILURES)
                break;
            res_sig_failure *f = &l->sig_kept[l->n_sig_kept];
            static const char *const keys[] = { "tls_version", "signature", "digest", "signer_key",
                                                "server_certificate_sha256", "server_certificate" };
            char *dst[] = { f->tls_version, f->signature, f->digest, f->signer_key, f->server_cert_sha256,
                            f->server_cert_pem };
            size_t cap[] = { sizeof f->tls_version, sizeof f->signature, sizeof f->digest, sizeof f->signer_key,
                             sizeof f->server_cert_sha256, sizeof f->server_cert_pem };
            for (int k = 0; k < 6; k++) {
                json_t *x = json_object_get(v, keys[k]);
                if (x && !json_is_string(x))
                    return mp_fail(e, "errors.signature_failures.kept[%zu].%s is not a string", i, keys[k]);
                str_copy(dst[k], cap[k], x ? json_string_value(x) : "");
            }
            json_t *rc = json_object_get(v, "wolfcrypt_rc");
            f->wolfcrypt_rc = json_is_integer(rc) ? (int)json_integer_value(rc) : 0;
            l->n_sig_kept++;
        }
    }
    json_t *ths = res_jget(root, "thresholds");
    if (ths && json_is_array(ths)) {
        size_t i;
        json_t *v;
        json_array_foreach(ths, i, v) {
            json_t *x = json_object_get(v, "expr"), *o = json_object_get(v, "observed");
            json_t *k = json_object_get(v, "ok");
            if (!json_is_string(x) || !json_is_string(o) || !(json_is_boolean(k) || json_is_null(k)))
                return mp_fail(e, "thresholds[%zu] is not {expr, observed, ok}", i);
            if (l->n_thresholds == RES_MAX_THRESHOLDS)
                break;
            res_threshold *th = &l->thresholds[l->n_thresholds++];
            snprintf(th->expr, sizeof th->expr, "%s", json_string_value(x));
            snprintf(th->observed, sizeof th->observed, "%s", json_string_value(o));
            th->ok = json_is_null(k) ? -1 : json_is_true(k);
        }
    }
    json_t *series = res_jget(root, "series");
    if (series && !json_is_array(series))
        return mp_fail(e, "series is not a list");
    size_t n = series ? json_array_size(series) : 0;
    uint64_t step64 = 1;
    if (res_juint(root, "series_step_s", &step64, 1) != 0 || step64 < 1 || step64 > (1u << 20) ||
        (step64 & (step64 - 1)) != 0)
        return mp_fail(e, "series_step_s is not a power of two from 1 to 2^20");
    int step = (int)step64;
    l->series_step_s = step;
    free(l->series);
    l->series = n ? calloc(n, sizeof *l->series) : NULL;
    l->n_series = 0;
    if (n && !l->series)
        return mp_fail(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(series, i);
        res_second *d = &l->series[i];
        uint64_t t;
        double p50, p99;
        if (!json_is_object(s) || res_juint(s, "t", &t, i) != 0 || res_juint(s, "ok", &d->ok, 0) != 0 ||
            res_juint(s, "errors", &d->errors, 0) != 0 || res_jnum(s, "p50_ms", &p50, 0) != 0 ||
            res_jnum(s, "p99_ms", &p99, 0) != 0)
            return mp_fail(e, "series[%zu] is not {t, ok, errors, p50_ms, p99_ms}", i);
        d->t = (int64_t)t;
        if (res_jnum(s, "length_s", &d->length_s, step) != 0 || d->length_s <= 0 || d->length_s > step)
            return mp_fail(e, "series[%zu].length_s is not in (0, %d]", i, step);
        d->p50_ns = ns_clamp(p50 * 1e6 + 0.5);
        d->p99_ns = ns_clamp(p99 * 1e6 + 0.5);
        uint64_t stage = 0;
        if (res_juint(s, "stage", &stage, 0) != 0 || stage > RES_MAX_STAGES || res_jnum(s, "target", &d->target, 0) != 0)
            return mp_fail(e, "series[%zu].stage or .target is not a number", i);
        d->stage = (int)stage;
        l->n_series++;
    }
    json_t *fl = res_jget(root, "config.clients");
    if (fl && json_is_object(fl)) {
        json_t *o = json_object_get(fl, "origin");
        if (res_juint(fl, "fleet", &l->fleet_size, 0) != 0 || !json_is_string(o) ||
            res_juint(root, "totals.identities", &l->identities_used, 0) != 0)
            return mp_fail(e, "config.clients is not {fleet, origin}, or totals.identities is missing");
        snprintf(l->fleet_origin, sizeof l->fleet_origin, "%s", json_string_value(o));
    }
    json_t *ks = res_jget(root, "config.reuse_key_share_s");
    if (ks && !json_is_null(ks)) {
        if (res_jnum(root, "config.reuse_key_share_s", &l->reuse_key_share_s, 0) != 0 || l->reuse_key_share_s <= 0 ||
            res_juint(root, "totals.key_shares", &l->key_shares_made, 0) != 0)
            return mp_fail(e, "config.reuse_key_share_s is not a positive number, or totals.key_shares is missing");
    }
    json_t *h2 = res_jget(root, "config.http2");
    if (h2 && json_is_object(h2)) {
        json_t *ns = json_object_get(h2, "streams");
        if (!json_is_integer(ns) || json_integer_value(ns) < 1)
            return mp_fail(e, "config.http2 is not {streams}");
        l->http2_streams = (int)json_integer_value(ns);
    }
    json_t *src = res_jget(root, "config.source");
    if (src && json_is_object(src)) {
        json_t *rg = json_object_get(src, "range"), *na = json_object_get(src, "addresses");
        if (!json_is_string(rg) || !json_is_integer(na))
            return mp_fail(e, "config.source is not {range, addresses}");
        snprintf(l->sources, sizeof l->sources, "%s", json_string_value(rg));
        l->n_sources = (int)json_integer_value(na);
    }
    json_t *stg = res_jget(root, "stages");
    if (stg && json_is_object(stg)) {
        json_t *kind = json_object_get(stg, "kind"), *list = json_object_get(stg, "list");
        if (!json_is_string(kind) || !json_is_array(list) || json_array_size(list) > RES_MAX_STAGES)
            return mp_fail(e, "stages is not {kind, list} with at most %d stages", RES_MAX_STAGES);
        snprintf(l->stages_kind, sizeof l->stages_kind, "%s", json_string_value(kind));
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
            res_stage *g = &l->stages[i];
            const char *pk[] = { "handshake_p50_ms", "handshake_p99_ms", "total_p50_ms", "total_p99_ms" };
            double *pv[] = { &g->handshake_p50_ms, &g->handshake_p99_ms, &g->total_p50_ms, &g->total_p99_ms };
            if (res_jnum(v, "duration_s", &g->duration_s, 0) != 0 || res_jnum(v, "target", &g->target, 0) != 0 ||
                res_juint(v, "ok", &g->ok, 0) != 0 || res_juint(v, "errors", &g->errors, 0) != 0 ||
                res_jnum(v, "rate_per_s", &g->rate_per_s, 0) != 0)
                return mp_fail(e, "stages.list[%zu] is not {duration_s, target, ok, errors, rate_per_s, ...}", i);
            for (int k = 0; k < 4; k++) {
                json_t *x = json_object_get(v, pk[k]);
                *pv[k] = json_is_number(x) ? json_number_value(x) : -1;
            }
            l->n_stages = i + 1;
        }
    }
    json_t *shards = res_jget(root, "merge.shards");
    if (shards) {
        size_t i;
        json_t *v;
        json_array_foreach(shards, i, v) {
            if (!json_is_integer(v) || l->n_merged == RES_MAX_SHARDS)
                return mp_fail(e, "merge.shards is not a list of shard indexes");
            l->merged_shards[l->n_merged++] = (int)json_integer_value(v);
        }
    }
    return 0;
}

void res_message_add(res_load *l, const char *cls, const char *text, uint64_t count)
{
    for (size_t i = 0; i < l->n_messages; i++)
        if (strcmp(l->messages[i].cls, cls) == 0 && strcmp(l->messages[i].text, text) == 0) {
            l->messages[i].count += count;
            return;
        }
    if (l->n_messages == RES_MAX_MESSAGES)
        return;
    res_error_message *m = &l->messages[l->n_messages++];
    snprintf(m->cls, sizeof m->cls, "%s", cls);
    snprintf(m->text, sizeof m->text, "%s", text);
    m->count = count;
}

/* ---- writing ------------------------------------------------------------ */

/* Milliseconds with microsecond resolution, as every result field has. */
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
        json_object_set_new(o, "min_ns", json_integer(h->min));
        json_object_set_new(o, "max_ns", json_integer(h->max));
        json_object_set_new(o, "sum_ns", json_integer((json_int_t)h->sum));
    }
    json_t *b = json_array();
    int idx = 0;
    int64_t lo, hi;
    uint64_t c;
    while ((idx = hist_next_bucket(h, idx, &lo, &hi, &c)) >= 0)
        json_array_append_new(b, json_pack("[III]", (json_int_t)lo, (json_int_t)hi, (json_int_t)c));
    json_object_set_new(o, "buckets_ns", b);
    return o;
}

static json_t *tallies_json(const res_tallies *t)
{
    json_t *o = json_object();
    for (size_t i = 0; i < t->n; i++)
        json_object_set_new(o, t->items[i].key, json_integer((json_int_t)t->items[i].count));
    return o;
}

static json_t *iso(int64_t ms_epoch)
{
    char buf[21];
    tm_format_iso(ms_epoch / 1000, buf);
    return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

int res_load_step(const res_load *l)
{
    return l->series_step_s > 1 ? l->series_step_s : 1;
}

res_limit_kind res_load_limit(const res_load *l, char *text, size_t n)
{
    res_limit_in in = { .ended = l->ok + l->errors, .in_flight = l->in_flight, .busiest = l->busiest_worker,
                        .rate_asked = l->n_stages ? 0 : l->rate, .rate_done = l->rate_per_s };
    static const char *const unreachable[] = { "connect refused", "connect timeout", "connect error" };
    for (size_t i = 0; i < l->by_class.n; i++) {
        for (size_t k = 0; k < sizeof unreachable / sizeof unreachable[0]; k++)
            if (strcmp(l->by_class.items[i].key, unreachable[k]) == 0)
                in.unreachable += l->by_class.items[i].count;
        if (strcmp(l->by_class.items[i].key, "generator backlog") == 0)
            in.backlog += l->by_class.items[i].count;
    }
    return res_limit_judge(&in, text, n);
}

json_t *res_load_to_json(const res_load *l)
{
    json_t *root = res_json_document("mtlsprobe-load", RES_LOAD_SCHEMA_VERSION, l->tool_version,
                                     l->wolfssl_version);
    /* The commit of the binary that measured, not of the one that merges. */
    res_json_set_commit(json_object_get(root, "tool"), l->tool_commit);
    if (l->wolfssl_flags[0])
        json_object_set_new(json_object_get(root, "tool"), "wolfssl_flags", json_string(l->wolfssl_flags));
    json_t *cfg = json_object();
    json_object_set_new(cfg, "target", json_string(l->target));
    json_object_set_new(cfg, "mode", json_string(l->mode));
    json_object_set_new(cfg, "tls_version", json_string(l->tls_version));
    json_object_set_new(cfg, "client", str_or_null(l->client));
    json_object_set_new(cfg, "connections", json_integer(l->connections));
    json_object_set_new(cfg, "rate", l->rate > 0 ? json_real(l->rate) : json_null());
    json_object_set_new(cfg, "duration_s", l->duration_s > 0 ? json_real(l->duration_s) : json_null());
    json_object_set_new(cfg, "warmup_s", json_real(l->warmup_s));
    json_object_set_new(cfg, "count", l->count ? json_integer((json_int_t)l->count) : json_null());
    json_object_set_new(cfg, "resume_ratio", json_real(l->resume_ratio));
    json_object_set_new(cfg, "reuse_key_share_s",
                        l->reuse_key_share_s > 0 ? json_real(l->reuse_key_share_s) : json_null());
    json_object_set_new(cfg, "threads", json_integer(l->threads));
    if (l->threads_reason[0])
        json_object_set_new(cfg, "threads_reason", json_string(l->threads_reason));
    json_t *shard = json_object();
    json_object_set_new(shard, "index", l->shard_index >= 0 ? json_integer(l->shard_index) : json_null());
    json_object_set_new(shard, "count", json_integer(l->shard_count));
    json_object_set_new(cfg, "shard", shard);
    if (l->fleet_size)
        json_object_set_new(cfg, "clients", json_pack("{s:I,s:s}", "fleet", (json_int_t)l->fleet_size,
                                                      "origin", l->fleet_origin));
    json_object_set_new(cfg, "http2", l->http2_streams ? json_pack("{s:i}", "streams", l->http2_streams) : json_null());
    if (l->n_sources)
        json_object_set_new(cfg, "source", json_pack("{s:s,s:i}", "range", l->sources, "addresses", l->n_sources));
    if (l->n_stages) {
        json_t *st = json_array();
        for (size_t i = 0; i < l->n_stages; i++) {
            const res_stage *g = &l->stages[i];
            json_array_append_new(st, json_pack("{s:f,s:f,s:I,s:I,s:f,s:o,s:o,s:o,s:o}", "duration_s", g->duration_s,
                                                "target", g->target, "ok", (json_int_t)g->ok, "errors",
                                                (json_int_t)g->errors, "rate_per_s", g->rate_per_s,
                                                "handshake_p50_ms", g->handshake_p50_ms >= 0 ? json_real(g->handshake_p50_ms) : json_null(),
                                                "handshake_p99_ms", g->handshake_p99_ms >= 0 ? json_real(g->handshake_p99_ms) : json_null(),
                                                "total_p50_ms", g->total_p50_ms >= 0 ? json_real(g->total_p50_ms) : json_null(),
                                                "total_p99_ms", g->total_p99_ms >= 0 ? json_real(g->total_p99_ms) : json_null()));
        }
        json_object_set_new(root, "stages", json_pack("{s:s,s:o}", "kind", l->stages_kind, "list", st));
    }
    json_object_set_new(root, "config", cfg);
    if (l->manifest_sha256[0] || l->fixtures_dir[0])
        json_object_set_new(root, "fixtures", json_pack("{s:o,s:o}", "dir", str_or_null(l->fixtures_dir),
                                                        "manifest_sha256", str_or_null(l->manifest_sha256)));
    else
        json_object_set_new(root, "fixtures", json_null());
    if (l->n_merged) {
        json_t *shards = json_array();
        for (size_t i = 0; i < l->n_merged; i++)
            json_array_append_new(shards, json_integer(l->merged_shards[i]));
        json_object_set_new(root, "merge", json_pack("{s:i,s:o}", "workers", (int)l->n_merged,
                                                     "shards", shards));
    }
    json_object_set_new(root, "command_line", json_string(l->command_line));
    json_object_set_new(root, "started_at", iso(l->started_ms));
    json_object_set_new(root, "finished_at", iso(l->finished_ms));
    json_object_set_new(root, "interrupted", json_boolean(l->interrupted));

    json_t *tot = json_object();
    json_object_set_new(tot, "handshakes", json_integer((json_int_t)l->handshakes));
    json_object_set_new(tot, "ok", json_integer((json_int_t)l->ok));
    json_object_set_new(tot, "errors", json_integer((json_int_t)l->errors));
    json_object_set_new(tot, "measured_s", json_real(l->measured_s));
    json_object_set_new(tot, "rate_per_s", json_real(l->rate_per_s));
    json_object_set_new(tot, "resume_attempts", json_integer((json_int_t)l->resume_attempts));
    json_object_set_new(tot, "resumed", json_integer((json_int_t)l->resumed));
    json_object_set_new(tot, "in_flight", json_integer((json_int_t)l->in_flight));
    if (l->fleet_size)
        json_object_set_new(tot, "identities", json_integer((json_int_t)l->identities_used));
    if (l->reuse_key_share_s > 0)
        json_object_set_new(tot, "key_shares", json_integer((json_int_t)l->key_shares_made));
    json_object_set_new(tot, "in_flight_max_age_ms", json_real(l->in_flight_max_age_ms));
    json_object_set_new(tot, "in_flight_mean_age_ms",
                        json_real(l->in_flight ? l->in_flight_sum_age_ms / (double)l->in_flight : 0));
    json_object_set_new(root, "totals", tot);

    json_t *phases = json_object();
    for (int i = 0; i < RES_PHASES; i++)
        json_object_set_new(phases, phase_names[i], hist_json(&l->phases[i]));
    json_object_set_new(root, "phases", phases);

    json_t *errs = json_object();
    json_object_set_new(errs, "by_class", tallies_json(&l->by_class));
    json_object_set_new(errs, "alerts", tallies_json(&l->alerts));
    json_object_set_new(errs, "http_status", tallies_json(&l->http_status));
    json_t *msgs = json_array();
    for (size_t i = 0; i < l->n_messages; i++)
        json_array_append_new(msgs, json_pack("{s:s,s:s,s:I}", "class", l->messages[i].cls, "text",
                                              l->messages[i].text, "count", (json_int_t)l->messages[i].count));
    json_object_set_new(errs, "messages", msgs);
    json_t *kept = json_array();
    for (size_t i = 0; i < l->n_sig_kept; i++) {
        const res_sig_failure *f = &l->sig_kept[i];
        json_array_append_new(kept, json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s}", "tls_version", f->tls_version,
                                              "wolfcrypt_rc", f->wolfcrypt_rc, "signature", f->signature,
                                              "digest", f->digest, "signer_key", f->signer_key,
                                              "server_certificate_sha256", f->server_cert_sha256,
                                              "server_certificate", f->server_cert_pem));
    }
    json_object_set_new(errs, "signature_failures",
                        json_pack("{s:I,s:I,s:o}", "count", (json_int_t)l->sig_failures, "overturned",
                                  (json_int_t)l->sig_overturned, "kept", kept));
    json_object_set_new(root, "errors", errs);
    json_t *ths = json_array();
    for (size_t i = 0; i < l->n_thresholds; i++)
        json_array_append_new(ths, json_pack("{s:s,s:s,s:o}", "expr", l->thresholds[i].expr, "observed",
                                             l->thresholds[i].observed, "ok",
                                             l->thresholds[i].ok < 0 ? json_null() : json_boolean(l->thresholds[i].ok)));
    json_object_set_new(root, "thresholds", ths);

    json_t *series = json_array();
    int step = res_load_step(l);
    json_object_set_new(root, "series_step_s", json_integer(step));
    for (size_t s = 0; s < l->n_series; s++) {
        const res_second *d = &l->series[s];
        json_t *o = json_object();
        json_object_set_new(o, "t", json_integer(d->t));
        json_object_set_new(o, "length_s", json_real(d->length_s > 0 && d->length_s < step ? (double)(int64_t)(d->length_s * 1000 + 0.5) / 1000 : (double)step));
        json_object_set_new(o, "ok", json_integer((json_int_t)d->ok));
        json_object_set_new(o, "errors", json_integer((json_int_t)d->errors));
        json_object_set_new(o, "p50_ms", ms((double)d->p50_ns));
        json_object_set_new(o, "p99_ms", ms((double)d->p99_ns));
        if (d->stage > 0) {
            json_object_set_new(o, "stage", json_integer(d->stage));
            json_object_set_new(o, "target", json_real((double)(int64_t)(d->target * 1000 + 0.5) / 1000));
        }
        json_array_append_new(series, o);
    }
    json_object_set_new(root, "series", series);

    json_t *cpu = json_object();
    json_object_set_new(cpu, "user_s", json_real(l->cpu_user_s));
    json_object_set_new(cpu, "system_s", json_real(l->cpu_system_s));
    /* CPU is read over the whole run, warm-up included, so it is divided by
     * every transaction of that time (documents without the count: by the
     * measured handshakes). */
    uint64_t per = l->cpu_transactions ? l->cpu_transactions : l->handshakes;
    json_object_set_new(cpu, "transactions", json_integer((json_int_t)per));
    json_object_set_new(cpu, "us_per_handshake",
                        per ? json_real((l->cpu_user_s + l->cpu_system_s) * 1e6 / (double)per) : json_null());
    json_object_set_new(cpu, "busiest_worker", json_real(l->busiest_worker));
    json_object_set_new(cpu, "generator_saturated", json_boolean(l->busiest_worker >= RES_LIMIT_BUSY));
    json_object_set_new(root, "cpu", cpu);
    char why[400];
    res_limit_kind lk = res_load_limit(l, why, sizeof why);
    json_object_set_new(root, "limit", lk == RES_LIMIT_NONE ? json_null()
                                                            : json_pack("{s:s, s:s}", "kind", res_limit_name(lk),
                                                                        "text", why));
    json_object_set_new(root, "peak_rss_mib", json_real(l->peak_rss_mib));
    return root;
}

int res_load_save(const res_load *l, const char *path, mp_err *e)
{
    json_t *root = res_load_to_json(l);
    int rc = res_json_save(root, path, e);
    json_decref(root);
    return rc;
}
