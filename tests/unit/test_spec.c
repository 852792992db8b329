/* pki/spec and pki/fixtures: the spec language (defaults, checks, errors at
 * file:line) and generation into a directory (atomic, --force, seeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "check_main.h"
#include "pki/fixtures.h"
#include "pki/spec.h"
#include "util/fs.h"

extern const char mp_default_spec[];
extern const size_t mp_default_spec_len;

static const char *const hosts[] = { "localhost", "127.0.0.1", "::1" };
static const pki_spec_opts opts = { .key_type = PKI_KEY_EC_P256, .hosts = hosts, .n_hosts = 3, .now = 1767225600 };

static int load(pki_spec *s, const char *text, mp_err *e)
{
    return pki_spec_load_text(s, text, strlen(text), "t.lua", &opts, e);
}

static void expect_error(const char *text, const char *fragment)
{
    pki_spec s;
    mp_err e = { { 0 } };
    ck_assert_msg(load(&s, text, &e) == -1, "spec accepted: %s", text);
    ck_assert_msg(strstr(e.msg, fragment) != NULL, "error '%s' lacks '%s'", e.msg, fragment);
}

START_TEST(defaults_by_role)
{
    pki_spec s;
    mp_err e;
    int rc = load(&s, "ca{name='ca/r', trusted=true}\n"
                      "server{name='server/s', issuer='ca/r'}\n"
                      "client{name='client/c', issuer='ca/r', key='rsa-2048'}\n", &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_uint_eq(s.n, 3);
    const pki_fixture_def *ca = &s.defs[0], *srv = &s.defs[1], *cli = &s.defs[2];
    ck_assert_int_eq(ca->is_ca, 1);
    ck_assert_int_eq(ca->issuer, -1);
    ck_assert_str_eq(ca->key_usage, "digitalSignature,keyCertSign,cRLSign");
    ck_assert_ptr_null(ca->eku);
    ck_assert_str_eq(srv->eku, "serverAuth");
    ck_assert_uint_eq(srv->sans.n, 3);
    ck_assert_str_eq(srv->sans.v[1], "127.0.0.1");
    ck_assert_int_eq(srv->issuer, 0);
    ck_assert_int_eq(srv->not_before, 1767225600 - 3600);
    ck_assert_int_eq(srv->not_after, 1767225600 + 90 * 86400);
    ck_assert_str_eq(cli->eku, "clientAuth");
    ck_assert_uint_eq(cli->sans.n, 0);
    ck_assert_int_eq(cli->key_type, PKI_KEY_RSA_2048);
    ck_assert_str_eq(cli->defect, "none");
    ck_assert_str_eq(cli->expect, "accept");
    ck_assert_str_eq(cli->where, "t.lua:3");
    pki_spec_free(&s);
}
END_TEST

START_TEST(errors_name_the_line)
{
    expect_error("ca{name='ca/r', trusted=true}\nclient{name='c/x', issuer='ca/nope'}\n",
                 "t.lua:2: client{name=\"c/x\"}: issuer 'ca/nope' is not defined above");
    expect_error("ca{name='ca/r', trusted=true}\n\nclient{name='c/x', colour='red'}\n",
                 "t.lua:3: client{name=\"c/x\"}: unknown field 'colour'");
    expect_error("ca{name='ca/r', trusted=true\n", "t.lua:2:");            /* syntax */
    expect_error("ca{name='ca/r', trusted=true}\nerror('boom')\n", "t.lua:2: boom");
    expect_error("ca{name='ca/r', trusted=true}\nerror({})\n", "t.lua:2: (error object is a table value)");
    expect_error("ca{name='ca/r', trusted=true}\nca{name='ca/r'}\n", "t.lua:2:");
    expect_error("ca{name='ca/r', trusted=true}\nca{name='ca/r'}\n", "defined twice");
    expect_error("ca{name='ca/r', trusted=true, key='dsa'}\n", "unknown key type 'dsa'");
    expect_error("ca{name='ca/r', trusted=true, hash='md4'}\n", "unknown hash 'md4'");
    expect_error("ca{name='../x', trusted=true}\n", "must be 1 to 128 characters");
    expect_error("ca{name=string.rep('a', 600), trusted=true}\n", "must be 1 to 128 characters");
    /* times a certificate cannot carry */
    expect_error("ca{name='ca/r', trusted=true, not_after='+3000000d'}\n", "outside 1950..9999");
    expect_error("ca{name='ca/r', trusted=true, not_after=100000000000000000}\n", "outside 1950..9999");
    expect_error("ca{name='ca/r', trusted=true, not_before='1949-12-31'}\n", "outside 1950..9999");
    /* lists are checked before anything is allocated */
    expect_error("ca{name='ca/r', trusted=true, key_usage={'digitalSignature', 5}}\n",
                 "key_usage[2] must be a string");
    expect_error("ca{name='ca/r', trusted=true, extensions={{oid='1.2.3', der=''}}}\n",
                 "der must not be empty");
    expect_error("ca{name='ca/r', trusted=true, name_constraints={permitted={'IP:10.0.0.1/8'}}}\n",
                 "t.lua:1: ca{name=\"ca/r\"}: name_constraints: 'IP:10.0.0.1/8' has address bits");
    expect_error("ca{name='ca/r', trusted=true, name_constraints={permitted={'IP:10.0.0.0/'}}}\n",
                 "bad prefix length");
    /* metamethods are not consulted: fields are read raw */
    expect_error("client(setmetatable({}, {__index=function() collectgarbage() return 'x' end}))\n",
                 "field 'name' is required");
    expect_error("ca{name='ca/r', trusted=true, not_before='+2d', not_after='+1d'}\n",
                 "not_after must be later");
    expect_error("ca{name='ca/r', trusted=true, not_after='soon'}\n", "field 'not_after'");
    expect_error("ca{name='ca/r', trusted=true}\nclient{name='c', issuer='ca/r', expect='maybe'}\n",
                 "expect must be");
    expect_error("ca{name='ca/r', trusted=true}\nclient{name='c', issuer='ca/r', sans={'IP:1.2.3'}}\n",
                 "t.lua:2:");
    expect_error("ca{name='ca/r', trusted=true}\nclient{name='c', extensions={{oid='x'}}}\n",
                 "not a dotted OID");
    expect_error("client{name='c'}\n", "no CA has trusted = true");
    expect_error("-- nothing\n", "defines no fixtures");
    expect_error("ca{name='ca/r', trusted=true}\nclient{name='c', issuer='ca/r', revoked='maybe'}\n",
                 "unknown revocation reason");
    expect_error("ca{name='ca/r', trusted=true}\nclient{name='c', pathlen=1}\n", "pathlen needs ca");
    expect_error("ca{name='ca/r', trusted=true}\nclient{name='c', revoked=true}\n",
                 "self-signed certificate cannot be revoked");
}
END_TEST

START_TEST(pcall_leaves_no_half_built_fixture)
{
    pki_spec s;
    mp_err e;
    int rc = load(&s, "ca{name='ca/r', trusted=true}\n"
                      "assert(not pcall(server, {name='server/a', issuer='ca/nope'}))\n"
                      "assert(not pcall(client, {name='client/b', issuer='ca/r', hash='md4'}))\n"
                      "client{name='client/c', issuer='ca/r'}\n"
                      "assert(not pcall(client, {name='client/d', sans={'IP:1.2.3'}}))\n", &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_str_eq(s.defs[1].name, "client/c");
    ck_assert_ptr_nonnull(s.defs[1].subject);
    ck_assert_int_eq(pki_spec_find(&s, "client/b"), -1);
    pki_spec_free(&s); /* also frees the pending client/d */
}
END_TEST

START_TEST(globals_and_return_values)
{
    pki_spec s;
    mp_err e;
    int rc = load(&s, "local r = ca{name='ca/r', trusted=true}\n"
                      "assert(key_type == 'ec-p256' and #hosts == 3 and now == 1767225600)\n"
                      "client{name='client/' .. hosts[1], issuer=r}\n", &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_str_eq(s.defs[1].name, "client/localhost");
    ck_assert_int_eq(s.defs[1].issuer, 0);
    pki_spec_free(&s);
}
END_TEST

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/mp-spec-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    return strdup(tmpl);
}

static pki_gen_opts gen_opts(const char *out)
{
    pki_gen_opts o = { .out_dir = out, .seeded = 1, .seed = 42, .now = 1767225600,
                       .spec_name = "default", .key_type = "ec-p256", .hosts = hosts,
                       .n_hosts = 3, .generator = "test" };
    return o;
}

START_TEST(default_spec_generates_everything)
{
    pki_spec s;
    mp_err e;
    ck_assert_int_eq(pki_spec_load_text(&s, mp_default_spec, mp_default_spec_len,
                                        "fixtures/default.lua", &opts, &e), 0);
    char *dir = tmpdir();
    char *out = fs_join(dir, "fx");
    pki_gen_opts o = gen_opts(out);
    pki_gen_stats st;
    ck_assert_msg(pki_generate(&s, &o, &st, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(st.fixtures, s.n);

    char *mpath = fs_join(out, "manifest.json");
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(json_integer_value(json_object_get(m, "version")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(m, "trust_bundle")), "trust-bundle.pem");
    json_t *list = json_object_get(m, "fixtures");
    ck_assert_uint_eq(json_array_size(list), s.n);
    size_t i;
    json_t *f;
    json_array_foreach(list, i, f) {
        const char *fields[] = { "cert", "key" };
        for (int k = 0; k < 2; k++) {
            char *p = fs_join(out, json_string_value(json_object_get(f, fields[k])));
            struct stat sb;
            ck_assert_msg(stat(p, &sb) == 0, "%s missing", p);
            if (k == 1)
                ck_assert_int_eq(sb.st_mode & 0777, 0600);
            free(p);
        }
        const char *role = json_string_value(json_object_get(f, "role"));
        if (strcmp(role, "ca") != 0)
            ck_assert_ptr_nonnull(json_object_get(f, "chain"));
        if (json_is_true(json_object_get(f, "is_ca")))
            ck_assert_ptr_nonnull(json_object_get(f, "crl"));
    }
    json_decref(m);

    /* Same seed and instant: byte-identical output. */
    char *out2 = fs_join(dir, "fx2");
    o.out_dir = out2;
    ck_assert_msg(pki_generate(&s, &o, &st, &e) == 0, "%s", e.msg);
    const char *files[] = { "manifest.json", "client/valid.key.pem", "client/valid-rsa.key.pem",
                            "ca/root.cert.pem", "crl-bundle.pem" };
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char *a = fs_join(out, files[k]), *b = fs_join(out2, files[k]);
        char *da, *db;
        size_t la, lb;
        ck_assert_int_eq(fs_read_file(a, &da, &la, &e), 0);
        ck_assert_int_eq(fs_read_file(b, &db, &lb, &e), 0);
        ck_assert_msg(la == lb && memcmp(da, db, la) == 0, "%s differs", files[k]);
        free(da);
        free(db);
        free(a);
        free(b);
    }

    /* An existing directory is not replaced without force; with it, it is. */
    ck_assert_int_eq(pki_generate(&s, &o, &st, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "--force"));
    o.force = 1;
    o.seed = 43;
    ck_assert_msg(pki_generate(&s, &o, &st, &e) == 0, "%s", e.msg);
    char *a = fs_join(out, "client/valid.key.pem"), *b = fs_join(out2, "client/valid.key.pem");
    char *da, *db;
    ck_assert_int_eq(fs_read_file(a, &da, NULL, &e), 0);
    ck_assert_int_eq(fs_read_file(b, &db, NULL, &e), 0);
    ck_assert_str_ne(da, db); /* another seed, another key */
    free(da);
    free(db);
    free(a);
    free(b);

    ck_assert_int_eq(fs_remove_tree(dir, &e), 0);
    free(mpath);
    free(out);
    free(out2);
    free(dir);
    pki_spec_free(&s);
}
END_TEST

START_TEST(unwritable_output_leaves_nothing)
{
    pki_spec s;
    mp_err e;
    ck_assert_int_eq(load(&s, "ca{name='ca/r', trusted=true}\n", &e), 0);
    char *dir = tmpdir();
    /* A file where the parent directory should be. */
    char *blocker = fs_join(dir, "file");
    ck_assert_int_eq(fs_write_file(blocker, "x", 1, 0644, &e), 0);
    char *out = fs_join(blocker, "fx");
    pki_gen_opts o = gen_opts(out);
    pki_gen_stats st;
    ck_assert_int_eq(pki_generate(&s, &o, &st, &e), -1);
    ck_assert_msg(strstr(e.msg, blocker) != NULL, "%s", e.msg);
    /* And a generation error (bad extension DER) leaves no partial tree. */
    pki_spec_free(&s);
    ck_assert_int_eq(load(&s, "ca{name='ca/r', trusted=true}\n"
                              "client{name='c/x', issuer='ca/r', sans={'DNS:x'},"
                              " subject='CN=' .. string.rep('a', 200)}\n", &e), 0);
    char *out2 = fs_join(dir, "fx2");
    o.out_dir = out2;
    ck_assert_int_eq(pki_generate(&s, &o, &st, &e), -1);
    ck_assert_msg(strstr(e.msg, "t.lua:2") != NULL, "%s", e.msg);
    ck_assert_int_eq(fs_exists(out2), 0);
    ck_assert_int_eq(fs_dir_is_empty(dir), 0); /* only "file" is there */
    ck_assert_int_eq(fs_remove_tree(dir, &e), 0);
    free(blocker);
    free(out);
    free(out2);
    free(dir);
    pki_spec_free(&s);
}
END_TEST

static void setup(void)
{
    wolfSSL_Init();
}

static void teardown(void)
{
    wolfSSL_Cleanup();
}

START_TEST(validity_and_omit)
{
    pki_spec s;
    mp_err e;
    int rc = load(&s, "validity{cert_days=10, crl_days=3}\n"
                      "ca{name='ca/r', trusted=true}\n"
                      "client{name='client/c', issuer='ca/r'}\n"
                      "omit{name='client/x', reason='cannot be expressed here'}\n"
                      "assert(cert_days == 10 and crl_days == 3)\n", &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(s.defs[1].not_after, 1767225600 + 10 * 86400);
    ck_assert_int_eq(s.defs[0].not_after, 1767225600 + 3650 * 86400); /* CAs: at least 3650 */
    ck_assert_int_eq(s.defs[0].crl_next_update, 1767225600 + 3 * 86400);
    ck_assert_uint_eq(s.n_omitted, 1);
    ck_assert_str_eq(s.omitted[0].name, "client/x");
    ck_assert_int_eq(s.cert_days, 10);
    pki_spec_free(&s);

    /* The command line wins over validity{}. */
    pki_spec_opts o = opts;
    o.cert_days = 20;
    const char *t = "validity{cert_days=10}\nca{name='ca/r', trusted=true}\n"
                    "client{name='client/c', issuer='ca/r'}\n";
    rc = pki_spec_load_text(&s, t, strlen(t), "t.lua", &o, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(s.defs[1].not_after, 1767225600 + 20 * 86400);
    pki_spec_free(&s);

    expect_error("omit{name='x'}", "needs name and reason");
    expect_error("ca{name='ca/r', trusted=true}\nomit{name='ca/r', reason='r'}", "defined above");
    expect_error("validity{cert_days=-1}", "days must be");
    expect_error("ca{name='ca/o', import={cert='/nonexistent.pem', key='k'}}", "t.lua:1:");
    expect_error("ca{name='ca/o', subject='CN=x', import={cert='c', key='k'}}",
                 "'subject' cannot be set on an imported CA");
    expect_error("client{name='client/o', import={cert='c', key='k'}}", "only a ca{} can be imported");
    expect_error("ca{name='ca/o', import={cert='c'}}", "import needs cert and key");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("spec");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, defaults_by_role);
    tcase_add_test(tc, errors_name_the_line);
    tcase_add_test(tc, pcall_leaves_no_half_built_fixture);
    tcase_add_test(tc, globals_and_return_values);
    tcase_add_test(tc, default_spec_generates_everything);
    tcase_add_test(tc, unwritable_output_leaves_nothing);
    tcase_add_test(tc, validity_and_omit);
    suite_add_tcase(s, tc);
    return s;
}
