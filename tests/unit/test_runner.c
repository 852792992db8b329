/* The runner's planning, without a gateway: scenarios that record a verdict
 * without connecting are planned once per TLS version when they ask for
 * it, selected by --only/--skip/--tags, reported as SKIP "interrupted" when
 * the run was stopped before they started, and as ERRORs with the reason
 * when the target is unreachable or the file is broken; t:connect{}'s bad
 * arguments are errors of the scenario, raised before any socket opens. */
#include <stdatomic.h>
#include <string.h>

#include "check_main.h"
#include "results/results.h"
#include "scenario/runner.h"
#include "util/str.h"

#define SRC(name, text) { "builtin:" name, text, sizeof text - 1 }

static const char S_PLAIN[] = "return { id = 'a/plain', tags = { 'x' }, run = function(t) t:pass('ok') end }";
static const char S_PERV[] = "return { id = 'a/per-version', tags = { 'y' }, per_tls_version = true,\n"
                             "  run = function(t) t:pass('ok') end }";
static const char S_INFO[] = "return { id = 'b/info', tags = { 'x', 'z' }, run = function(t) t:info('seen') end }";
static const char S_BROKEN[] = "return { id = 'c/broken', colour = 'red', run = function(t) end }";

static scn_source sources[] = {
    SRC("a/plain.lua", S_PLAIN),
    SRC("a/per-version.lua", S_PERV),
    SRC("b/info.lua", S_INFO),
    SRC("c/broken.lua", S_BROKEN),
};

static scn_config cfg;
static atomic_int stop;

static void setup(void)
{
    memset(&cfg, 0, sizeof cfg);
    mp_err e;
    ck_assert_int_eq(net_url_parse("https://gw.test:1/", &cfg.target, &e), 0);
    str_copy(cfg.connect_host, sizeof cfg.connect_host, "127.0.0.1");
    cfg.connect_port = 1;
    cfg.timeout_ns = 1000000000LL;
    atomic_init(&stop, 0);
    cfg.stop = &stop;
}

static const scn_plan two_versions = { .versions = { TLS_V1_2, TLS_V1_3 }, .n_versions = 2, .single = TLS_ANY, .jobs = 2 };

/* Runs the list l with filter f and plan p; the items as "id@version=VERDICT;...". */
static void run(const scn_list *l, const scn_filter *f, const scn_plan *p, char *out, size_t outlen, res_run *r)
{
    mp_err e;
    memset(r, 0, sizeof *r);
    ck_assert_int_eq(scn_run_all(l, f, p, &cfg, r, &e), 0);
    out[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        size_t n = strlen(out);
        snprintf(out + n, outlen - n, "%s@%s=%s;", r->items[i].id, r->items[i].tls_version,
                 res_verdict_name(r->items[i].verdict));
    }
}

START_TEST(plan_versions_and_order)
{
    setup();
    scn_list l = { sources, 4 };
    scn_filter f = { 0 };
    res_run r;
    char got[1024];
    run(&l, &f, &two_versions, got, sizeof got, &r);
    /* scenario order, then TLS version; the broken file is an ERROR of the
     * user's input, the others still run */
    ck_assert_str_eq(got, "a/plain@any=PASS;a/per-version@TLSv1.2=PASS;a/per-version@TLSv1.3=PASS;b/info@any=INFO;"
                          "c/broken@any=ERROR;");
    ck_assert_int_eq(r.items[4].input_error, 1);
    ck_assert(strstr(r.items[4].reason, "unknown field 'colour'") != NULL);
    res_run_free(&r);

    /* a target that speaks one version: one job for it */
    scn_plan one = { .versions = { TLS_V1_3 }, .n_versions = 1, .single = TLS_ANY, .jobs = 1 };
    scn_list l2 = { sources, 2 };
    run(&l2, &f, &one, got, sizeof got, &r);
    ck_assert_str_eq(got, "a/plain@any=PASS;a/per-version@TLSv1.3=PASS;");
    res_run_free(&r);
}
END_TEST

START_TEST(plan_interrupted_and_unreachable)
{
    setup();
    scn_list l = { sources, 3 };
    scn_filter f = { 0 };
    res_run r;
    char got[1024];
    atomic_store(&stop, 1);
    run(&l, &f, &two_versions, got, sizeof got, &r);
    ck_assert_str_eq(got, "a/plain@any=SKIP;a/per-version@TLSv1.2=SKIP;a/per-version@TLSv1.3=SKIP;b/info@any=SKIP;");
    for (size_t i = 0; i < r.n; i++)
        ck_assert_str_eq(r.items[i].reason, RES_REASON_INTERRUPTED);
    res_run_free(&r);
    atomic_store(&stop, 0);

    scn_plan down = two_versions;
    down.unreachable = "connection refused by 127.0.0.1:1";
    run(&l, &f, &down, got, sizeof got, &r);
    ck_assert_str_eq(got, "a/plain@any=ERROR;a/per-version@TLSv1.2=ERROR;a/per-version@TLSv1.3=ERROR;b/info@any=ERROR;");
    for (size_t i = 0; i < r.n; i++) {
        ck_assert(strstr(r.items[i].reason, "connection refused by 127.0.0.1:1") != NULL);
        ck_assert_int_eq(r.items[i].input_error, 0);
    }
    res_run_free(&r);
}
END_TEST

START_TEST(plan_selection)
{
    setup();
    scn_list l = { sources, 3 };
    res_run r;
    char got[1024];
    const char *only_a[] = { "a/*" }, *skip_pv[] = { "*/per-version" }, *tag_x[] = { "x" }, *tag_z[] = { "z" };
    scn_filter f = { only_a, 1, skip_pv, 1, NULL, 0 };
    run(&l, &f, &two_versions, got, sizeof got, &r);
    ck_assert_str_eq(got, "a/plain@any=PASS;");
    res_run_free(&r);
    scn_filter tags = { NULL, 0, NULL, 0, tag_x, 1 };
    run(&l, &tags, &two_versions, got, sizeof got, &r);
    ck_assert_str_eq(got, "a/plain@any=PASS;b/info@any=INFO;");
    res_run_free(&r);
    scn_filter both = { only_a, 1, NULL, 0, tag_z, 1 }; /* only and tags must both hold */
    run(&l, &both, &two_versions, got, sizeof got, &r);
    ck_assert_str_eq(got, "");
    res_run_free(&r);

    /* before any connection: a pattern or tag that matches nothing, and a
     * selection that leaves nothing, are refused with the name */
    mp_err e;
    ck_assert_int_eq(scn_select_check(&l, &f, &cfg, "the test list", &e), 0);
    const char *typo[] = { "a/plian" }, *nothing[] = { "nope" };
    scn_filter bad_only = { typo, 1, NULL, 0, NULL, 0 };
    ck_assert_int_eq(scn_select_check(&l, &bad_only, &cfg, "the test list", &e), -1);
    ck_assert(strstr(e.msg, "--only 'a/plian' matches no scenario in the test list") != NULL);
    ck_assert(strstr(e.msg, "did you mean a/plain?") != NULL);
    scn_filter bad_skip = { NULL, 0, nothing, 1, NULL, 0 };
    ck_assert_int_eq(scn_select_check(&l, &bad_skip, &cfg, "the test list", &e), -1);
    ck_assert(strstr(e.msg, "--skip 'nope'") != NULL);
    scn_filter bad_tag = { NULL, 0, NULL, 0, nothing, 1 };
    ck_assert_int_eq(scn_select_check(&l, &bad_tag, &cfg, "the test list", &e), -1);
    ck_assert(strstr(e.msg, "--tags 'nope' matches no scenario") != NULL);
    ck_assert_int_eq(scn_select_check(&l, &both, &cfg, "the test list", &e), -1);
    ck_assert(strstr(e.msg, "leaves no scenario") != NULL);
}
END_TEST

/* t:connect{}'s argument errors: each an ERROR naming the problem, raised
 * before a connection is tried (the target, 127.0.0.1:1, would refuse). */
START_TEST(connect_argument_errors)
{
    setup();
    static const struct {
        const char *body;
        const char *why;
    } cases[] = {
        { "t:connect{ colour = 1 }", "unknown field" },
        { "t:connect{ tls = '1.4' }", "tls must be" },
        { "t:connect{ sni = 5 }", "sni must be a name or false" },
        { "t:connect{ session = {} }", "session must come from c:session()" },
        { "t:connect{ connect_to = '127.0.0.1' }", "connect_to" },
        { "t:connect{ connect_to = '127.0.0.1:0' }", "port must be 1..65535" },
        { "t:connect{ alpn = string.rep('a', 100) }", "alpn is longer than" },
        { "t:connect{ verify = 'yes' }", "verify" },
        { "t:connect(5)", "table expected" },
    };
    enum { N = sizeof cases / sizeof cases[0] };
    static char text[N][256];
    scn_source src[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(text[i], sizeof text[i], "return { id = 'e/%zu', run = function(t) %s t:pass('no error') end }",
                 i, cases[i].body);
        src[i] = (scn_source){ "builtin:e.lua", text[i], strlen(text[i]) };
    }
    scn_list l = { src, N };
    scn_filter f = { 0 };
    res_run r;
    mp_err e;
    scn_plan p = { .versions = { TLS_V1_3 }, .n_versions = 1, .single = TLS_ANY, .jobs = 1 };
    ck_assert_int_eq(scn_run_all(&l, &f, &p, &cfg, &r, &e), 0);
    ck_assert_uint_eq(r.n, N);
    for (size_t i = 0; i < N; i++) {
        ck_assert_msg(r.items[i].verdict == RES_ERROR, "%s: %s", cases[i].body, res_verdict_name(r.items[i].verdict));
        ck_assert_msg(strstr(r.items[i].reason, cases[i].why) != NULL, "%s: '%s'", cases[i].body, r.items[i].reason);
    }
    res_run_free(&r);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, plan_versions_and_order);
    tcase_add_test(tc, plan_interrupted_and_unreachable);
    tcase_add_test(tc, plan_selection);
    tcase_add_test(tc, connect_argument_errors);
    suite_add_tcase(s, tc);
    return s;
}
