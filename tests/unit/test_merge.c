/* results/merge and results/loaddoc: merging workers' load documents gives
 * exactly the percentiles of one histogram holding every sample, also after
 * a trip through JSON; series align on the wall clock; counts add up; and
 * inputs of different configurations or repeated shards are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "results/loaddoc.h"
#include "util/str.h"

static hist all[RES_PHASES];

/* A heavy-tailed latency in ns: mostly 1-5 ms, a few up to seconds. */
static int64_t sample(void)
{
    double u = (rand() + 1.0) / (RAND_MAX + 2.0);
    double v = 1e6 * exp(0.8 * sqrt(-2 * log(u)) * cos(6.283185307179586 * rand() / RAND_MAX)) + 200000;
    if (rand() % 1000 == 0)
        v *= 300;
    return (int64_t)v;
}

static res_load *worker(int shard, int shards, int64_t started_ms, size_t n, uint64_t seconds)
{
    res_load *l = res_load_new();
    ck_assert_ptr_nonnull(l);
    str_copy(l->target, sizeof l->target, "https://gw:8443/");
    str_copy(l->mode, sizeof l->mode, "handshake");
    str_copy(l->tls_version, sizeof l->tls_version, "TLSv1.3");
    str_copy(l->client, sizeof l->client, "client/valid");
    str_copy(l->tool_version, sizeof l->tool_version, "0.1.0");
    l->connections = 8;
    l->duration_s = 3;
    l->shard_index = shard;
    l->shard_count = shards;
    l->started_ms = started_ms;
    l->finished_ms = started_ms + 3000;
    l->measured_s = 3;
    for (size_t i = 0; i < n; i++) {
        int64_t v = sample();
        for (int p = 0; p < RES_PHASES; p++) {
            int64_t x = p == RES_PH_CONNECT ? v / 20 : v;
            hist_record(&l->phases[p], x);
            hist_record(&all[p], x);
        }
    }
    l->handshakes = n + 10;
    l->ok = n;
    l->errors = 10;
    l->rate_per_s = (double)n / 3;
    res_tally_add(&l->by_class, "TLS alert", 7);
    res_tally_add(&l->by_class, "timeout", 3);
    res_tally_add(&l->alerts, "42", 7);
    l->cpu_user_s = 1.5;
    l->cpu_system_s = 0.5;
    l->busiest_worker = 0.2 + 0.1 * shard;
    l->series = calloc(seconds, sizeof *l->series);
    l->n_series = seconds;
    for (uint64_t s = 0; s < seconds; s++) {
        l->series[s].t = (int64_t)s;
        l->series[s].ok = 100 + s;
        l->series[s].errors = 1;
        l->series[s].p99_ns = 5000000 + 1000000 * shard;
    }
    return l;
}

static void check_phases(const res_load *m, const char *what)
{
    const double ps[] = { 0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100 };
    for (int p = 0; p < RES_PHASES; p++) {
        ck_assert_uint_eq(m->phases[p].total, all[p].total);
        ck_assert_int_eq(m->phases[p].min, all[p].min);
        ck_assert_int_eq(m->phases[p].max, all[p].max);
        for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++)
            ck_assert_msg(hist_percentile(&m->phases[p], ps[k]) == hist_percentile(&all[p], ps[k]),
                          "%s: %s p%g: merged %lld, one histogram %lld", what, res_phase_name(p), ps[k],
                          (long long)hist_percentile(&m->phases[p], ps[k]),
                          (long long)hist_percentile(&all[p], ps[k]));
        ck_assert(fabs(hist_mean(&m->phases[p]) - hist_mean(&all[p])) <= 1.0);
    }
}

static res_load *roundtrip(const res_load *l)
{
    json_t *j = res_load_to_json(l);
    res_load *r = res_load_new();
    mp_err e;
    ck_assert_msg(res_load_from_json(j, r, &e) == 0, "%s", e.msg);
    json_decref(j);
    return r;
}

START_TEST(merged_percentiles_equal_one_histogram)
{
    for (int p = 0; p < RES_PHASES; p++)
        hist_init(&all[p]);
    srand(7);
    res_load *w[3] = { worker(0, 3, 1700000000000, 50000, 3), worker(1, 3, 1700000000000, 20000, 3),
                       worker(2, 3, 1700000001000, 80000, 3) };
    res_load *m = res_load_new();
    mp_err e;
    ck_assert_msg(res_load_merge((const res_load *const *)w, NULL, 3, m, &e) == 0, "%s", e.msg);
    check_phases(m, "in memory");
    ck_assert_uint_eq(m->ok, 150000);
    ck_assert_uint_eq(m->handshakes, 150030);
    ck_assert_uint_eq(m->errors, 30);
    ck_assert_int_eq(m->connections, 24);
    ck_assert_uint_eq(m->by_class.n, 2);
    ck_assert_uint_eq(m->by_class.items[0].count, 21);
    ck_assert_uint_eq(m->alerts.items[0].count, 21);
    ck_assert(fabs(m->cpu_user_s - 4.5) < 1e-9 && fabs(m->cpu_system_s - 1.5) < 1e-9);
    ck_assert(fabs(m->busiest_worker - 0.4) < 1e-9);
    ck_assert(fabs(m->rate_per_s - 50000.0) < 1e-6);
    ck_assert_int_eq(m->shard_index, -1);
    ck_assert_uint_eq(m->n_merged, 3);
    /* the third worker started a second later: 4 aligned seconds */
    ck_assert_uint_eq(m->n_series, 4);
    ck_assert_uint_eq(m->series[0].ok, 200);
    ck_assert_uint_eq(m->series[1].ok, 202 + 100);
    ck_assert_uint_eq(m->series[3].ok, 102);
    ck_assert_uint_eq(m->series[1].errors, 3);
    ck_assert_int_eq(m->series[1].p99_ns, 7000000);

    /* through JSON, as `report merge` does it: the workers' files, then the merged one */
    res_load *r[3] = { roundtrip(w[0]), roundtrip(w[1]), roundtrip(w[2]) };
    res_load *m2 = res_load_new();
    ck_assert_msg(res_load_merge((const res_load *const *)r, NULL, 3, m2, &e) == 0, "%s", e.msg);
    check_phases(m2, "through JSON");
    res_load *back = roundtrip(m2);
    check_phases(back, "merged document read back");
    ck_assert_uint_eq(back->n_merged, 3);
    ck_assert_int_eq(back->shard_index, -1);
    for (int i = 0; i < 3; i++) {
        res_load_free(w[i]);
        res_load_free(r[i]);
    }
    res_load_free(m);
    res_load_free(m2);
    res_load_free(back);
}
END_TEST

static void refuse(res_load **w, size_t n, const char *fragment)
{
    res_load *m = res_load_new();
    mp_err e = { { 0 } };
    const char *names[] = { "a.json", "b.json", "c.json" };
    ck_assert_int_eq(res_load_merge((const res_load *const *)w, names, n, m, &e), -1);
    ck_assert_msg(strstr(e.msg, fragment), "message '%s' lacks '%s'", e.msg, fragment);
    res_load_free(m);
}

START_TEST(mismatched_inputs_are_refused)
{
    for (int p = 0; p < RES_PHASES; p++)
        hist_init(&all[p]);
    res_load *w[2] = { worker(0, 2, 1700000000000, 100, 1), worker(1, 2, 1700000000000, 100, 1) };
    str_copy(w[1]->target, sizeof w[1]->target, "https://other:8443/");
    refuse(w, 2, "b.json differs from a.json in config.target ('https://other:8443/', not 'https://gw:8443/')");
    str_copy(w[1]->target, sizeof w[1]->target, w[0]->target);
    str_copy(w[1]->tls_version, sizeof w[1]->tls_version, "TLSv1.2");
    refuse(w, 2, "config.tls_version");
    str_copy(w[1]->tls_version, sizeof w[1]->tls_version, w[0]->tls_version);
    w[1]->resume_ratio = 0.5;
    refuse(w, 2, "config.resume_ratio");
    w[1]->resume_ratio = 0;
    str_copy(w[1]->mode, sizeof w[1]->mode, "request");
    refuse(w, 2, "config.mode");
    str_copy(w[1]->mode, sizeof w[1]->mode, w[0]->mode);
    w[1]->shard_index = 0;
    refuse(w, 2, "b.json repeats shard 0/2 of a.json");
    w[1]->shard_index = 1;
    w[1]->n_merged = 2;
    w[1]->shard_index = -1;
    refuse(w, 2, "b.json is already a merged result");
    res_load_free(w[0]);
    res_load_free(w[1]);
}
END_TEST

START_TEST(foreign_buckets_are_refused)
{
    json_t *j = json_pack("{s:{s:{s:[[iii]]}}}", "phases", "total", "buckets_ns", 1000, 1010, 5);
    res_load *l = res_load_new();
    mp_err e = { { 0 } };
    ck_assert_int_eq(res_load_from_json(j, l, &e), -1);
    ck_assert_msg(strstr(e.msg, "not a bucket of this histogram layout"), "%s", e.msg);
    json_decref(j);
    res_load_free(l);
}
END_TEST

/* Long runs fold their series (series_step_s 2, 4...): a merge takes the
 * longest step, adds shorter entries into the one that covers them, and the
 * step survives a trip through JSON. */
START_TEST(folded_series_merge_at_the_longest_step)
{
    srand(11);
    res_load *w[2] = { worker(0, 2, 1700000000000, 100, 8), worker(1, 2, 1700000000000, 100, 4) };
    /* worker 1 folded: 4 entries of 2 s, the last partial */
    w[1]->series_step_s = 2;
    for (int k = 0; k < 4; k++) {
        w[1]->series[k].t = 2 * k;
        w[1]->series[k].ok = 10;
        w[1]->series[k].length_s = k == 3 ? 1.5 : 2;
    }
    res_load *m = res_load_new();
    mp_err e;
    ck_assert_msg(res_load_merge((const res_load *const *)w, NULL, 2, m, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(res_load_step(m), 2);
    ck_assert_uint_eq(m->n_series, 4);
    uint64_t total = 0, want = 0;
    for (size_t k = 0; k < m->n_series; k++) {
        ck_assert_int_eq(m->series[k].t, (int64_t)(2 * k));
        total += m->series[k].ok;
    }
    for (int k = 0; k < 8; k++)
        want += 100 + (uint64_t)k;
    ck_assert_uint_eq(total, want + 40);
    ck_assert_uint_eq(m->series[0].ok, 100 + 101 + 10);
    ck_assert(fabs(m->series[3].length_s - 2) < 1e-9); /* worker 0 measured seconds 6 and 7 in full */
    json_t *j = res_load_to_json(m);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "series_step_s")), 2);
    res_load *back = res_load_new();
    ck_assert_msg(res_load_from_json(j, back, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(back->series_step_s, 2);
    ck_assert_uint_eq(back->n_series, 4);
    json_decref(j);
    res_load_free(back);
    res_load_free(m);
    res_load_free(w[0]);
    res_load_free(w[1]);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("merge");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, merged_percentiles_equal_one_histogram);
    tcase_add_test(tc, mismatched_inputs_are_refused);
    tcase_add_test(tc, foreign_buckets_are_refused);
    tcase_add_test(tc, folded_series_merge_at_the_longest_step);
    suite_add_tcase(s, tc);
    return s;
}
