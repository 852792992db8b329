/* results/hist: percentiles within 1% of exact on known distributions;
 * merging equals recording everything in one histogram. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "results/hist.h"

static hist a, b, all;

static int cmp_i64(const void *x, const void *y)
{
    int64_t p = *(const int64_t *)x, q = *(const int64_t *)y;
    return p < q ? -1 : p > q;
}

static int64_t exact_percentile(int64_t *v, size_t n, double p)
{
    size_t rank = (size_t)((p / 100.0) * (double)n + 0.5);
    if (rank < 1)
        rank = 1;
    return v[rank - 1];
}

static void check_distribution(int64_t *v, size_t n, const char *name)
{
    hist_init(&a);
    for (size_t i = 0; i < n; i++)
        hist_record(&a, v[i]);
    qsort(v, n, sizeof *v, cmp_i64);
    const double ps[] = { 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100 };
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        int64_t exact = exact_percentile(v, n, ps[k]);
        int64_t got = hist_percentile(&a, ps[k]);
        double err = exact ? fabs((double)(got - exact)) / (double)exact : (double)got;
        ck_assert_msg(err <= 0.01, "%s p%g: exact %lld, histogram %lld (%.3f%%)", name, ps[k],
                      (long long)exact, (long long)got, err * 100);
    }
    ck_assert_int_eq(hist_percentile(&a, 100), v[n - 1]);
    ck_assert_int_eq(a.min, v[0]);
    ck_assert_uint_eq(a.total, n);
}

START_TEST(uniform)
{
    size_t n = 200000;
    int64_t *v = malloc(n * sizeof *v);
    srand(1);
    for (size_t i = 0; i < n; i++)
        v[i] = 1000 + (int64_t)(rand() % 50000000); /* 1 us .. 50 ms */
    check_distribution(v, n, "uniform");
    free(v);
}
END_TEST

START_TEST(lognormal_with_tail)
{
    size_t n = 200000;
    int64_t *v = malloc(n * sizeof *v);
    srand(2);
    for (size_t i = 0; i < n; i++) {
        double u1 = (rand() + 1.0) / (RAND_MAX + 2.0), u2 = (rand() + 1.0) / (RAND_MAX + 2.0);
        double z = sqrt(-2 * log(u1)) * cos(2 * 3.14159265358979323846 * u2);
        v[i] = (int64_t)(exp(13.0 + 1.2 * z)); /* median ~440 us, long tail */
        if (i % 1000 == 0)
            v[i] = 30LL * 1000000000; /* 30 s stalls */
    }
    check_distribution(v, n, "lognormal");
    free(v);
}
END_TEST

START_TEST(small_values_are_exact)
{
    int64_t v[300];
    for (int i = 0; i < 300; i++)
        v[i] = i;
    check_distribution(v, 300, "0..299");
    hist_init(&a);
    hist_record(&a, 127);
    ck_assert_int_eq(hist_percentile(&a, 50), 127);
}
END_TEST

START_TEST(merge_equals_recording_all)
{
    hist_init(&a);
    hist_init(&b);
    hist_init(&all);
    srand(3);
    for (int i = 0; i < 100000; i++) {
        int64_t x = (int64_t)rand() * 37 % 9000000000LL;
        hist_record(i % 3 ? &a : &b, x);
        hist_record(&all, x);
    }
    hist_merge(&a, &b);
    ck_assert_int_eq(memcmp(a.counts, all.counts, sizeof a.counts), 0);
    ck_assert_uint_eq(a.total, all.total);
    ck_assert_int_eq(a.min, all.min);
    ck_assert_int_eq(a.max, all.max);
    for (double p = 1; p <= 100; p += 7.5)
        ck_assert_int_eq(hist_percentile(&a, p), hist_percentile(&all, p));
}
END_TEST

START_TEST(range_edges_and_buckets)
{
    hist_init(&a);
    ck_assert_int_eq(hist_percentile(&a, 50), 0);
    hist_record(&a, -5);
    hist_record(&a, 100LL * 1000000000); /* beyond ~68.7 s */
    ck_assert_uint_eq(a.overflow, 1);
    ck_assert_uint_eq(a.total, 2);
    /* Buckets round-trip: every bucket's bounds map back to its index. */
    int idx = 0, n = 0;
    int64_t lo, hi;
    uint64_t c;
    while ((idx = hist_next_bucket(&a, idx, &lo, &hi, &c)) >= 0) {
        ck_assert_int_eq(hist_index_of(lo), idx - 1);
        ck_assert_int_eq(hist_index_of(hi), idx - 1);
        n++;
    }
    ck_assert_int_eq(n, 2);
    for (int64_t v = 1; v < (1LL << 35); v = v * 3 + 1) {
        int i = hist_index_of(v);
        ck_assert_int_eq(hist_index_of(v), i);
        ck_assert_int_lt(i, HIST_COUNTS);
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("hist");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, uniform);
    tcase_add_test(tc, lognormal_with_tail);
    tcase_add_test(tc, small_values_are_exact);
    tcase_add_test(tc, merge_equals_recording_all);
    tcase_add_test(tc, range_edges_and_buckets);
    suite_add_tcase(s, tc);
    return s;
}
