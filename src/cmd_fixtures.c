/* `mtlsprobe fixtures`: options, then pki_spec_load + pki_generate, or
 * --check: the freshness of an existing set. The organization's CA given
 * with --issuer-cert/--issuer-key reaches the spec as the global `import`;
 * the spec decides what it issues and what it must leave out. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "pki/fixtures.h"
#include "pki/fresh.h"
#include "pki/import.h"
#include "pki/manifest.h"
#include "pki/spec.h"
#include "results/results.h"
#include "util/timeutil.h"

extern const char mp_default_spec[];
extern const size_t mp_default_spec_len;

#define MAX_HOSTS 64

enum fixtures_opt_id {
    FX_PRINT_SPEC = CMD_OPT_ID_BASE, FX_HOST, FX_ISSUER_CERT, FX_ISSUER_KEY, FX_PASS, FX_CERT_DAYS, FX_CRL_DAYS,
    FX_CHECK, FX_WITHIN, FX_SEED, FX_NOW, FX_TRUST_SCRIPTS,
};

static const cmd_opt fixtures_opts[] = {
    { "out", 'o', 'o', "DIR", "output directory", NULL, "mtlsprobe-fixtures", CMD_COMPLETE_DIR, 0 },
    { "spec", 's', 's', "FILE", "fixture spec", NULL, "the built-in fixtures/default.lua", CMD_COMPLETE_FILE, 0 },
    { "print-spec", FX_PRINT_SPEC, 0, NULL, "print the built-in spec, to start your own from it", NULL, NULL, 0, 0 },
    { "key-type", 'k', 'k', "TYPE", "key type of the good certificates",
      "ec-p256|ec-p384|ec-p521|rsa-2048|rsa-3072|rsa-4096|ed25519", "ec-p256", 0, 0 },
    { "host", FX_HOST, 0, "NAME", "SAN of the server certificates", NULL, "localhost, 127.0.0.1, ::1", 0,
      CMD_OPT_REPEAT },
    { "issuer-cert", FX_ISSUER_CERT, 0, "FILE", "the organization's issuing CA (PEM, optionally followed by its chain up "
      "to the root): every fixture on the trusted path is issued under it; the trust bundle is its root", NULL,
      NULL, CMD_COMPLETE_FILE, 0 },
    { "issuer-key", FX_ISSUER_KEY, 0, "FILE", "that CA's private key (PEM or DER, may be encrypted); it is never "
      "written to the output, printed or recorded", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "pass", FX_PASS, 0, "SRC", "password of --issuer-key: pass:TEXT, env:VAR, file:PATH, fd:N or stdin "
      "(openssl's -passin forms)", NULL, NULL, 0, 0 },
    { "cert-days", FX_CERT_DAYS, 0, "N", "lifetime of the good certificates in days (CAs at least 3650)", NULL, "90", 0,
      0 },
    { "crl-days", FX_CRL_DAYS, 0, "N", "days until the CRLs' nextUpdate", NULL, "30", 0, 0 },
    { "check", FX_CHECK, 0, "DIR", "report what in the fixture set DIR has expired or expires within --within; "
      "exit 1 if anything does", NULL, NULL, CMD_COMPLETE_DIR, 0 },
    { "within", FX_WITHIN, 0, "DUR", "the window of --check, e.g. 30d, 12h", NULL, "14d", 0, 0 },
    { "seed", FX_SEED, 0, "N", "reproducible output: the same seed gives the same keys and serials (with --now, "
      "byte-identical files). The keys are predictable by anyone who knows N: for tests only, never for a "
      "gateway reachable by others", NULL, NULL, 0, 0 },
    { "now", FX_NOW, 0, "TIME", "anchor all validity periods at TIME, e.g. 2026-01-01T00:00:00Z or @1767225600",
      NULL, "now", 0, 0 },
    { "force", 'f', 'f', NULL, "replace an existing output directory", NULL, NULL, 0, 0 },
    CMD_OPT_TRUST_SCRIPTS(FX_TRUST_SCRIPTS),
    { "verbose", 'v', 'v', NULL, "print progress (on standard error, at most once a second), timing and counts",
      NULL, NULL, 0, 0 },
    { "quiet", 'q', 'q', NULL, "print nothing on success", NULL, NULL, 0, 0 },
    { "help", 'h', 'h', NULL, "this text", NULL, NULL, 0, 0 },
};

const cmd_verb cmd_fixtures_verb = {
    .name = "fixtures",
    .summary = "generate a CA hierarchy and every good and bad certificate",
    .usage = "mtlsprobe fixtures [options]\nmtlsprobe fixtures --check DIR [--within DUR]",
    .description =
        "Generates a CA hierarchy and every good and bad certificate the scenarios need,\n"
        "from a Lua spec: certificates, private keys (mode 0600), chains, a CRL for every\n"
        "CA plus a CRL bundle, SPKI SHA-256 pins and manifest.json. See docs/fixtures.md.\n",
    .opts = fixtures_opts,
    .n_opts = sizeof fixtures_opts / sizeof fixtures_opts[0],
    .notes =
        "The output directory is written completely or not at all: Ctrl-C (or SIGTERM)\n"
        "stops within a key's generation, removes the temporary DIR.tmp-PID and leaves\n"
        "DIR as it was (exit 2); a second one ends the process at once.\n"
        "\n"
        "The spec runs in a sandbox (no shell, no files) with a memory and instruction\n"
        "limit, and defines at most 1000 fixtures with extensions of at most 64 KiB\n"
        "each. See docs/fixtures.md.\n",
    .exit_codes =
        "  0  written (--check: nothing expired or expiring)\n"
        "  1  (--check only) something expired or expires within the window\n"
        "  2  bad option, bad spec, unreadable issuer or wrong password, unwritable\n"
        "     output, or interrupted\n",
    .fn = cmd_fixtures,
};

static int parse_days(const char *opt, const char *v, int *out, mp_err *e)
{
    char *end;
    errno = 0;
    long d = strtol(v, &end, 10);
    if (errno || end == v || *end || d < 1 || d > 36500)
        return mp_fail(e, "%s '%s' is not a number of days from 1 to 36500", opt, v);
    *out = (int)d;
    return 0;
}

void cmd_warn_stale_fixtures(const pki_manifest *m, const char *control, int64_t now,
                             res_run *run)
{
    pki_fresh f;
    mp_err e = { { 0 } };
    if (pki_fresh_check(m, control, now, 0, &f, &e) != 0) {
        fprintf(stderr, "mtlsprobe: run: warning: cannot check the fixtures' freshness: %s\n", e.msg);
        return;
    }
    for (size_t i = 0; i < f.n; i++) {
        char when[21];
        tm_format_iso(f.v[i].when, when);
        fprintf(stderr, "mtlsprobe: run: warning: stale fixture %s: %s %s; verdicts that rest on "
                        "it may be wrong (regenerate the fixtures; see fixtures --check)\n",
                f.v[i].name, f.v[i].what, when);
        if (run->stale.n < RES_MAX_STALE)
            snprintf(run->stale.item[run->stale.n++], sizeof run->stale.item[0], "%s: %s %s",
                     f.v[i].name, f.v[i].what, when);
    }
    pki_fresh_free(&f);
}

/* -v: "generating fixtures: 12/41 (client/expired)" at most once a second,
 * and for the last one. */
typedef struct progress {
    int64_t last_ns;
} progress;

static void on_progress(void *ud, size_t done, size_t total, const char *name)
{
    progress *p = ud;
    int64_t now = tm_mono_ns();
    if (done < total && now - p->last_ns < 1000000000LL)
        return;
    p->last_ns = now;
    fprintf(stderr, "mtlsprobe: fixtures: generated %zu/%zu (%s)\n", done, total, name);
}

/* --check: one line per problem, then a summary; exit 1 if any. */
static int check_set(const char *dir, int64_t now, int64_t within_ms, int quiet)
{
    pki_manifest m;
    pki_fresh f;
    mp_err e = { { 0 } };
    if (pki_manifest_load(&m, dir, &e) != 0) {
        cmd_error("fixtures", "--check: %s", e.msg);
        return MP_EXIT_USAGE;
    }
    if (pki_fresh_check(&m, NULL, now, within_ms / 1000, &f, &e) != 0) {
        pki_manifest_free(&m);
        cmd_error("fixtures", "--check: %s", e.msg);
        return MP_EXIT_USAGE;
    }
    size_t stale = 0;
    for (size_t i = 0; i < f.n; i++) {
        char when[21];
        tm_format_iso(f.v[i].when, when);
        stale += f.v[i].stale;
        printf("%-13s %-36s %s %s\n", f.v[i].stale ? "STALE" : "EXPIRES-SOON", f.v[i].name,
               f.v[i].what, when);
    }
    if (!quiet)
        printf("%zu fixtures checked in %s: %zu stale, %zu within %lld hours\n", f.checked, dir,
               stale, f.n - stale, (long long)(within_ms / 3600000));
    int rc = f.n ? MP_EXIT_FAIL : MP_EXIT_OK;
    pki_fresh_free(&f);
    pki_manifest_free(&m);
    return rc;
}

typedef struct fixtures_args {
    const char *out, *spec_path;
    const char *hosts[MAX_HOSTS];
    size_t n_hosts;
    pki_key_type key_type;
    int force, verbose, quiet, seeded, cert_days, crl_days, trust, print_spec;
    const char *issuer_cert, *issuer_key, *pass, *check;
    int64_t within_ms;
    int within_set;
    uint64_t seed;
    int64_t now;
} fixtures_args;

static int fixtures_opt(void *settings, int id, const char *val, mp_err *e)
{
    fixtures_args *a = settings;
    switch (id) {
    case 'o': a->out = val; break;
    case 's': a->spec_path = val; break;
    case FX_PRINT_SPEC: a->print_spec = 1; break;
    case 'k':
        if (pki_key_type_parse(val, &a->key_type) != 0)
            return mp_fail(e, "unknown --key-type '%s' (known: %s)", val, pki_key_type_list());
        break;
    case FX_HOST:
        if (a->n_hosts == MAX_HOSTS)
            return mp_fail(e, "at most %d --host options", MAX_HOSTS);
        if (!*val || strchr(val, ',') || strchr(val, ' '))
            return mp_fail(e, "--host '%s' is not a host name or IP address", val);
        a->hosts[a->n_hosts++] = val;
        break;
    case FX_SEED: {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(val, &end, 10);
        if (errno || end == val || *end || val[0] == '-' || v > INT64_MAX)
            return mp_fail(e, "--seed '%s' is not an integer from 0 to %" PRId64, val, INT64_MAX);
        a->seed = v;
        a->seeded = 1;
        break;
    }
    case FX_NOW:
        if (tm_parse_instant(val, &a->now, e) != 0)
            return mp_wrap(e, "--now");
        break;
    case FX_ISSUER_CERT: a->issuer_cert = val; break;
    case FX_ISSUER_KEY: a->issuer_key = val; break;
    case FX_PASS: a->pass = val; break;
    case FX_CERT_DAYS: return parse_days("--cert-days", val, &a->cert_days, e);
    case FX_CRL_DAYS: return parse_days("--crl-days", val, &a->crl_days, e);
    case FX_CHECK: a->check = val; break;
    case FX_WITHIN:
        if (tm_parse_duration(val, &a->within_ms, e) != 0)
            return mp_wrap(e, "--within");
        if (a->within_ms < 0)
            return mp_fail(e, "--within: must not be negative");
        a->within_set = 1;
        break;
    case 'f': a->force = 1; break;
    case FX_TRUST_SCRIPTS: a->trust = 1; break;
    case 'v': a->verbose = 1; break;
    case 'q': a->quiet = 1; break;
    }
    return 0;
}

int cmd_fixtures(int argc, char **argv)
{
    fixtures_args a = { .out = "mtlsprobe-fixtures", .key_type = PKI_KEY_EC_P256,
                        .within_ms = 14LL * 86400 * 1000, .now = tm_now() };
    int first;
    cmd_parse_result pr = cmd_parse(&cmd_fixtures_verb, argc, argv, 0, fixtures_opt, &a, &first);
    if (pr != CMD_PARSED)
        return pr == CMD_PARSE_HELP ? MP_EXIT_OK : MP_EXIT_USAGE;
    if (a.print_spec) {
        fwrite(mp_default_spec, 1, mp_default_spec_len, stdout);
        return MP_EXIT_OK;
    }
    const char *out = a.out, *spec_path = a.spec_path;
    const char **hosts = a.hosts;
    size_t n_hosts = a.n_hosts;
    pki_key_type key_type = a.key_type;
    int force = a.force, verbose = a.verbose, quiet = a.quiet, seeded = a.seeded, cert_days = a.cert_days,
        crl_days = a.crl_days, trust = a.trust;
    const char *issuer_cert = a.issuer_cert, *issuer_key = a.issuer_key, *pass = a.pass, *check = a.check;
    int64_t within_ms = a.within_ms;
    int within_set = a.within_set;
    uint64_t seed = a.seed;
    int64_t now = a.now;
    mp_err e = { { 0 } };
    if (within_set && !check) {
        cmd_error("fixtures", "--within goes with --check DIR");
        return MP_EXIT_USAGE;
    }
    if (check)
        return check_set(check, now, within_ms, quiet);
    if (!*out) {
        cmd_error("fixtures", "--out must not be empty");
        return MP_EXIT_USAGE;
    }
    if (!issuer_cert != !issuer_key) {
        cmd_error("fixtures", "--issuer-cert and --issuer-key go together");
        return MP_EXIT_USAGE;
    }
    if (pass && !issuer_key) {
        cmd_error("fixtures", "--pass is the password of --issuer-key, which is not given");
        return MP_EXIT_USAGE;
    }
    /* SIGINT/SIGTERM: the spec or the generation stops, DIR.tmp-PID goes */
    atomic_int *stop = cmd_stop_on_signals();
    pki_import_cert ic;
    memset(&ic, 0, sizeof ic);
    if (issuer_cert && pki_import_cert_load(&ic, issuer_cert, &e) != 0) {
        cmd_error("fixtures", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    if (n_hosts == 0) {
        hosts[n_hosts++] = "localhost";
        hosts[n_hosts++] = "127.0.0.1";
        hosts[n_hosts++] = "::1";
    }

    pki_spec_opts so = {
        .key_type = key_type, .hosts = hosts, .n_hosts = n_hosts, .now = now,
        .cert_days = cert_days, .crl_days = crl_days, .import_cert = issuer_cert,
        .import_key = issuer_key, .import_pass = pass,
        .import_info = issuer_cert ? &ic : NULL, .trust = trust, .stop = stop,
    };
    pki_spec spec;
    int rc = spec_path ? pki_spec_load_file(&spec, spec_path, &so, &e)
                       : pki_spec_load_text(&spec, mp_default_spec, mp_default_spec_len,
                                            "fixtures/default.lua", &so, &e);
    pki_import_cert_free(&ic);
    if (rc != 0) {
        cmd_error("fixtures", "%s", atomic_load(stop) ? "interrupted while reading the spec; nothing written" : e.msg);
        return MP_EXIT_USAGE;
    }
    if (issuer_cert) {
        int used = 0;
        for (size_t i = 0; i < spec.n; i++)
            used |= spec.defs[i].import_cert != NULL;
        if (!used) {
            pki_spec_free(&spec);
            cmd_error("fixtures", "--issuer-cert is given but the spec imports no CA "
                                  "(ca{ import = import } uses it)");
            return MP_EXIT_USAGE;
        }
    }
    pki_gen_opts go = {
        .out_dir = out, .force = force, .seeded = seeded, .seed = seed, .now = now,
        .spec_name = spec_path ? spec_path : "built-in fixtures/default.lua",
        .key_type = pki_key_type_name(key_type), .hosts = hosts, .n_hosts = n_hosts,
        .generator = "mtlsprobe " MTLSPROBE_VERSION, .stop = stop,
    };
    progress prog = { tm_mono_ns() };
    if (verbose && !quiet) {
        go.progress = on_progress;
        go.progress_ud = &prog;
    }
    pki_gen_stats st;
    rc = pki_generate(&spec, &go, &st, &e);
    if (rc != 0) {
        pki_spec_free(&spec);
        cmd_error("fixtures", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    for (size_t i = 0; i < spec.n_omitted; i++)
        fprintf(stderr, "mtlsprobe: fixtures: left out %s: %s\n", spec.omitted[i].name,
                spec.omitted[i].reason);
    pki_spec_free(&spec);
    if (!quiet)
        printf("wrote %zu fixtures to %s (manifest.json, trust-bundle.pem, crl-bundle.pem)\n",
               st.fixtures, out);
    if (verbose)
        printf("generated in %.3f s: %zu keys (%zu RSA), %zu certificates, %zu CRLs\n",
               st.seconds, st.keys, st.rsa_keys, st.fixtures, st.crls);
    return MP_EXIT_OK;
}
