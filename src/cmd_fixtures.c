/* `mtlsprobe fixtures`: options, then pki_spec_load + pki_generate. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pki/fixtures.h"
#include "pki/spec.h"
#include "util/timeutil.h"

extern const char mp_default_spec[];
extern const size_t mp_default_spec_len;

#define MAX_HOSTS 64

static const char help_text[] =
    "usage: mtlsprobe fixtures [options]\n"
    "\n"
    "Generates a CA hierarchy and every good and bad certificate the scenarios need,\n"
    "from a Lua spec: certificates, private keys (mode 0600), chains, a CRL for every\n"
    "CA plus a CRL bundle, SPKI SHA-256 pins and manifest.json. See docs/fixtures.md.\n"
    "\n"
    "options:\n"
    "  -o, --out DIR        output directory (default: mtlsprobe-fixtures)\n"
    "  -s, --spec FILE      fixture spec (default: the built-in fixtures/default.lua)\n"
    "      --print-spec     print the built-in spec, to start your own from it\n"
    "  -k, --key-type TYPE  key type of the good certificates: ec-p256 (default),\n"
    "                       ec-p384, ec-p521, rsa-2048, rsa-3072, rsa-4096, ed25519\n"
    "      --host NAME      SAN of the server certificates, repeatable\n"
    "                       (default: localhost, 127.0.0.1, ::1)\n"
    "      --seed N         reproducible output: the same seed gives the same keys and\n"
    "                       serials (with --now, byte-identical files)\n"
    "      --now TIME       anchor all validity periods at TIME, e.g.\n"
    "                       2026-01-01T00:00:00Z or @1767225600 (default: now)\n"
    "  -f, --force          replace an existing output directory\n"
    "  -v, --verbose        print timing and counts\n"
    "  -q, --quiet          print nothing on success\n"
    "  -h, --help           this text\n"
    "\n"
    "The output directory is written completely or not at all.\n"
    "exit codes: 0 written, 2 bad option, bad spec or unwritable output\n";

int cmd_fixtures(int argc, char **argv)
{
    static const struct option opts[] = {
        { "out", required_argument, NULL, 'o' },
        { "spec", required_argument, NULL, 's' },
        { "print-spec", no_argument, NULL, 'P' },
        { "key-type", required_argument, NULL, 'k' },
        { "host", required_argument, NULL, 'H' },
        { "seed", required_argument, NULL, 'S' },
        { "now", required_argument, NULL, 'N' },
        { "force", no_argument, NULL, 'f' },
        { "verbose", no_argument, NULL, 'v' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *out = "mtlsprobe-fixtures", *spec_path = NULL;
    const char *hosts[MAX_HOSTS];
    size_t n_hosts = 0;
    pki_key_type key_type = PKI_KEY_EC_P256;
    int force = 0, verbose = 0, quiet = 0, seeded = 0;
    uint64_t seed = 0;
    int64_t now = tm_now();
    mp_err e = { { 0 } };
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:s:k:fvqh", opts, NULL)) != -1) {
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
        case 'f': force = 1; break;
        case 'v': verbose = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(help_text, stdout); return MP_EXIT_OK;
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
    if (!*out) {
        cmd_error("fixtures", "--out must not be empty");
        return MP_EXIT_USAGE;
    }
    if (n_hosts == 0) {
        hosts[n_hosts++] = "localhost";
        hosts[n_hosts++] = "127.0.0.1";
        hosts[n_hosts++] = "::1";
    }

    pki_spec_opts so = { key_type, hosts, n_hosts, now };
    pki_spec spec;
    int rc = spec_path ? pki_spec_load_file(&spec, spec_path, &so, &e)
                       : pki_spec_load_text(&spec, mp_default_spec, mp_default_spec_len,
                                            "fixtures/default.lua", &so, &e);
    if (rc != 0) {
        cmd_error("fixtures", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    pki_gen_opts go = {
        .out_dir = out, .force = force, .seeded = seeded, .seed = seed, .now = now,
        .spec_name = spec_path ? spec_path : "built-in fixtures/default.lua",
        .key_type = pki_key_type_name(key_type), .hosts = hosts, .n_hosts = n_hosts,
        .generator = "mtlsprobe " MTLSPROBE_VERSION,
    };
    pki_gen_stats st;
    rc = pki_generate(&spec, &go, &st, &e);
    pki_spec_free(&spec);
    if (rc != 0) {
        cmd_error("fixtures", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    if (!quiet)
        printf("wrote %zu fixtures to %s (manifest.json, trust-bundle.pem, crl-bundle.pem)\n",
               st.fixtures, out);
    if (verbose)
        printf("generated in %.3f s: %zu keys (%zu RSA), %zu certificates, %zu CRLs\n",
               st.seconds, st.keys, st.rsa_keys, st.fixtures, st.crls);
    return MP_EXIT_OK;
}
