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

static const cmd_opt fixtures_opts[] = {
    { "out", 'o', 'o', "DIR", "output directory", NULL, "mtlsprobe-fixtures", CMD_COMPLETE_DIR, 0 },
    { "spec", 's', 's', "FILE", "fixture spec", NULL, "the built-in fixtures/default.lua", CMD_COMPLETE_FILE, 0 },
    { "print-spec", 'P', 0, NULL, "print the built-in spec, to start your own from it", NULL, NULL, 0, 0 },
    { "key-type", 'k', 'k', "TYPE", "key type of the good certificates",
      "ec-p256|ec-p384|ec-p521|rsa-2048|rsa-3072|rsa-4096|ed25519", "ec-p256", 0, 0 },
    { "host", 'H', 0, "NAME", "SAN of the server certificates", NULL, "localhost, 127.0.0.1, ::1", 0,
      CMD_OPT_REPEAT },
    { "issuer-cert", 1001, 0, "FILE", "the organization's issuing CA (PEM, optionally followed by its chain up "
      "to the root): every fixture on the trusted path is issued under it; the trust bundle is its root", NULL,
      NULL, CMD_COMPLETE_FILE, 0 },
    { "issuer-key", 1002, 0, "FILE", "that CA's private key (PEM or DER, may be encrypted); it is never "
      "written to the output, printed or recorded", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "pass", 1003, 0, "SRC", "password of --issuer-key: pass:TEXT, env:VAR, file:PATH, fd:N or stdin "
      "(openssl's -passin forms)", NULL, NULL, 0, 0 },
    { "cert-days", 1004, 0, "N", "lifetime of the good certificates in days (CAs at least 3650)", NULL, "90", 0,
      0 },
    { "crl-days", 1005, 0, "N", "days until the CRLs' nextUpdate", NULL, "30", 0, 0 },
    { "check", 1006, 0, "DIR", "report what in the fixture set DIR has expired or expires within --within; "
      "exit 1 if anything does", NULL, NULL, CMD_COMPLETE_DIR, 0 },
    { "within", 1007, 0, "DUR", "the window of --check, e.g. 30d, 12h", NULL, "14d", 0, 0 },
    { "seed", 'S', 0, "N", "reproducible output: the same seed gives the same keys and serials (with --now, "
      "byte-identical files). The keys are predictable by anyone who knows N: for tests only, never for a "
      "gateway reachable by others", NULL, NULL, 0, 0 },
    { "now", 'N', 0, "TIME", "anchor all validity periods at TIME, e.g. 2026-01-01T00:00:00Z or @1767225600",
      NULL, "now", 0, 0 },
    { "force", 'f', 'f', NULL, "replace an existing output directory", NULL, NULL, 0, 0 },
    CMD_OPT_TRUST_SCRIPTS(1008),
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

static int parse_days(const char *opt, const char *v, int *out)
{
    char *end;
    errno = 0;
    long d = strtol(v, &end, 10);
    if (errno || end == v || *end || d < 1 || d > 36500) {
        cmd_error("fixtures", "%s '%s' is not a number of days from 1 to 36500", opt, v);
        return -1;
    }
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

int cmd_fixtures(int argc, char **argv)
{
    const char *out = "mtlsprobe-fixtures", *spec_path = NULL;
    const char *hosts[MAX_HOSTS];
    size_t n_hosts = 0;
    pki_key_type key_type = PKI_KEY_EC_P256;
    int force = 0, verbose = 0, quiet = 0, seeded = 0, cert_days = 0, crl_days = 0, trust = 0;
    const char *issuer_cert = NULL, *issuer_key = NULL, *pass = NULL, *check = NULL;
    int64_t within_ms = 14LL * 86400 * 1000;
    int within_set = 0;
    uint64_t seed = 0;
    int64_t now = tm_now();
    mp_err e = { { 0 } };
    int c;

    cmd_getopt g;
    if (cmd_getopt_build(&cmd_fixtures_verb, &g) != 0) {
        cmd_error("fixtures", "option table too long");
        return MP_EXIT_USAGE;
    }
    opterr = 0;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': spec_path = optarg; break;
        case 'P': fwrite(mp_default_spec, 1, mp_default_spec_len, stdout); return MP_EXIT_OK;
        case 'k':
            if (pki_key_type_parse(optarg, &key_type) != 0) {
                cmd_error("fixtures", "unknown --key-type '%s' (known: %s)", optarg,
                          pki_key_type_list());
                return MP_EXIT_USAGE;
            }
            break;
        case 'H':
            if (n_hosts == MAX_HOSTS) {
                cmd_error("fixtures", "at most %d --host options", MAX_HOSTS);
                return MP_EXIT_USAGE;
            }
            if (!*optarg || strchr(optarg, ',') || strchr(optarg, ' ')) {
                cmd_error("fixtures", "--host '%s' is not a host name or IP address", optarg);
                return MP_EXIT_USAGE;
            }
            hosts[n_hosts++] = optarg;
            break;
        case 'S': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-' || v > INT64_MAX) {
                cmd_error("fixtures", "--seed '%s' is not an integer from 0 to %" PRId64,
                          optarg, INT64_MAX);
                return MP_EXIT_USAGE;
            }
            seed = v;
            seeded = 1;
            break;
        }
        case 'N':
            if (tm_parse_instant(optarg, &now, &e) != 0) {
                cmd_error("fixtures", "--now: %s", e.msg);
                return MP_EXIT_USAGE;
            }
            break;
        case 1001: issuer_cert = optarg; break;
        case 1002: issuer_key = optarg; break;
        case 1003: pass = optarg; break;
        case 1004:
            if (parse_days("--cert-days", optarg, &cert_days) != 0)
                return MP_EXIT_USAGE;
            break;
        case 1005:
            if (parse_days("--crl-days", optarg, &crl_days) != 0)
                return MP_EXIT_USAGE;
            break;
        case 1006: check = optarg; break;
        case 1007:
            if (tm_parse_duration(optarg, &within_ms, &e) != 0 || within_ms < 0) {
                cmd_error("fixtures", "--within: %s", within_ms < 0 ? "must not be negative" : e.msg);
                return MP_EXIT_USAGE;
            }
            within_set = 1;
            break;
        case 'f': force = 1; break;
        case 1008: trust = 1; break;
        case 'v': verbose = 1; break;
        case 'q': quiet = 1; break;
        case 'h': cmd_help_print(&cmd_fixtures_verb, stdout); return MP_EXIT_OK;
        case ':':
            cmd_error("fixtures", "option '%s' needs a value", argv[optind - 1]);
            return MP_EXIT_USAGE;
        default:
            cmd_error("fixtures", "unknown option '%s' (try mtlsprobe fixtures --help)",
                      argv[optind - 1]);
            return MP_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cmd_error("fixtures", "unexpected argument '%s' (try mtlsprobe fixtures --help)",
                  argv[optind]);
        return MP_EXIT_USAGE;
    }
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
