/* Robustness unit tests: atomic file replacement under SIGKILL, key file
 * modes whatever the umask, the bounds on fixture-spec Lua, and parsers
 * refusing what the fuzzers found. */
#define _DEFAULT_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "http/http.h"
#include "pki/manifest.h"
#include "pki/spec.h"
#include "script/script.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define BIG (2u << 20)

static char tmpdir[] = "/tmp/mp-robust.XXXXXX";

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    fs_remove_tree(tmpdir, NULL);
    strcpy(tmpdir, "/tmp/mp-robust.XXXXXX");
}

/* 1 if path holds exactly BIG bytes of c. */
static int whole_of(const char *path, char c)
{
    char *data;
    size_t len;
    if (fs_read_file(path, &data, &len, NULL) != 0)
        return 0;
    int ok = len == BIG;
    for (size_t i = 0; ok && i < len; i++)
        ok = data[i] == c;
    free(data);
    return ok;
}

START_TEST(atomic_write_survives_sigkill)
{
    char *path = fs_join(tmpdir, "out.json");
    char *old = malloc(BIG), *new = malloc(BIG);
    memset(old, 'o', BIG);
    memset(new, 'n', BIG);
    struct timespec seed;
    clock_gettime(CLOCK_MONOTONIC, &seed);
    srand((unsigned)seed.tv_nsec);
    for (int round = 0; round < 20; round++) {
        ck_assert_int_eq(fs_write_file(path, old, BIG, 0644, NULL), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            for (int i = 0; i < 1000; i++)
                fs_write_file(path, i % 2 ? old : new, BIG, 0644, NULL);
            _exit(0);
        }
        usleep((useconds_t)(rand() % 20000));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        ck_assert_msg(whole_of(path, 'o') || whole_of(path, 'n'),
                      "round %d: the file is neither the old nor the new one", round);
    }
    free(old);
    free(new);
    free(path);
}
END_TEST

START_TEST(keys_are_0600_whatever_the_umask)
{
    char *path = fs_join(tmpdir, "k.key.pem");
    mode_t masks[] = { 0, 022, 077 };
    for (size_t i = 0; i < 3; i++) {
        mode_t old = umask(masks[i]);
        ck_assert_int_eq(fs_write_file(path, "k", 1, 0600, NULL), 0);
        umask(old);
        struct stat st;
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0600);
    }
    /* replacing a world-readable file does not keep its mode */
    ck_assert_int_eq(chmod(path, 0644), 0);
    ck_assert_int_eq(fs_write_file(path, "k2", 2, 0600, NULL), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    free(path);
}
END_TEST

static int spec_error(const char *text, const char *want)
{
    static const char *const hosts[] = { "localhost" };
    pki_spec_opts o = { .key_type = PKI_KEY_EC_P256, .hosts = hosts, .n_hosts = 1, .now = 1767225600 };
    pki_spec s;
    mp_err e = { { 0 } };
    int rc = pki_spec_load_text(&s, text, strlen(text), "t.lua", &o, &e);
    if (rc == 0)
        pki_spec_free(&s);
    return rc != 0 && strstr(e.msg, want) != NULL;
}

/* Runs text in a bounded, sandboxed state; 1 when it fails with want. */
static int bounded_error(const scr_bounds *b, const char *text, const char *want, scr_stop *why)
{
    mp_err e = { { 0 } };
    lua_State *L = scr_new_bounded(b, &e);
    ck_assert_ptr_nonnull(L);
    scr_sandbox(L, NULL, 0);
    int rc = scr_run_buffer(L, text, strlen(text), "b.lua", &e);
    *why = scr_stopped(L);
    scr_close(L);
    return rc != 0 && strstr(e.msg, want) != NULL;
}

START_TEST(script_bounds_and_sandbox)
{
    scr_stop why;
    atomic_int stop;
    atomic_init(&stop, 1);
    scr_bounds b = { .max_bytes = 16u << 20, .max_instructions = 1000000000UL, .stop = &stop };
    ck_assert(bounded_error(&b, "while true do end\n", "b.lua:1: interrupted", &why));
    ck_assert_int_eq(why, SCR_STOP_INTERRUPT);
    atomic_store(&stop, 0);
    b.time_ns = 200000000LL; /* 0.2 s */
    b.time_hint = "a hint";
    ck_assert(bounded_error(&b, "local x = 0\nwhile true do x = x + 1 end\n",
                            "b.lua:2: stopped after 1 s, its time limit (an endless loop?); a hint", &why));
    ck_assert_int_eq(why, SCR_STOP_TIME);
    /* the time limit grows with the steps the caller counts */
    unsigned long steps = 0;
    b.time_ns = 1;
    b.time_per_step_ns = 1000000000LL * 3600;
    b.steps = &steps;
    ck_assert(bounded_error(&b, "for i = 1, 1e6 do end\n", "its time limit", &why)); /* 1 ns */
    steps = 1;
    ck_assert(!bounded_error(&b, "for i = 1, 1e6 do end\n", "", &why)); /* 1 h */
    ck_assert_int_eq(why, SCR_STOP_NONE);
    b.steps = NULL;
    b.time_ns = 0;
    ck_assert(bounded_error(&b, "local t = {} while true do t[#t + 1] = ('x'):rep(1 << 20) .. #t end\n",
                            "b.lua: not enough memory: stopped at 16 MiB, the limit", &why));
    ck_assert_int_eq(why, SCR_STOP_MEMORY);
    ck_assert(bounded_error(&b, "os.execute('true')\n", "b.lua:1: os.execute is not available", &why));
    ck_assert(bounded_error(&b, "io.open('/etc/passwd')\n", "b.lua:1: io.open is not available", &why));
    ck_assert(bounded_error(&b, "require('x')\n", "module 'x' not found", &why));
    ck_assert(bounded_error(&b, "assert(load('\\27Lua'))\n", "binary chunk", &why));
    ck_assert(!bounded_error(&b, "assert(os.time() and os.clock() and os.getenv('PATH') and load('return 1')())\n",
                             "", &why));
}
END_TEST

START_TEST(spec_bounds)
{
    ck_assert(spec_error("ca{name='ca/r', trusted=true}\nwhile true do end\n",
                         "t.lua:2: stopped after"));
    ck_assert(spec_error("ca{name='ca/r', trusted=true}\n"
                         "while true do pcall(function() while true do end end) end\n",
                         "stopped after"));
    ck_assert(spec_error("local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(4096) .. i end\n",
                         "not enough memory"));
    ck_assert(spec_error("local s = ('x'):rep(1 << 30)\n", "not enough memory"));
    /* the bounds leave an ordinary spec alone */
    ck_assert(!spec_error("ca{name='ca/r', trusted=true}\n"
                          "for i = 1, 200 do client{name='client/' .. i, issuer='ca/r'} end\n",
                          ""));
}
END_TEST

START_TEST(manifest_refusals)
{
    pki_manifest m;
    mp_err e;
    const char *newer = "{\"version\": 2, \"fixtures\": [], \"trust_bundle\": \"t.pem\"}";
    ck_assert_int_eq(pki_manifest_parse(&m, newer, strlen(newer), "/fx", "m.json", &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "newer than this mtlsprobe reads"));
    const char *lacking = "{\"version\": 1, \"fixtures\": [{\"name\": \"x\"}], \"trust_bundle\": \"t\"}";
    ck_assert_int_eq(pki_manifest_parse(&m, lacking, strlen(lacking), "/fx", "m.json", &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "lacks name, cert or key"));
    const char *ok = "{\"version\": 1, \"trust_bundle\": \"t.pem\", \"fixtures\": "
                     "[{\"name\": \"client/a\", \"cert\": \"a.pem\", \"key\": \"/k/a.key\"}]}";
    ck_assert_int_eq(pki_manifest_parse(&m, ok, strlen(ok), "/fx", "m.json", &e), 0);
    ck_assert_str_eq(m.trust_bundle, "/fx/t.pem");
    ck_assert_str_eq(pki_manifest_find(&m, "client/a")->key, "/k/a.key");
    pki_manifest_free(&m);
}
END_TEST

START_TEST(http_status_out_of_range)
{
    static const char *const bad[] = { "HTTP/1.1 2\r\n\r\n", "HTTP/1.1 099 X\r\n\r\n",
                                       "HTTP/1.1 600 X\r\nContent-Length: 0\r\n\r\n" };
    for (size_t i = 0; i < 3; i++) {
        http_reader r;
        http_reader_init(&r, 100);
        ck_assert_int_eq(http_reader_feed(&r, bad[i], strlen(bad[i])), -1);
        ck_assert_ptr_nonnull(strstr(r.error, "malformed"));
        http_reader_free(&r);
        http_load_reader s;
        http_load_reader_init(&s);
        ck_assert_int_eq(http_load_reader_feed(&s, bad[i], strlen(bad[i])), -1);
    }
}
END_TEST

START_TEST(rates)
{
    double r;
    ck_assert_int_eq(tm_parse_rate("500", &r, NULL), 0);
    ck_assert(r == 500);
    ck_assert_int_eq(tm_parse_rate("2.5/s", &r, NULL), 0);
    ck_assert(r == 2.5);
    static const char *const bad[] = { "", "0", "-1", "nan", "inf", "1e10", "1e3", "5/m", "/s", "0x10",
                                       "1e400" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(tm_parse_rate(bad[i], &r, NULL) != 0, "'%s' accepted", bad[i]);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("robust");
    TCase *tc = tcase_create("robust");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, atomic_write_survives_sigkill);
    tcase_add_test(tc, keys_are_0600_whatever_the_umask);
    tcase_add_test(tc, spec_bounds);
    tcase_add_test(tc, script_bounds_and_sandbox);
    tcase_add_test(tc, manifest_refusals);
    tcase_add_test(tc, http_status_out_of_range);
    tcase_add_test(tc, rates);
    suite_add_tcase(s, tc);
    return s;
}
