/* results/results and results/read: the run document's tls_versions (which
 * TLS versions were tested, which were skipped and why) survives a trip
 * through JSON, and documents written before it existed still load. */
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

static Suite *make_suite(void)
{
    Suite *s = suite_create("results");
    TCase *tc = tcase_create("run_document");
    tcase_add_test(tc, tls_versions_round_trip);
    tcase_add_test(tc, documents_without_tls_versions_load);
    suite_add_tcase(s, tc);
    return s;
}
