/* results/waiver and the CI gate: waiver files are read strictly (every bad
 * one refused with a line naming the entry), a waiver covers only the FAILs
 * its id, TLS version and target match until its expiry day ends, and the
 * gate counts FAILs by --fail-on, waived FAILs and unjudged verdicts apart;
 * waived FAILs survive a trip through JSON. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "results/waiver.h"
#include "util/str.h"

#define DAY 86400LL
#define T_2027_03_31 1806451200LL /* 2027-03-31T00:00:00Z */

static void item(res_scenario *s, const char *id, const char *tls, res_verdict v, const char *sev)
{
    memset(s, 0, sizeof *s);
    res_evidence_init(&s->ev);
    str_copy(s->id, sizeof s->id, id);
    str_copy(s->tls_version, sizeof s->tls_version, tls);
    str_copy(s->severity, sizeof s->severity, sev);
    s->verdict = v;
}

static int parse(res_waivers *w, const char *text, mp_err *e)
{
    return res_waivers_parse(w, text, strlen(text), "w.json", e);
}

static void refused(const char *text, const char *fragment)
{
    res_waivers w;
    mp_err e = { { 0 } };
    ck_assert_msg(parse(&w, text, &e) == -1, "accepted: %s", text);
    ck_assert_msg(strstr(e.msg, fragment), "'%s' not in '%s'", fragment, e.msg);
    ck_assert_msg(strstr(e.msg, "w.json"), "no file name in '%s'", e.msg);
    ck_assert_ptr_null(w.items);
}

START_TEST(bad_files_are_refused)
{
    refused("{", "not valid JSON");
    refused("[]", "expected {\"waivers\": [...]}");
    refused("{\"waiver\": []}", "expected {\"waivers\"");
    refused("{\"waivers\": [], \"extra\": 1}", "unknown key \"extra\"");
    refused("{\"waivers\": [1]}", "waivers[0]: not an object");
    refused("{\"waivers\": [{\"reason\": \"r\", \"expires\": \"2027-03-31\"}]}", "waivers[0]: \"id\" is required");
    refused("{\"waivers\": [{\"id\": \"a\", \"expires\": \"2027-03-31\"}]}", "\"reason\" is required");
    refused("{\"waivers\": [{\"id\": \"a\", \"reason\": \"\", \"expires\": \"2027-03-31\"}]}",
            "\"reason\" must be a non-empty string");
    refused("{\"waivers\": [{\"id\": \"a\", \"reason\": \"r\"}]}", "\"expires\" is required");
    refused("{\"waivers\": [{\"id\": \"a\", \"reason\": \"r\", \"expires\": \"31.03.2027\"}]}",
            "\"expires\" must be a date YYYY-MM-DD, not '31.03.2027'");
    refused("{\"waivers\": [{\"id\": \"a\", \"reason\": \"r\", \"expires\": \"2027-02-30\"}]}", "2027-02-30");
    refused("{\"waivers\": [{\"id\": \"a\", \"reason\": \"r\", \"expires\": \"2027-03-31T00:00:00Z\"}]}",
            "must be a date");
    refused("{\"waivers\": [{\"id\": \"a\", \"reason\": \"r\", \"expires\": 20270331}]}", "non-empty string");
    refused("{\"waivers\": [{\"id\": \"a\", \"tls\": \"TLSv1.2\", \"reason\": \"r\", \"expires\": \"2027-03-31\"}]}",
            "unknown key \"tls\"");
    refused("{\"waivers\": [{\"id\": \"a\", \"tls_version\": \"1.2\", \"reason\": \"r\", \"expires\": \"2027-03-31\"}]}",
            "must be TLSv1.2, TLSv1.3 or any");
    refused("{\"waivers\": [{\"id\": \"a\", \"reason\": \"r\", \"expires\": \"2027-03-31\"}, {\"id\": \"b\"}]}",
            "waivers[1]");
}
END_TEST

START_TEST(waivers_cover_matching_fails_until_they_expire)
{
    const char *text =
        "{\"comment\": \"accepted findings\", \"waivers\": ["
        "{\"id\": \"client-auth/sha1\", \"tls_version\": \"TLSv1.2\", \"reason\": \"legacy\", \"expires\": \"2027-03-31\"},"
        "{\"id\": \"audit/*\", \"target\": \"https://gw:8443/*\", \"reason\": \"gw only\", \"expires\": \"2027-03-31\"},"
        "{\"id\": \"client-auth/expired\", \"reason\": \"old\", \"expires\": \"2020-01-01\"},"
        "{\"id\": \"nothing/*\", \"reason\": \"stale\", \"expires\": \"2027-03-31\"}]}";
    res_waivers w;
    mp_err e = { { 0 } };
    ck_assert_msg(parse(&w, text, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(w.n, 4);
    ck_assert_int_eq(w.items[0].expires_end, T_2027_03_31 + DAY);

    res_scenario items[7];
    item(&items[0], "client-auth/sha1", "TLSv1.2", RES_FAIL, "high");
    item(&items[1], "client-auth/sha1", "TLSv1.3", RES_FAIL, "high");   /* other version */
    item(&items[2], "audit/protocols", "any", RES_FAIL, "medium");
    item(&items[3], "audit/cipher-suites", "any", RES_PASS, "medium");  /* not a FAIL */
    item(&items[4], "client-auth/expired", "TLSv1.3", RES_FAIL, "critical"); /* expired waiver */
    item(&items[5], "client-auth/sha1x", "TLSv1.2", RES_FAIL, "low");  /* not the id */
    item(&items[6], "audit/pin", "any", RES_ERROR, "high");            /* not a FAIL */
    res_run run = { .items = items, .n = 7 };
    const char *const targets[] = { "https://gw:8443", "https://gw:8443/" };

    /* the last second of the expiry day still counts */
    res_waivers_apply(&w, &run, targets, 2, T_2027_03_31 + DAY - 1);
    ck_assert_int_eq(items[0].waived, 1);
    ck_assert_str_eq(items[0].waiver_reason, "legacy");
    ck_assert_str_eq(items[0].waiver_expires, "2027-03-31");
    ck_assert_int_eq(items[1].waived, 0);
    ck_assert_int_eq(items[2].waived, 1);
    ck_assert_int_eq(items[3].waived, 0);
    ck_assert_int_eq(items[4].waived, 0);
    ck_assert_int_eq(items[5].waived, 0);
    ck_assert_int_eq(items[6].waived, 0);
    ck_assert_uint_eq(w.items[0].waived, 1);
    ck_assert_uint_eq(w.items[1].waived, 1);
    ck_assert_uint_eq(w.items[2].waived, 0);
    ck_assert_uint_eq(w.items[2].expired_hits, 1);
    ck_assert_uint_eq(w.items[3].waived + w.items[3].expired_hits, 0); /* stale */

    res_counts c = res_run_count(&run);
    ck_assert_uint_eq(c.failed, 5);
    ck_assert_uint_eq(c.waived, 2);

    /* --fail-on: high counts critical and high; low and unknown severities */
    res_gate g = res_run_gate(&run, res_severity_rank("high"));
    ck_assert_uint_eq(g.failing, 2); /* sha1 TLSv1.3 (high), expired (critical) */
    ck_assert_uint_eq(g.below, 1);   /* sha1x (low) */
    ck_assert_uint_eq(g.waived, 2);
    ck_assert_uint_eq(g.unjudged, 1);
    g = res_run_gate(&run, res_severity_rank("critical"));
    ck_assert_uint_eq(g.failing, 1);
    ck_assert_uint_eq(g.below, 2);
    str_copy(items[5].severity, sizeof items[5].severity, "");
    g = res_run_gate(&run, res_severity_rank("critical"));
    ck_assert_uint_eq(g.failing, 2); /* a FAIL of unknown severity always counts */

    /* a day later the same waivers cover nothing */
    for (int i = 0; i < 7; i++)
        items[i].waived = 0;
    for (size_t k = 0; k < w.n; k++)
        w.items[k].waived = w.items[k].expired_hits = 0;
    res_waivers_apply(&w, &run, targets, 2, T_2027_03_31 + DAY);
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(items[i].waived, 0);
    ck_assert_uint_eq(w.items[0].expired_hits, 1);
    ck_assert_uint_eq(w.items[1].expired_hits, 1);

    /* another target: the target glob does not match */
    for (size_t k = 0; k < w.n; k++)
        w.items[k].waived = w.items[k].expired_hits = 0;
    const char *const other[] = { "https://other:8443/" };
    res_waivers_apply(&w, &run, other, 1, T_2027_03_31);
    ck_assert_int_eq(items[0].waived, 1);
    ck_assert_int_eq(items[2].waived, 0);
    res_waivers_free(&w);
}
END_TEST

START_TEST(waived_fails_survive_json)
{
    res_scenario items[2];
    item(&items[0], "client-auth/sha1", "TLSv1.2", RES_FAIL, "high");
    items[0].waived = 1;
    str_copy(items[0].waiver_reason, sizeof items[0].waiver_reason, "legacy clients until Q3");
    str_copy(items[0].waiver_expires, sizeof items[0].waiver_expires, "2027-03-31");
    item(&items[1], "client-auth/valid", "TLSv1.2", RES_INCONCLUSIVE, "critical");
    res_run run;
    memset(&run, 0, sizeof run);
    run.items = items;
    run.n = 2;
    char path[] = "/tmp/mtlsprobe-waiver-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    mp_err e = { { 0 } };
    ck_assert_msg(res_run_write_json(&run, path, &e) == 0, "%s", e.msg);
    json_t *root;
    res_kind kind;
    ck_assert_msg(res_doc_load(path, &root, &kind, &e) == 0, "%s", e.msg);
    unlink(path);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "summary"), "waived")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "summary"), "inconclusive")), 1);
    ck_assert(json_is_null(json_object_get(json_array_get(json_object_get(root, "results"), 1), "waiver")));
    res_run back;
    ck_assert_msg(res_run_from_json(root, &back, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(back.items[0].waived, 1);
    ck_assert_str_eq(back.items[0].waiver_reason, "legacy clients until Q3");
    ck_assert_str_eq(back.items[0].waiver_expires, "2027-03-31");
    ck_assert_int_eq(back.items[1].waived, 0);
    ck_assert_int_eq(back.items[1].verdict, RES_INCONCLUSIVE);
    res_run_free(&back);
    /* a waiver on anything but a FAIL is refused */
    json_t *w = json_pack("{s:s,s:s}", "reason", "r", "expires", "2027-03-31");
    json_object_set(json_array_get(json_object_get(root, "results"), 1), "waiver", w);
    json_decref(w);
    ck_assert_int_eq(res_run_from_json(root, &back, &e), -1);
    ck_assert_msg(strstr(e.msg, "a waiver on verdict INCONCLUSIVE"), "%s", e.msg);
    json_decref(root);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("waiver");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, bad_files_are_refused);
    tcase_add_test(tc, waivers_cover_matching_fails_until_they_expire);
    tcase_add_test(tc, waived_fails_survive_json);
    suite_add_tcase(s, tc);
    return s;
}
