/* What limited a load run (results/limit.c): a target that refuses is
 * named as such even when the generator spun through the refusals; a busy
 * generator, an open loop that got its rate, and a gateway that did not keep
 * up are told apart. */
#include <string.h>

#include "check_main.h"
#include "results/limit.h"

START_TEST(refused_target_is_the_limit_even_with_a_busy_generator)
{
    char t[400];
    res_limit_in in = { .ended = 84506, .unreachable = 84506, .busiest = 0.99 };
    ck_assert_int_eq(res_limit_judge(&in, t, sizeof t), RES_LIMIT_TARGET);
    ck_assert_ptr_nonnull(strstr(t, "refused or was unreachable: 84506 of 84506 connections (100%)"));
    ck_assert_str_eq(res_limit_name(RES_LIMIT_TARGET), "target-unreachable");
    /* half refused is still the target; a few are not */
    in = (res_limit_in){ .ended = 100, .unreachable = 50, .busiest = 0.2 };
    ck_assert_int_eq(res_limit_judge(&in, NULL, 0), RES_LIMIT_TARGET);
    in.unreachable = 10;
    ck_assert_int_eq(res_limit_judge(&in, t, sizeof t), RES_LIMIT_GATEWAY);
}
END_TEST

START_TEST(generator_schedule_gateway)
{
    char t[400];
    res_limit_in in = { .ended = 1000, .busiest = 0.95 };
    ck_assert_int_eq(res_limit_judge(&in, t, sizeof t), RES_LIMIT_GENERATOR);
    ck_assert_ptr_nonnull(strstr(t, "load generator was saturated (busiest worker 95% busy)"));
    in = (res_limit_in){ .ended = 1000, .busiest = 0.3, .rate_asked = 100, .rate_done = 99.5 };
    ck_assert_int_eq(res_limit_judge(&in, t, sizeof t), RES_LIMIT_SCHEDULE);
    ck_assert_str_eq(res_limit_name(RES_LIMIT_SCHEDULE), "schedule");
    in.in_flight = 3; /* the gateway held some: it did not keep up */
    ck_assert_int_eq(res_limit_judge(&in, t, sizeof t), RES_LIMIT_GATEWAY);
    ck_assert_ptr_nonnull(strstr(t, "gateway was saturated, not the load generator (busiest worker 30% busy; 3 in flight at the end)"));
    in = (res_limit_in){ .ended = 1000, .busiest = 0.3, .rate_asked = 100, .rate_done = 60, .backlog = 7 };
    ck_assert_int_eq(res_limit_judge(&in, t, sizeof t), RES_LIMIT_GATEWAY);
    ck_assert_ptr_nonnull(strstr(t, "7 arrivals found no free connection)"));
    in = (res_limit_in){ 0 };
    ck_assert_int_eq(res_limit_judge(&in, t, sizeof t), RES_LIMIT_NONE);
    ck_assert_str_eq(t, "");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("limit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, refused_target_is_the_limit_even_with_a_busy_generator);
    tcase_add_test(tc, generator_schedule_gateway);
    suite_add_tcase(s, tc);
    return s;
}
