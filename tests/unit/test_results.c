/* results/results and results/read: the run document's tls_versions (which
 * TLS versions were tested, which were skipped and why) survives a trip
 * through JSON, and documents written before it existed still load; a
 * FAIL's severity is the worst of its findings'. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "results/results.h"
#include "util/str.h"

static void load_run(const char *path, res_run *r)
{
    json_t *root;
    res_kind kind;
    mp_err e;
    ck_assert_msg(res_doc_load(path, &root, &kind, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(kind, RES_KIND_RUN);
    ck_assert_msg(res_run_from_json(root, r, &e) == 0, "%s", e.msg);
    json_decref(root);
}

START_TEST(tls_versions_round_trip)
{
    res_run r;
    memset(&r, 0, sizeof r);
    str_copy(r.target, sizeof r.target, "https://gw:8443/");
    r.started_ms = r.finished_ms = 1764547200000;
    str_copy(r.tls_versions.tested[0], sizeof r.tls_versions.tested[0], "TLSv1.2");
    r.tls_versions.n_tested = 1;
    str_copy(r.tls_versions.skipped[0].version, sizeof r.tls_versions.skipped[0].version, "TLSv1.3");
    str_copy(r.tls_versions.skipped[0].reason, sizeof r.tls_versions.skipped[0].reason,
             "the server answered protocol_version (70)");
    r.tls_versions.n_skipped = 1;
    char path[] = "/tmp/mtlsprobe-test-results.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    mp_err e;
    ck_assert_msg(res_run_write_json(&r, path, &e) == 0, "%s", e.msg);
    res_run back;
    load_run(path, &back);
    ck_assert_int_eq(back.tls_versions.n_tested, 1);
    ck_assert_str_eq(back.tls_versions.tested[0], "TLSv1.2");
    ck_assert_int_eq(back.tls_versions.n_skipped, 1);
    ck_assert_str_eq(back.tls_versions.skipped[0].version, "TLSv1.3");
    ck_assert_str_eq(back.tls_versions.skipped[0].reason, "the server answered protocol_version (70)");
    res_run_free(&back);
    unlink(path);
}
END_TEST

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

START_TEST(documents_without_tls_versions_load)
{
    char path[] = "/tmp/mtlsprobe-test-results.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(write_text(path, "{\"schema\": \"mtlsprobe-run\", \"version\": 1, "
                                      "\"target\": {\"url\": \"https://gw/\"}, \"results\": []}"), 0);
    res_run r;
    load_run(path, &r);
    ck_assert_int_eq(r.tls_versions.n_tested, 0);
    ck_assert_int_eq(r.tls_versions.n_skipped, 0);
    res_run_free(&r);
    /* ... and a malformed one is refused with a message naming it */
    ck_assert_int_eq(write_text(path, "{\"schema\": \"mtlsprobe-run\", \"version\": 1, "
                                      "\"tls_versions\": {\"skipped\": [{\"reason\": \"x\"}]}, "
                                      "\"results\": []}"), 0);
    json_t *root;
    res_kind kind;
    mp_err e;
    ck_assert_int_eq(res_doc_load(path, &root, &kind, &e), 0);
    ck_assert_int_ne(res_run_from_json(root, &r, &e), 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "tls_versions.skipped[0]"));
    json_decref(root);
    unlink(path);
}
END_TEST

/* One FAIL of scenario severity `own` with findings of these severities
 * (NULL: a finding without one); returns its severity afterwards. */
static const char *fail_severity(res_verdict v, const char *own, const char *const *sev, int n, char *out,
                                 size_t cap, int *details)
{
    res_scenario s;
    memset(&s, 0, sizeof s);
    s.verdict = v;
    str_copy(s.severity, sizeof s.severity, own);
    for (int i = 0; i < n; i++) {
        json_t *f = json_pack("{s:s}", "id", "x/y");
        if (sev[i])
            json_object_set_new(f, "severity", json_string(sev[i]));
        ck_assert_int_eq(res_scenario_add_finding(&s, f), 0);
    }
    res_scenario_fail_severity(&s);
    str_copy(out, cap, s.severity);
    *details = s.n_details;
    res_scenario_free(&s);
    return out;
}

START_TEST(fail_severity_is_the_worst_finding)
{
    static const struct {
        res_verdict verdict;
        const char *own;
        const char *sev[3];
        int n;
        const char *want;
        int details;
    } cases[] = {
        { RES_FAIL, "high", { "low" }, 1, "low", 1 },                  /* LUCKY13 in audit/vulnerabilities */
        { RES_FAIL, "high", { "low", "info", "medium" }, 3, "medium", 1 },
        { RES_FAIL, "medium", { "low", "critical" }, 2, "critical", 1 }, /* raised too */
        { RES_FAIL, "high", { "low", NULL }, 2, "high", 0 },           /* no severity: the scenario's */
        { RES_FAIL, "high", { "low", "bogus" }, 2, "high", 0 },        /* unknown: the scenario's */
        { RES_FAIL, "high", { "high" }, 1, "high", 0 },
        { RES_FAIL, "high", { NULL }, 0, "high", 0 },                  /* no findings */
        { RES_PASS, "high", { "low" }, 1, "high", 0 },                 /* only a FAIL changes */
        { RES_INCONCLUSIVE, "critical", { "low" }, 1, "critical", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char got[16];
        int details;
        fail_severity(cases[i].verdict, cases[i].own, cases[i].sev, cases[i].n, got, sizeof got, &details);
        ck_assert_msg(strcmp(got, cases[i].want) == 0, "case %zu: %s, want %s", i, got, cases[i].want);
        ck_assert_msg(details == cases[i].details, "case %zu: %d detail lines", i, details);
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("results");
    TCase *tc = tcase_create("run_document");
    tcase_add_test(tc, tls_versions_round_trip);
    tcase_add_test(tc, documents_without_tls_versions_load);
    tcase_add_test(tc, fail_severity_is_the_worst_finding);
    suite_add_tcase(s, tc);
    return s;
}
