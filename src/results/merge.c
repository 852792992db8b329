/* Merging the results of several load workers into one document. Everything
 * that can be exact is: histogram buckets are added (so percentiles come from
 * the merged histogram, never from averaging), and counts are summed. The
 * per-second series is aligned on the wall clock (each worker's start plus
 * its warm-up plus t); within one second the merged p50/p99 are the highest
 * worker's, an upper bound, because the series keeps no histograms. */
#include "results/loaddoc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

/* The configuration fields that must agree; connections, rate, count and
 * threads are split between shards, so they are summed instead. */
static int same_config(const res_load *a, const res_load *b, char *field, size_t n, char *va,
                       char *vb, size_t vn)
{
    struct { const char *name; const char *x, *y; } strs[] = {
        { "config.target", a->target, b->target },
        { "config.mode", a->mode, b->mode },
        { "config.tls_version", a->tls_version, b->tls_version },
        { "config.client", a->client, b->client },
        { "fixtures.manifest_sha256", a->manifest_sha256, b->manifest_sha256 },
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        if (strcmp(strs[i].x, strs[i].y) != 0) {
            str_copy(field, n, strs[i].name);
            snprintf(va, vn, "'%s'", strs[i].x);
            snprintf(vb, vn, "'%s'", strs[i].y);
            return 0;
        }
    }
    struct { const char *name; double x, y; } nums[] = {
        { "config.resume_ratio", a->resume_ratio, b->resume_ratio },
        { "config.duration_s", a->duration_s, b->duration_s },
        { "config.warmup_s", a->warmup_s, b->warmup_s },
        { "config.rate (open or closed loop)", a->rate > 0, b->rate > 0 },
        { "config.count (bounded by count or not)", a->count > 0, b->count > 0 },
        { "config.shard.count", a->shard_count, b->shard_count },
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (fabs(nums[i].x - nums[i].y) > 1e-9) {
            str_copy(field, n, nums[i].name);
            snprintf(va, vn, "%g", nums[i].x);
            snprintf(vb, vn, "%g", nums[i].y);
            return 0;
        }
    }
    return 1;
}

/* Start of the measured part, in ms since the epoch. */
static int64_t measured_start_ms(const res_load *l)
{
    return l->started_ms + (int64_t)(l->warmup_s * 1000);
}

static int merge_series(const res_load *const *in, size_t n, res_load *out, mp_err *e)
{
    /* long runs fold their series (entries of 2, 4... s): the longest step
     * wins, and shorter entries add into the one that covers them */
    int step = 1;
    for (size_t i = 0; i < n; i++)
        step = res_load_step(in[i]) > step ? res_load_step(in[i]) : step;
    out->series_step_s = step;
    int64_t base = INT64_MAX, last = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t s0 = measured_start_ms(in[i]) / 1000;
        for (size_t k = 0; k < in[i]->n_series; k++) {
            int64_t w = s0 + in[i]->series[k].t;
            base = w < base ? w : base;
            last = w > last ? w : last;
        }
    }
    if (base == INT64_MAX)
        return 0;
    if ((size_t)(last - base + 1) > 7 * 24 * 3600)
        return mp_fail(e, "the workers' series span %lld s: they did not run together", (long long)(last - base + 1));
    size_t len = (size_t)((last - base) / step + 1);
    out->series = calloc(len, sizeof *out->series);
    if (!out->series)
        return mp_fail(e, "out of memory");
    out->n_series = len;
    for (size_t k = 0; k < len; k++)
        out->series[k].t = (int64_t)k * step;
    for (size_t i = 0; i < n; i++) {
        int64_t s0 = measured_start_ms(in[i]) / 1000;
        for (size_t k = 0; k < in[i]->n_series; k++) {
            const res_second *src = &in[i]->series[k];
            size_t at = (size_t)((s0 + src->t - base) / step);
            res_second *d = &out->series[at];
            /* a second that some worker measured in full is a full second;
             * an entry reaches as far as the furthest part any worker put in it */
            double part = src->length_s > 0 ? src->length_s : (double)res_load_step(in[i]);
            double reach = (double)(s0 + src->t - base) - (double)at * step + part;
            d->length_s = reach > d->length_s ? reach : d->length_s;
            if (d->length_s > step)
                d->length_s = step;
            d->ok += src->ok;
            d->errors += src->errors;
            d->p50_ns = src->p50_ns > d->p50_ns ? src->p50_ns : d->p50_ns;
            d->p99_ns = src->p99_ns > d->p99_ns ? src->p99_ns : d->p99_ns;
            d->stage = src->stage > d->stage ? src->stage : d->stage;
            d->target += src->target; /* each worker drove its share */
        }
    }
    return 0;
}

static int merge_tallies(res_tallies *dst, const res_tallies *src, const char *what, mp_err *e)
{
    for (size_t i = 0; i < src->n; i++)
        if (res_tally_add(dst, src->items[i].key, src->items[i].count) != 0)
            return mp_fail(e, "more than %d different %s", RES_MAX_TALLY, what);
    return 0;
}

int res_load_merge(const res_load *const *in, const char *const *names, size_t n, res_load *out,
                   mp_err *e)
{
    if (n == 0)
        return mp_fail(e, "nothing to merge");
    int seen[RES_MAX_SHARDS];
    for (int s = 0; s < RES_MAX_SHARDS; s++)
        seen[s] = -1;
    for (size_t i = 0; i < n; i++) {
        char name[600], first[600];
        if (names) {
            snprintf(name, sizeof name, "%s", names[i]);
            snprintf(first, sizeof first, "%s", names[0]);
        } else {
            snprintf(name, sizeof name, "input %zu", i + 1);
            snprintf(first, sizeof first, "input 1");
        }
        if (in[i]->n_merged || in[i]->shard_index < 0)
            return mp_fail(e, "%s is already a merged result; merge the workers' own files", name);
        if (in[i]->shard_index >= RES_MAX_SHARDS)
            return mp_fail(e, "%s: shard index %d is beyond %d", name, in[i]->shard_index, RES_MAX_SHARDS - 1);
        char field[64], va[600], vb[600];
        if (i > 0 && !same_config(in[0], in[i], field, sizeof field, va, vb, sizeof va))
            return mp_fail(e, "%s differs from %s in %s (%s, not %s): results of different "
                              "configurations cannot be merged", name, first, field, vb, va);
        int prev = seen[in[i]->shard_index];
        if (prev >= 0)
            return mp_fail(e, "%s repeats shard %d/%d of %s: each worker needs its own --shard", name,
                           in[i]->shard_index, in[i]->shard_count,
                           names ? names[prev] : "an earlier input");
        seen[in[i]->shard_index] = (int)i;
    }
    const res_load *f = in[0];
    /* the workers' identity and configuration */
    memcpy(out->tool_version, f->tool_version, sizeof out->tool_version);
    memcpy(out->tool_commit, f->tool_commit, sizeof out->tool_commit);
    memcpy(out->wolfssl_version, f->wolfssl_version, sizeof out->wolfssl_version);
    memcpy(out->wolfssl_flags, f->wolfssl_flags, sizeof out->wolfssl_flags);
    memcpy(out->target, f->target, sizeof out->target);
    memcpy(out->mode, f->mode, sizeof out->mode);
    memcpy(out->tls_version, f->tls_version, sizeof out->tls_version);
    memcpy(out->client, f->client, sizeof out->client);
    memcpy(out->fixtures_dir, f->fixtures_dir, sizeof out->fixtures_dir);
    memcpy(out->manifest_sha256, f->manifest_sha256, sizeof out->manifest_sha256);
    memcpy(out->fleet_origin, f->fleet_origin, sizeof out->fleet_origin);
    memcpy(out->sources, f->sources, sizeof out->sources);
    memcpy(out->stages_kind, f->stages_kind, sizeof out->stages_kind);
    out->n_sources = f->n_sources;
    out->http2_streams = f->http2_streams;
    out->n_stages = f->n_stages;
    for (size_t k = 0; k < f->n_stages; k++) {
        /* counts add up; percentiles of separate workers do not */
        out->stages[k].duration_s = f->stages[k].duration_s;
        out->stages[k].handshake_p50_ms = out->stages[k].handshake_p99_ms = -1;
        out->stages[k].total_p50_ms = out->stages[k].total_p99_ms = -1;
    }
    out->duration_s = f->duration_s;
    out->warmup_s = f->warmup_s;
    out->resume_ratio = f->resume_ratio;
    out->reuse_key_share_s = f->reuse_key_share_s;
    out->shard_index = -1;
    out->shard_count = f->shard_count;
    out->started_ms = INT64_MAX;
    out->finished_ms = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        const res_load *l = in[i];
        out->connections += l->connections;
        out->rate += l->rate;
        out->count += l->count;
        out->threads += l->threads;
        out->started_ms = l->started_ms < out->started_ms ? l->started_ms : out->started_ms;
        out->finished_ms = l->finished_ms > out->finished_ms ? l->finished_ms : out->finished_ms;
        out->interrupted |= l->interrupted;
        out->handshakes += l->handshakes;
        out->fleet_size += l->fleet_size;
        out->identities_used += l->identities_used;
        out->key_shares_made += l->key_shares_made;
        for (size_t k = 0; k < out->n_stages && k < l->n_stages; k++) {
            out->stages[k].target += l->stages[k].target;
            out->stages[k].ok += l->stages[k].ok;
            out->stages[k].errors += l->stages[k].errors;
            out->stages[k].rate_per_s += l->stages[k].rate_per_s;
        }
        out->ok += l->ok;
        out->errors += l->errors;
        out->resume_attempts += l->resume_attempts;
        out->resumed += l->resumed;
        out->in_flight += l->in_flight;
        out->in_flight_sum_age_ms += l->in_flight_sum_age_ms;
        if (l->in_flight_max_age_ms > out->in_flight_max_age_ms)
            out->in_flight_max_age_ms = l->in_flight_max_age_ms;
        for (size_t m = 0; m < l->n_messages; m++)
            res_message_add(out, l->messages[m].cls, l->messages[m].text, l->messages[m].count);
        out->sig_failures += l->sig_failures;
        out->sig_overturned += l->sig_overturned;
        for (size_t m = 0; m < l->n_sig_kept && out->n_sig_kept < RES_MAX_SIG_FAILURES; m++)
            out->sig_kept[out->n_sig_kept++] = l->sig_kept[m];
        /* the workers ran side by side: their rates add, their time does not */
        out->measured_s = l->measured_s > out->measured_s ? l->measured_s : out->measured_s;
        out->rate_per_s += l->measured_s > 0 ? (double)l->ok / l->measured_s : 0;
        for (int p = 0; p < RES_PHASES; p++)
            hist_merge(&out->phases[p], &l->phases[p]);
        if (merge_tallies(&out->by_class, &l->by_class, "error classes", e) != 0 ||
            merge_tallies(&out->alerts, &l->alerts, "alerts", e) != 0 ||
            merge_tallies(&out->http_status, &l->http_status, "HTTP statuses", e) != 0)
            return -1;
        out->cpu_user_s += l->cpu_user_s;
        out->cpu_system_s += l->cpu_system_s;
        out->cpu_transactions += l->cpu_transactions ? l->cpu_transactions : l->handshakes;
        out->busiest_worker = l->busiest_worker > out->busiest_worker ? l->busiest_worker : out->busiest_worker;
        /* separate processes: the largest one is what a machine must hold */
        out->peak_rss_mib = l->peak_rss_mib > out->peak_rss_mib ? l->peak_rss_mib : out->peak_rss_mib;
        out->merged_shards[out->n_merged++] = l->shard_index;
    }
    return merge_series(in, n, out, e);
}
