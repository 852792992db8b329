/* A load worker's series for runs of any length (load/series.c): past its
 * last entry it folds pairwise and doubles its step, keeping every count;
 * a 3-hour run fits 3,600 entries at a 4-second step. */
#include "check_main.h"
#include "load/series.h"

static uint64_t sum_ok(const load_series *s)
{
    uint64_t n = 0;
    for (int i = 0; i < s->cap; i++)
        n += s->ok[i];
    return n;
}

START_TEST(folds_keep_every_count)
{
    load_series s;
    ck_assert_int_eq(load_series_init(&s, 5), 0);
    /* one success per second for 23 s, latency bucket = second % 7 */
    for (int64_t sec = 0; sec < 23; sec++) {
        int i = load_series_entry(&s, sec);
        ck_assert_int_lt(i, s.cap);
        ck_assert_int_eq(i, (int)(sec >> s.shift));
        s.ok[i]++;
        s.hist[i][sec % 7]++;
        if (sec % 3 == 0)
            s.err[i]++;
    }
    /* 23 s in 5 entries: steps of 8 s (1 -> 2 at 5 s, -> 4 at 10 s, -> 8 at 20 s) */
    ck_assert_int_eq(load_series_step(&s), 8);
    ck_assert_uint_eq(sum_ok(&s), 23);
    ck_assert_uint_eq(s.ok[0], 8);
    ck_assert_uint_eq(s.ok[1], 8);
    ck_assert_uint_eq(s.ok[2], 7);
    ck_assert_uint_eq(s.ok[3], 0);
    uint64_t errs = 0, counted = 0;
    for (int i = 0; i < s.cap; i++) {
        errs += s.err[i];
        for (int k = 0; k < COARSE; k++)
            counted += s.hist[i][k];
    }
    ck_assert_uint_eq(errs, 8); /* 0, 3, ..., 21 */
    ck_assert_uint_eq(counted, 23);
    /* entry 1 holds seconds 8..15: buckets 1,2,3,4,5,6,0,1 */
    ck_assert_uint_eq(s.hist[1][1], 2);
    ck_assert_uint_eq(s.hist[1][0], 1);
    /* folding further to a common step (the merge of several workers) */
    load_series_fold_to(&s, 4);
    ck_assert_int_eq(load_series_step(&s), 16);
    ck_assert_uint_eq(s.ok[0], 16);
    ck_assert_uint_eq(s.ok[1], 7);
    ck_assert_uint_eq(sum_ok(&s), 23);
    load_series_free(&s);
}
END_TEST

START_TEST(three_hours_fit_at_four_seconds)
{
    load_series s;
    ck_assert_int_eq(load_series_init(&s, 3600), 0);
    for (int64_t sec = 0; sec < 3 * 3600; sec += 1) {
        int i = load_series_entry(&s, sec);
        s.ok[i]++;
    }
    ck_assert_int_eq(load_series_step(&s), 4);
    ck_assert_uint_eq(sum_ok(&s), 3 * 3600);
    ck_assert_uint_eq(s.ok[2699], 4);
    ck_assert_uint_eq(s.ok[2700], 0);
    load_series_free(&s);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("series");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, folds_keep_every_count);
    tcase_add_test(tc, three_hours_fit_at_four_seconds);
    suite_add_tcase(s, tc);
    return s;
}
