/* A thread that cannot start is never silent: load stops and names it (a
 * setup error, not a smaller load), run's scenarios all run on the job
 * threads that did start and the caller learns how many, and serve's helper
 * thread names the reason. The starts fail through util/thread.h's seam. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "check_main.h"
#include "load/load.h"
#include "results/results.h"
#include "scenario/runner.h"
#include "serve/helpers.h"
#include "util/str.h"

static atomic_int calls;
static int fail_from; /* the 1-based call from which starts fail */

static int failing_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    if (atomic_fetch_add(&calls, 1) + 1 >= fail_from)
        return EAGAIN;
    return pthread_create(t, NULL, fn, arg);
}

START_TEST(load_thread_that_cannot_start)
{
    atomic_init(&calls, 0);
    fail_from = 2;
    load_config c;
    memset(&c, 0, sizeof c);
    mp_err e;
    ck_assert_int_eq(net_resolve("127.0.0.1", 9, &c.addr, &e), 0);
    c.mode = LOAD_HANDSHAKE;
    c.connections = 4;
    c.threads = 2;
    c.count = 8;
    c.timeout_ns = 200000000LL;
    c.thread_start = failing_start;
    load_result r;
    ck_assert_int_eq(load_run(&c, &r, NULL, NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "cannot start load thread 2 of 2") != NULL, "%s", e.msg);
    ck_assert_msg(strstr(e.msg, "Resource temporarily unavailable") != NULL, "%s", e.msg);
    load_result_free(&r);
}
END_TEST

static const char S_A[] = "return { id = 'j/a', run = function(t) t:pass('ok') end }";
static const char S_B[] = "return { id = 'j/b', run = function(t) t:pass('ok') end }";
static const char S_C[] = "return { id = 'j/c', run = function(t) t:info('seen') end }";

START_TEST(run_jobs_that_cannot_start)
{
    atomic_init(&calls, 0);
    fail_from = 1;
    scn_source src[] = { { "builtin:j/a.lua", S_A, sizeof S_A - 1 },
                         { "builtin:j/b.lua", S_B, sizeof S_B - 1 },
                         { "builtin:j/c.lua", S_C, sizeof S_C - 1 } };
    scn_list l = { src, 3 };
    scn_filter f = { 0 };
    scn_config cfg;
    memset(&cfg, 0, sizeof cfg);
    mp_err e;
    ck_assert_int_eq(net_url_parse("https://gw.test:1/", &cfg.target, &e), 0);
    str_copy(cfg.connect_host, sizeof cfg.connect_host, "127.0.0.1");
    cfg.connect_port = 1;
    cfg.timeout_ns = 1000000000LL;
    atomic_int stop;
    atomic_init(&stop, 0);
    cfg.stop = &stop;
    int started = -1, err = -1;
    scn_plan p = { .versions = { TLS_V1_3 }, .n_versions = 1, .single = TLS_ANY, .jobs = 3,
                   .thread_start = failing_start, .jobs_started = &started, .jobs_start_error = &err };
    res_run r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(scn_run_all(&l, &f, &p, &cfg, &r, &e), 0);
    ck_assert_int_eq(started, 1);
    ck_assert_int_eq(err, EAGAIN);
    ck_assert_uint_eq(r.n, 3);
    ck_assert_int_eq(r.items[0].verdict, RES_PASS);
    ck_assert_int_eq(r.items[1].verdict, RES_PASS);
    ck_assert_int_eq(r.items[2].verdict, RES_INFO);
    res_run_free(&r);

    /* every start succeeds: all the jobs ran, no error */
    atomic_init(&calls, 0);
    fail_from = 100;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(scn_run_all(&l, &f, &p, &cfg, &r, &e), 0);
    ck_assert_int_eq(started, 3);
    ck_assert_int_eq(err, 0);
    res_run_free(&r);
}
END_TEST

START_TEST(serve_helpers_thread_that_cannot_start)
{
    atomic_init(&calls, 0);
    fail_from = 1;
    srv_helpers_opts o;
    memset(&o, 0, sizeof o);
    o.timeout_ms = 1000;
    o.thread_start = failing_start;
    srv_helpers *h = NULL;
    mp_err e;
    ck_assert_int_eq(srv_helpers_start(&o, &h, &e), 0);
    ck_assert_int_eq(srv_helpers_spawn(h, &e), -1);
    ck_assert_msg(strstr(e.msg, "cannot start the helper servers' thread: Resource temporarily unavailable") != NULL,
                  "%s", e.msg);
    srv_helpers_stop(h);
    srv_helpers_free(h);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, load_thread_that_cannot_start);
    tcase_add_test(tc, run_jobs_that_cannot_start);
    tcase_add_test(tc, serve_helpers_thread_that_cannot_start);
    suite_add_tcase(s, tc);
    return s;
}

