/* `mtlsprobe run`: options, the TLS version probe, then the runner; prints
 * the verdict table and writes JSON and JUnit. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "pki/manifest.h"
#include "report/junit.h"
#include "report/sarif.h"
#include "results/waiver.h"
#include "scenario/runner.h"
#include "tls/tls.h"
#include "util/str.h"
#include "util/timeutil.h"

#define MAX_LIST 64

static const cmd_opt run_opts[] = {
    { "target", 't', 't', "URL", "the gateway, https://HOST:PORT[/PATH]", NULL, NULL, CMD_COMPLETE_NONE, CMD_OPT_REQUIRED },
    { "fixtures", 'f', 'f', "DIR", "fixtures directory with manifest.json", NULL, NULL, CMD_COMPLETE_DIR, CMD_OPT_REQUIRED },
    { "ca", 'C', 0, "FILE", "trust anchors for the gateway's certificate", NULL, "the fixtures' trust bundle", CMD_COMPLETE_FILE, 0 },
    { "no-verify", 'k', 'k', NULL, "do not verify the gateway's certificate", NULL, NULL, 0, 0 },
    { "sni", 'S', 0, "NAME", "SNI to send", NULL, "the target host unless it is an IP", 0, 0 },
    { "connect-to", 'T', 0, "H:P", "connect here instead of the target's host and port", NULL, NULL, 0, 0 },
    { "header", 'H', 'H', "'K: V'", "add a header to every request", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "tls", 'V', 0, NULL, "TLS versions for client-auth scenarios: both is each version the gateway speaks; "
      "one it does not is named on stderr and in the JSON's tls_versions", "1.2|1.3|both", "both", 0, 0 },
    { "timeout", 'O', 0, "DUR", "limit for each network step", NULL, "5s", 0, 0 },
    { "only", 'o', 0, "GLOB", "run only scenarios whose id matches", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "skip", 's', 0, "GLOB", "skip scenarios whose id matches", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "tags", 'g', 0, "T1,T2", "run only scenarios with one of these tags (--only and --tags without --suite "
      "or SCENARIO pick from every built-in suite; a GLOB or tag that matches no scenario is a usage error, "
      "exit 2)", NULL, NULL, 0, 0 },
    { "expect-mtls", 'm', 0, NULL, "whether the target must require client certificates", "yes|no", "yes", 0, 0 },
    { "control", 1010, 0, "NAME", "the fixture the gateway must accept: every refusal is judged against it, "
      "under the same conditions, and is INCONCLUSIVE when it is not served", NULL, "client/valid", 0, 0 },
    { "identity", 1011, 0, "NAME=CERT[,KEY]", "use your own certificate and key in place of the fixture NAME, "
      "or as a new client/NAME; e.g. client/valid=me.p12 makes your organization's client certificate the "
      "control while the defective ones come from the fixtures. CERT: PEM (leaf first, then intermediates) or "
      "DER, or a PKCS#12 file (.p12/.pfx, no KEY); KEY: PEM or DER, plain or encrypted (PKCS#8, traditional "
      "PEM)", NULL, NULL, CMD_COMPLETE_FILE, CMD_OPT_REPEAT },
    { "pass", 1012, 0, "SRC", "password of the PKCS#12 files and encrypted keys: env:VAR, file:PATH, fd:N, "
      "pass:TEXT (as openssl -passin)", NULL, NULL, 0, 0 },
    { "suite", 'A', 0, "NAME", "built-in suite", "client-auth|audit|bypass|upstream|all",
      "client-auth; audit when --profile is given", 0, 0 },
    { "mtls-host", 1001, 0, "NAME", "bypass: the host name that requires client certificates", NULL, NULL, 0, 0 },
    { "public-host", 1002, 0, "NAME", "bypass: a host name on the same gateway served without them", NULL, NULL,
      0, 0 },
    { "other-mtls-host", 1008, 0, "NAME", "bypass: an mTLS host name on the same gateway that trusts another CA "
      "(cross-SNI resumption from it)", NULL, NULL, 0, 0 },
    { "other-client-cert", 1009, 0, "NAME", "the fixture that host accepts", NULL,
      "client/untrusted, issued by ca/rogue-root", 0, 0 },
    { "echo", 1003, 0, "PATH", "bypass: a path the gateway proxies to an echo upstream (mtlsprobe serve "
      "--upstream), to see what it forwards", NULL, NULL, 0, 0 },
    { "revocation", 1004, 0, NULL, "bypass: how revocation is set up now: ocsp, ocsp-down (the responder is "
      "down), crl-stale (nextUpdate passed)", "ocsp|ocsp-down|crl-stale", NULL, 0, 0 },
    { "ocsp-responder", 1007, 0, "URL", "bypass: mtlsprobe serve --ocsp's URL, which revokes client/revocable "
      "under an open connection", NULL, NULL, 0, 0 },
    { "upstream-prefix", 1005, 0, "P", "upstream: where the gateway routes to the echo upstreams, e.g. "
      "/upstream/ for /upstream/valid, /upstream/expired... (without it the upstream scenarios skip)", NULL,
      NULL, 0, 0 },
    { "upstream-client-cert", 1006, 0, "NAME", "upstream: the fixture the gateway presents to upstreams that "
      "require one; your gateway's own: --identity client/gateway=CERT,KEY with --upstream-client-cert "
      "client/gateway", NULL, "client/valid", 0, 0 },
    { "profile", 'P', 0, "P", "audit profile: one of the built-in ones or FILE.lua",
      "mozilla-intermediate|mozilla-modern|nist-800-52r2|pci-dss-4|bsi-tr-02102-2", "baseline, for the audit",
      CMD_COMPLETE_FILE, 0 },
    { "pin", 'N', 0, "sha256/BASE64", "SPKI pin the gateway's chain must contain (audit/pin fails when no "
      "certificate matches)", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "expiry-warn", 'W', 0, "DUR", "audit: warn when the certificate expires within DUR", NULL, "30d", 0, 0 },
    { "fail-on", 1020, 0, "LEVEL", "the lowest severity whose FAIL makes exit 1; FAILs below it are still shown "
      "as FAIL", "critical|high|medium|low|info", "info, any FAIL", 0, 0 },
    { "waivers", 1021, 0, "FILE", "known findings, reported as FAIL (waived) instead of failing until their "
      "expiry date (JSON, docs/results.md):\n{\"waivers\": [{\"id\": \"client-auth/sha1\", \"tls_version\": "
      "\"TLSv1.2\", \"target\": \"https://gw:8443/*\", \"reason\": \"...\", \"expires\": \"2027-03-31\"}]};\n"
      "id and target are globs, tls_version and target optional. An expired waiver covers nothing; one that "
      "covers no FAIL is reported as stale", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "jobs", 'j', 'j', "N", "scenarios in parallel", NULL, "1", 0, 0 },
    { "scenario-time-limit", 1040, 0, "DUR", "the time each scenario may take, in place of its own time_limit "
      "and the default; past it the scenario is an ERROR, \"stopped after N s\"", NULL,
      "30s plus three times --timeout per connection it opens, at most 10m", 0, 0 },
    CMD_OPT_TRUST_SCRIPTS(1041),
    { "json", 'J', 0, "FILE", "write results as JSON (docs/results.md)", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "junit", 'U', 0, "FILE", "write results as JUnit XML", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "sarif", 1030, 0, "FILE", "write FAIL, INCONCLUSIVE and ERROR verdicts as SARIF 2.1.0 (one rule per "
      "scenario) for code-scanning dashboards", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "quiet", 'q', 'q', NULL, "print only the summary line", NULL, NULL, 0, 0 },
    { "verbose", 'v', 'v', NULL, "print evidence for every scenario", NULL, NULL, 0, 0 },
    { "help", 'h', 'h', NULL, "this text", NULL, NULL, 0, 0 },
};

const cmd_verb cmd_run_verb = {
    .name = "run",
    .summary = "run Lua scenarios (the conformance suite) against a gateway",
    .usage = "mtlsprobe run --target https://HOST:PORT[/PATH] --fixtures DIR [options] [SCENARIO...]",
    .description =
        "Runs Lua scenarios against a gateway and prints one verdict per scenario (and\n"
        "TLS version): PASS, FAIL, INCONCLUSIVE (the positive control was not served, so\n"
        "nothing can be said), ERROR (the attempt itself failed), SKIP, or INFO (the\n"
        "scenario only recorded what the gateway did: never counted as a pass), with\n"
        "what was expected and observed.\n"
        "Without SCENARIO arguments (files or directories) it runs a built-in suite:\n"
        "client-auth (default), or audit, which checks the gateway's own TLS against a\n"
        "compliance profile. See docs/scenarios.md.\n",
    .opts = run_opts,
    .n_opts = sizeof run_opts / sizeof run_opts[0],
    .notes =
        "An output FILE may be - (standard output; the table then goes to standard\n"
        "error), a FIFO or a device; a symbolic link of yours or root's is followed,\n"
        "another user's is refused. -H values of credential headers (Authorization,\n"
        "Cookie, names with token, secret, key or auth) are shown as (hidden). Every\n"
        "output is\n"
        "checked before the run starts. With GITHUB_ACTIONS=true, findings are also\n"
        "printed as workflow annotations (::error title=...::...).\n"
        "\n"
        "Scenario and profile files run in a sandbox (no shell, no files, no C\n"
        "libraries) with a memory, instruction and time limit; a scenario past one is\n"
        "an ERROR and the others still run. See docs/scenarios.md.\n"
        "\n"
        "Ctrl-C (or SIGTERM), in any phase, stops within a second: the running scenarios\n"
        "and those not yet started are SKIPs, and the results are still printed and\n"
        "written, marked interrupted (exit 3 unless something failed). A second Ctrl-C\n"
        "or SIGTERM ends the process at once.\n",
    .exit_codes =
        "  0  nothing failed and everything was judged\n"
        "  1  a FAIL at or above --fail-on that no waiver covers\n"
        "  2  usage or setup error, including a bad --waivers file and a scenario that\n"
        "     names a fixture the manifest lacks\n"
        "  3  nothing failed, but something could not be judged: an INCONCLUSIVE or\n"
        "     ERROR verdict (e.g. an unreachable target), an interrupted run, or a run\n"
        "     that judged nothing (only SKIPs and INFO observations)\n",
    .operands = CMD_COMPLETE_FILE,
    .fn = cmd_run,
};

static int is_ip(const char *h)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

static int split_csv(char *s, const char **out, size_t *n)
{
    for (char *save = NULL, *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n == MAX_LIST)
            return -1;
        out[(*n)++] = tok;
    }
    return 0;
}

/* sha256/ and the base64 of 32 bytes: 43 characters and one '='. */
static int pin_valid(const char *pin)
{
    if (strncmp(pin, "sha256/", 7) != 0)
        return 0;
    const char *b = pin + 7;
    if (strlen(b) != 44 || b[43] != '=')
        return 0;
    for (int i = 0; i < 43; i++)
        if (!isalnum((unsigned char)b[i]) && b[i] != '+' && b[i] != '/')
            return 0;
    return 1;
}

static void print_table(const res_run *run, int verbose, int color)
{
    const char *green = color ? "\033[32m" : "", *red = color ? "\033[31m" : "",
               *yellow = color ? "\033[33m" : "", *magenta = color ? "\033[35m" : "",
               *cyan = color ? "\033[36m" : "", *grey = color ? "\033[90m" : "",
               *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    /* OBSERVED comes last: it is free text of any length, and a column
     * after it would not stay in line */
    printf("%s%-38s %-8s %-13s %-9s %8s  %s%s\n", bold, "ID", "TLS", "VERDICT", "EXPECTED", "TIME",
           "OBSERVED", reset);
    for (size_t i = 0; i < run->n; i++) {
        const res_scenario *s = &run->items[i];
        const char *c = s->verdict == RES_PASS ? green : s->verdict == RES_FAIL ? (s->waived ? cyan : red)
                        : s->verdict == RES_INCONCLUSIVE ? magenta : s->verdict == RES_ERROR ? yellow
                        : s->verdict == RES_INFO ? cyan : grey;
        char tls[16];
        snprintf(tls, sizeof tls, "%s", strcmp(s->tls_version, "any") == 0 ? "-" : s->tls_version);
        printf("%-38s %-8s %s%-13s%s %-9s %5.0f ms  %s\n", s->id, tls, c,
               s->waived ? "FAIL (waived)" : res_verdict_name(s->verdict), reset, s->expected, s->duration_ms,
               s->observed);
        if (verbose) {
            const res_evidence *ev = &s->ev;
            printf("    severity %s", s->severity);
            if (ev->rejected_in[0])
                printf(", rejected in %s", ev->rejected_in);
            if (ev->alert_code >= 0)
                printf(", alert %s (%d) %s", ev->alert_name, ev->alert_code,
                       ev->alert_sent ? "sent" : "received");
            if (ev->http_status)
                printf(", HTTP %d", ev->http_status);
            if (ev->tls_version[0])
                printf(", %s %s %s", ev->tls_version, ev->cipher, ev->group);
            if (ev->handshake_ms >= 0)
                printf(", connect %.1f ms, handshake %.1f ms", ev->connect_ms, ev->handshake_ms);
            if (ev->first_byte_ms >= 0)
                printf(", first byte %.1f ms", ev->first_byte_ms);
            printf("\n");
            if (s->has_control)
                printf("    control %s: %s\n", s->control_fixture[0] ? s->control_fixture : "-",
                       s->control_observed);
            if (s->reason[0] && s->verdict != RES_PASS)
                printf("    reason: %s\n", s->reason);
            if (s->waived)
                printf("    waived: %s (expires %s)\n", s->waiver_reason, s->waiver_expires);
            for (int d = 0; d < s->n_details; d++)
                printf("    %s\n", s->details[d]);
        }
    }
}

/* "client-auth/sha1 [TLSv1.2] at https://gw:8443/...": a waiver, in messages. */
static void waiver_name(const res_waiver *w, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s%s%s%s", w->id, w->tls_version[0] ? " [" : "", w->tls_version,
             w->tls_version[0] ? "]" : "", w->target[0] ? " at " : "", w->target);
}

/* Scenarios skipped for an option not given, once on stderr, grouped by
 * what they need: a run that silently left out a suite's half is not what
 * the user asked for. */
static void warn_skipped_for_options(const res_run *run)
{
    res_skip_group g[RES_MAX_SKIP_GROUPS];
    size_t n = 0;
    for (size_t i = 0; i < run->n; i++)
        res_skip_group_add(g, &n, RES_MAX_SKIP_GROUPS, &run->items[i]);
    for (size_t k = 0; k < n; k++)
        cmd_error("run", "skipped, needs %s: %s", g[k].need, g[k].ids);
}

/* The summary line, the waivers' news, and the exit code. */
static int summarize(const res_run *run, const res_waivers *waivers, int fail_on)
{
    res_counts counts = res_run_count(run);
    res_gate gate = res_run_gate(run, fail_on);
    char waived[48] = "";
    if (counts.waived)
        snprintf(waived, sizeof waived, " (%zu waived)", counts.waived);
    char not_run[80] = "";
    if (run->interrupted)
        snprintf(not_run, sizeof not_run, " (interrupted: %zu did not run)", counts.not_run);
    printf("%zu passed, %zu failed%s, %zu inconclusive, %zu errors, %zu skipped%s, %zu info (recorded, not "
           "judged)\n", counts.passed, counts.failed, waived, counts.inconclusive, counts.errors, counts.skipped,
           not_run, counts.info);
    if (gate.below)
        printf("%zu FAIL%s below --fail-on %s, not counted towards the exit code\n", gate.below,
               gate.below == 1 ? "" : "s", res_severities[fail_on]);
    for (size_t i = 0; i < waivers->n; i++) {
        const res_waiver *w = &waivers->items[i];
        char name[700];
        waiver_name(w, name, sizeof name);
        if (w->expired_hits)
            cmd_error("run", "the waiver for %s expired on %s: %zu FAIL%s count%s again", name, w->expires,
                      w->expired_hits, w->expired_hits == 1 ? "" : "s", w->expired_hits == 1 ? "s" : "");
        else if (!w->waived)
            cmd_error("run", "warning: stale waiver for %s%s: it covers no FAIL in this run", name,
                      w->expires_end <= tm_now() ? " (expired)" : "");
    }
    if (gate.failing)
        return MP_EXIT_FAIL;
    if (run->n && counts.skipped + counts.info == run->n) { /* skips and observations only: nothing was judged */
        cmd_error("run", "no scenario was judged (%zu skipped, %zu only recorded)", counts.skipped, counts.info);
        return MP_EXIT_UNJUDGED;
    }
    return gate.unjudged || run->interrupted ? MP_EXIT_UNJUDGED : MP_EXIT_OK;
}

static int mentions(const char *name, void *list)
{
    return scn_list_mentions(list, name);
}

int cmd_run(int argc, char **argv)
{
    const char *target = NULL, *fixtures = NULL, *ca = NULL, *sni = NULL, *connect_to = NULL;
    const char *json = NULL, *junit = NULL, *sarif = NULL, *tls = "both", *suite = NULL, *profile = NULL;
    const char *mtls_host = NULL, *public_host = NULL, *echo = NULL, *revocation = NULL;
    const char *ocsp_responder = NULL, *other_mtls_host = NULL, *other_client_cert = "client/untrusted";
    const char *upstream_prefix = NULL, *upstream_client_cert = "client/valid", *control = "client/valid";
    const char *pins[MAX_LIST], *identities[MAX_LIST], *pass_src = NULL;
    size_t n_pins = 0, n_identities = 0;
    int64_t expiry_warn_ms = 30LL * 86400 * 1000;
    const char *only[MAX_LIST], *skip[MAX_LIST], *tags[MAX_LIST];
    size_t n_only = 0, n_skip = 0, n_tags = 0;
    http_header headers[MAX_LIST];
    size_t n_headers = 0;
    int verify = 1, quiet = 0, verbose = 0, jobs = 1, expect_mtls = 1, c, rc = MP_EXIT_USAGE;
    int upstream_client_cert_given = 0, other_client_cert_given = 0;
    int64_t timeout_ms = 5000, scenario_limit_ms = 0;
    int trust_scripts = 0;
    mp_err e = { { 0 } };
    char *tags_buf = NULL;
    int fail_on = RES_N_SEVERITIES - 1; /* info: any FAIL */
    const char *waivers_file = NULL;
    res_waivers waivers = { NULL, 0 };

    cmd_getopt g;
    if (cmd_getopt_build(&cmd_run_verb, &g) != 0) {
        cmd_error("run", "option table too long");
        goto out;
    }
    opterr = 0;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case 't': target = optarg; break;
        case 'f': fixtures = optarg; break;
        case 'C': ca = optarg; break;
        case 'k': verify = 0; break;
        case 'S': sni = optarg; break;
        case 'T': connect_to = optarg; break;
        case 'H':
            if (n_headers == MAX_LIST || http_header_parse(optarg, &headers[n_headers], &e) != 0) {
                cmd_error("run", "--header: %s", n_headers == MAX_LIST ? "too many" : e.msg);
                goto out;
            }
            n_headers++;
            break;
        case 'V': tls = optarg; break;
        case 'O':
            if (tm_parse_duration(optarg, &timeout_ms, &e) != 0 || timeout_ms <= 0) {
                cmd_error("run", "--timeout: %s", timeout_ms <= 0 ? "must be positive" : e.msg);
                goto out;
            }
            break;
        case 'o':
            if (n_only == MAX_LIST) { cmd_error("run", "too many --only"); goto out; }
            only[n_only++] = optarg;
            break;
        case 's':
            if (n_skip == MAX_LIST) { cmd_error("run", "too many --skip"); goto out; }
            skip[n_skip++] = optarg;
            break;
        case 'g':
            free(tags_buf);
            tags_buf = strdup(optarg);
            n_tags = 0;
            if (!tags_buf || split_csv(tags_buf, tags, &n_tags) != 0) {
                cmd_error("run", "--tags: too many tags");
                goto out;
            }
            break;
        case 'm':
            if (strcmp(optarg, "yes") == 0) expect_mtls = 1;
            else if (strcmp(optarg, "no") == 0) expect_mtls = 0;
            else { cmd_error("run", "--expect-mtls must be yes or no"); goto out; }
            break;
        case 'A': suite = optarg; break;
        case 1001: mtls_host = optarg; break;
        case 1002: public_host = optarg; break;
        case 1003:
        case 1005:
            if (optarg[0] != '/') {
                cmd_error("run", "--%s must be a path starting with '/', not '%s'",
                          c == 1003 ? "echo" : "upstream-prefix", optarg);
                goto out;
            }
            *(c == 1003 ? &echo : &upstream_prefix) = optarg;
            break;
        case 1004:
            if (strcmp(optarg, "ocsp") && strcmp(optarg, "ocsp-down") && strcmp(optarg, "crl-stale")) {
                cmd_error("run", "--revocation must be ocsp, ocsp-down or crl-stale, not '%s'", optarg);
                goto out;
            }
            revocation = optarg;
            break;
        case 1006: upstream_client_cert = optarg; upstream_client_cert_given = 1; break;
        case 1008: other_mtls_host = optarg; break;
        case 1009: other_client_cert = optarg; other_client_cert_given = 1; break;
        case 1010: control = optarg; break;
        case 1020:
            fail_on = res_severity_rank(optarg);
            if (fail_on < 0) {
                cmd_error("run", "--fail-on must be critical, high, medium, low or info, not '%s'", optarg);
                goto out;
            }
            break;
        case 1021: waivers_file = optarg; break;
        case 1007:
            if (strncmp(optarg, "http://", 7) != 0) {
                cmd_error("run", "--ocsp-responder must be an http:// URL, not '%s'", optarg);
                goto out;
            }
            ocsp_responder = optarg;
            break;
        case 'P': profile = optarg; break;
        case 'N':
            if (n_pins == MAX_LIST) { cmd_error("run", "too many --pin"); goto out; }
            if (!pin_valid(optarg)) {
                cmd_error("run", "--pin '%s': expected sha256/ and the base64 of a 32-byte "
                                 "SHA-256 (44 characters)", optarg);
                goto out;
            }
            pins[n_pins++] = optarg;
            break;
        case 'W':
            if (tm_parse_duration(optarg, &expiry_warn_ms, &e) != 0 || expiry_warn_ms < 0) {
                cmd_error("run", "--expiry-warn: %s", expiry_warn_ms < 0 ? "must not be negative" : e.msg);
                goto out;
            }
            break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 64) {
                cmd_error("run", "--jobs must be 1..64");
                goto out;
            }
            jobs = (int)v;
            break;
        }
        case 1011:
            if (n_identities == MAX_LIST) {
                cmd_error("run", "--identity: too many");
                goto out;
            }
            identities[n_identities++] = optarg;
            break;
        case 1012: pass_src = optarg; break;
        case 1040:
            if (tm_parse_duration(optarg, &scenario_limit_ms, &e) != 0 || scenario_limit_ms <= 0) {
                cmd_error("run", "--scenario-time-limit: %s", scenario_limit_ms <= 0 ? "must be positive" : e.msg);
                goto out;
            }
            break;
        case 1041: trust_scripts = 1; break;
        case 'J': json = optarg; break;
        case 'U': junit = optarg; break;
        case 1030: sarif = optarg; break;
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h': cmd_help_print(&cmd_run_verb, stdout); rc = MP_EXIT_OK; goto out;
        case ':':
            cmd_error("run", "option '%s' needs a value", argv[optind - 1]);
            goto out;
        default:
            cmd_error("run", "unknown option '%s' (try mtlsprobe run --help)", argv[optind - 1]);
            goto out;
        }
    }
    if (!target || !fixtures) {
        cmd_error("run", "--target and --fixtures are required (try mtlsprobe run --help)");
        goto out;
    }
    const cmd_output outs[] = { { "--json", json, 0, 0 }, { "--junit", junit, 0, 0 }, { "--sarif", sarif, 0, 0 } };
    if (cmd_check_outputs("run", outs, 3) != MP_EXIT_OK)
        goto out;
    /* before any connection: a bad waiver file is a usage error */
    if (waivers_file && res_waivers_load(&waivers, waivers_file, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        goto out;
    }

    /* SIGINT/SIGTERM from here on: every phase stops within a second, and
     * the results are written with what was not run as SKIP. */
    atomic_int *stop = cmd_stop_on_signals();
    scn_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.stop = stop;
    cfg.trust_scripts = trust_scripts;
    cfg.time_limit_ns = scenario_limit_ms * 1000000LL;
    if (net_url_parse(target, &cfg.target, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        goto out;
    }
    if (cfg.target.scheme != NET_SCHEME_HTTPS) { /* each scheme's handler comes with its tests */
        cmd_error("run", "%s:// targets are not supported yet; use https://", net_scheme_name(cfg.target.scheme));
        goto out;
    }
    pki_manifest m;
    if (pki_manifest_load(&m, fixtures, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        goto out;
    }
    scn_plan plan = { .jobs = jobs, .single = TLS_ANY };
    if (strcmp(tls, "both") == 0) {
        plan.n_versions = 0;
    } else if (tls_version_parse(tls, &plan.versions[0]) == 0 && plan.versions[0] != TLS_ANY) {
        plan.n_versions = 1;
        plan.single = plan.versions[0];
    } else {
        cmd_error("run", "--tls must be 1.2, 1.3 or both");
        pki_manifest_free(&m);
        goto out;
    }
    str_copy(cfg.sni, sizeof cfg.sni, sni ? sni : is_ip(cfg.target.host) ? "" : cfg.target.host);
    str_copy(cfg.connect_host, sizeof cfg.connect_host, cfg.target.host);
    cfg.connect_port = cfg.target.port;
    if (connect_to && net_hostport_parse(connect_to, cfg.connect_host, sizeof cfg.connect_host,
                                         &cfg.connect_port, &e) != 0) {
        cmd_error("run", "--connect-to: %s", e.msg);
        pki_manifest_free(&m);
        goto out;
    }
    cfg.ca_file = ca ? ca : m.trust_bundle;
    if (verify && access(cfg.ca_file, R_OK) != 0) {
        cmd_error("run", "cannot read --ca %s", cfg.ca_file);
        pki_manifest_free(&m);
        goto out;
    }
    if (verify) { /* a file that holds no certificate fails here, not in every scenario */
        tls_client probe;
        tls_client_opts po = { .ca_file = cfg.ca_file, .verify_peer = 1 };
        if (tls_client_init(&probe, &po, &e) != 0) {
            cmd_error("run", "--ca: %s", e.msg);
            pki_manifest_free(&m);
            goto out;
        }
        tls_client_free(&probe);
    }
    cfg.verify_peer = verify;
    cfg.headers = headers;
    cfg.n_headers = n_headers;
    cfg.timeout_ns = timeout_ms * 1000000LL;
    cfg.fixtures = &m;
    cfg.expect_mtls = expect_mtls;
    cfg.control_cert = control;
    cfg.pins = pins;
    cfg.n_pins = n_pins;
    cfg.expiry_warn_s = expiry_warn_ms / 1000;
    cfg.mtls_host = mtls_host;
    cfg.public_host = public_host;
    cfg.echo_path = echo;
    cfg.revocation = revocation;
    cfg.ocsp_responder = ocsp_responder;
    cfg.other_mtls_host = other_mtls_host;
    cfg.other_client_cert = other_client_cert;
    cfg.upstream_prefix = upstream_prefix;
    cfg.upstream_client_cert = upstream_client_cert;
    int suite_given = suite != NULL;
    if (!suite)
        suite = profile ? "audit" : "client-auth";
    if (scn_profile_resolve(&cfg, profile ? profile : "baseline", &e) != 0 ||
        (scn_profile_check(&cfg, &e) != 0 && !atomic_load(stop))) {
        cmd_error("run", "%s", e.msg);
        pki_manifest_free(&m);
        goto out;
    }

    scn_list list = { 0 };
    scn_filter filter = { only, n_only, skip, n_skip, tags, n_tags };
    if (optind == argc) {
        /* a selection by id or tag picks from every built-in suite */
        int pool_all = !suite_given && (n_only || n_tags);
        rc = scn_list_add_builtin(&list, pool_all ? "all" : suite, &e);
        if (rc == 0)
            rc = scn_select_check(&list, &filter, &cfg, pool_all ? "the built-in suites" : suite, &e);
    } else {
        rc = 0;
        for (int i = optind; rc == 0 && i < argc; i++)
            rc = scn_list_add_path(&list, argv[i], &e);
        if (rc == 0)
            rc = scn_select_check(&list, &filter, &cfg, "the scenarios given", &e);
    }
    if (rc != 0 && atomic_load(stop) && list.n) /* interrupted while loading: every scenario a SKIP */
        rc = 0;
    if (rc != 0) {
        cmd_error("run", "%s", e.msg);
        scn_list_free(&list);
        pki_manifest_free(&m);
        rc = MP_EXIT_USAGE;
        goto out;
    }
    /* Names of fixtures, checked once the scenarios are known: an --identity
     * or an option naming nothing is a typo, not a new identity. */
    const char *named[] = { control, upstream_client_cert, other_client_cert };
    if (cmd_check_identity_names("run", &m, identities, n_identities, named, 3, mentions, &list) != 0 ||
        cmd_apply_identities("run", &m, identities, n_identities, pass_src) != 0 ||
        cmd_check_fixture_option("run", &m, "--control", control) != 0 ||
        (upstream_client_cert_given &&
         cmd_check_fixture_option("run", &m, "--upstream-client-cert", upstream_client_cert) != 0) ||
        (other_client_cert_given &&
         cmd_check_fixture_option("run", &m, "--other-client-cert", other_client_cert) != 0)) {
        scn_list_free(&list);
        pki_manifest_free(&m);
        rc = MP_EXIT_USAGE;
        goto out;
    }

    res_run run;
    memset(&run, 0, sizeof run);
    run.started_ms = res_now_ms();
    cmd_warn_stale_fixtures(&m, control, run.started_ms / 1000, &run);
    char reason[400] = "";
    scn_version_skip skipped[2];
    int n_skipped = 0;
    if (plan.n_versions == 0) {
        int probe = scn_probe_versions(&cfg, plan.versions, &plan.n_versions, skipped, &n_skipped, &e);
        if (probe != 0 && atomic_load(stop)) {
            plan.versions[0] = TLS_ANY; /* interrupted: scn_run_all makes every scenario a SKIP */
            plan.n_versions = 1;
            n_skipped = 0;
        } else if (probe != 0) {
            str_copy(reason, sizeof reason, e.msg);
            plan.unreachable = reason;
            plan.versions[0] = TLS_ANY;
            plan.n_versions = 1;
            n_skipped = 0; /* every scenario is an ERROR with the reason */
        } else if (plan.n_versions == 0) {
            plan.versions[0] = TLS_ANY; /* neither 1.2 nor 1.3 answered: let scenarios say so */
            plan.n_versions = 1;
        }
        /* A version left out is said, never dropped in silence. */
        for (int i = 0; i < n_skipped; i++)
            fprintf(stderr, "mtlsprobe run: %s not tested: %s%s\n", tls_version_name(skipped[i].version),
                    skipped[i].reason, plan.versions[0] == TLS_ANY ? " (scenarios run with any version)" : "");
    } else {
        skipped[n_skipped].version = plan.versions[0] == TLS_V1_2 ? TLS_V1_3 : TLS_V1_2;
        snprintf(skipped[n_skipped++].reason, sizeof skipped[0].reason, "not requested (--tls %s)", tls);
    }
    res_tls_versions *tv = &run.tls_versions;
    for (int i = 0; i < plan.n_versions && tv->n_tested < RES_MAX_TLS_VERSIONS; i++)
        str_copy(tv->tested[tv->n_tested++], sizeof tv->tested[0], tls_version_name(plan.versions[i]));
    for (int i = 0; i < n_skipped && tv->n_skipped < RES_MAX_TLS_VERSIONS; i++, tv->n_skipped++) {
        str_copy(tv->skipped[i].version, sizeof tv->skipped[i].version, tls_version_name(skipped[i].version));
        str_copy(tv->skipped[i].reason, sizeof tv->skipped[i].reason, skipped[i].reason);
    }
    int jobs_started = 0, jobs_err = 0;
    plan.jobs_started = &jobs_started;
    plan.jobs_start_error = &jobs_err;
    if (scn_run_all(&list, &filter, &plan, &cfg, &run, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        scn_list_free(&list);
        pki_manifest_free(&m);
        rc = MP_EXIT_USAGE;
        goto out;
    }
    if (jobs_err)
        fprintf(stderr, "mtlsprobe run: -j %d: only %d job thread%s could start (%s); every scenario ran on %s\n",
                plan.jobs, jobs_started, jobs_started == 1 ? "" : "s", mp_strerror(jobs_err).s,
                jobs_started == 1 ? "it" : "them");
    run.finished_ms = res_now_ms();
    run.interrupted = atomic_load(stop); /* a second signal now ends the process (cmd_stop_on_signals) */
    str_copy(run.target, sizeof run.target, target);
    str_copy(run.sni, sizeof run.sni, cfg.sni);
    if (connect_to)
        str_copy(run.connect_to, sizeof run.connect_to, connect_to);
    str_copy(run.fixtures_dir, sizeof run.fixtures_dir, m.dir);
    str_copy(run.manifest_sha256, sizeof run.manifest_sha256, m.sha256);
    str_copy(run.tool_version, sizeof run.tool_version, MTLSPROBE_VERSION);
    str_copy(run.wolfssl_version, sizeof run.wolfssl_version, tls_library_version());
    cmd_join_argv(argc, argv, run.command_line, sizeof run.command_line);

    char canon[1400];
    snprintf(canon, sizeof canon, strchr(cfg.target.host, ':') ? "https://[%s]:%d%s" : "https://%s:%d%s",
             cfg.target.host, cfg.target.port, cfg.target.path);
    const char *const targets[] = { target, canon };
    res_waivers_apply(&waivers, &run, targets, 2, tm_now());
    int saved_stdout = cmd_stdout_reserve(outs, 3);
    if (!quiet)
        print_table(&run, verbose, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    warn_skipped_for_options(&run);
    rc = summarize(&run, &waivers, fail_on);
    const char *gha = getenv("GITHUB_ACTIONS");
    if (gha && strcmp(gha, "true") == 0) {
        char *ann = rpt_github_annotations(&run, fail_on);
        fputs(ann ? ann : "", stdout);
        free(ann);
    }
    for (size_t i = 0; i < run.n; i++) {
        if (run.items[i].input_error) { /* the scenarios ran; the input is wrong: a line each */
            cmd_error("run", "%s: %s", run.items[i].id, run.items[i].reason);
            rc = MP_EXIT_USAGE;
        }
    }
    cmd_stdout_restore(saved_stdout);
    if (json && res_run_write_json(&run, json, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        rc = MP_EXIT_USAGE;
    }
    if (junit && rpt_junit_write(&run, junit, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        rc = MP_EXIT_USAGE;
    }
    if (sarif && rpt_sarif_write(&run, sarif, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        rc = MP_EXIT_USAGE;
    }
    res_run_free(&run);
    scn_list_free(&list);
    pki_manifest_free(&m);
out:
    for (size_t i = 0; i < n_headers; i++) {
        free(headers[i].name);
        free(headers[i].value);
    }
    free(tags_buf);
    res_waivers_free(&waivers);
    return rc;
}
