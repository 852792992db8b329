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
#include "cmd_target.h"
#include "pki/manifest.h"
#include "report/junit.h"
#include "report/sarif.h"
#include "results/waiver.h"
#include "scenario/runner.h"
#include "tls/tls.h"
#include "util/str.h"
#include "util/timeutil.h"

#define MAX_LIST 64

enum run_opt_id {
    RUN_CA = CMD_OPT_ID_BASE, RUN_SNI, RUN_CONNECT_TO, RUN_TLS, RUN_TIMEOUT, RUN_ONLY, RUN_SKIP, RUN_TAGS,
    RUN_EXPECT_MTLS, RUN_CONTROL, RUN_IDENTITY, RUN_PASS, RUN_SUITE, RUN_MTLS_HOST, RUN_PUBLIC_HOST,
    RUN_OTHER_MTLS_HOST, RUN_OTHER_CLIENT_CERT, RUN_ECHO, RUN_REVOCATION, RUN_OCSP_RESPONDER, RUN_UPSTREAM_PREFIX,
    RUN_UPSTREAM_CLIENT_CERT, RUN_PROFILE, RUN_PIN, RUN_EXPIRY_WARN, RUN_FAIL_ON, RUN_WAIVERS,
    RUN_SCENARIO_TIME_LIMIT, RUN_TRUST_SCRIPTS, RUN_JSON, RUN_JUNIT, RUN_SARIF,
};

static const cmd_opt run_opts[] = {
    { "target", 't', 't', "URL", "the gateway: https://HOST[:PORT][/PATH], tls://HOST:PORT (TLS only), "
      "mqtts://HOST[:PORT] (MQTT 3.1.1 or 5), grpcs://HOST[:PORT][/package.Service/Method] (gRPC, the health "
      "check by default); the same suites run on each (docs/run.md, Target schemes)", NULL, NULL,
      CMD_COMPLETE_NONE, CMD_OPT_REQUIRED },
    { "fixtures", 'f', 'f', "DIR", "fixtures directory with manifest.json", NULL, NULL, CMD_COMPLETE_DIR, CMD_OPT_REQUIRED },
    { "ca", RUN_CA, 0, "FILE", "trust anchors for the gateway's certificate", NULL, "the fixtures' trust bundle", CMD_COMPLETE_FILE, 0 },
    { "no-verify", 'k', 'k', NULL, "do not verify the gateway's certificate", NULL, NULL, 0, 0 },
    { "sni", RUN_SNI, 0, "NAME", "SNI to send", NULL, "the target host unless it is an IP", 0, 0 },
    { "connect-to", RUN_CONNECT_TO, 0, "H:P", "connect here instead of the target's host and port", NULL, NULL, 0, 0 },
    { "header", 'H', 'H', "'K: V'", "add a header to every request", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "tls", RUN_TLS, 0, NULL, "TLS versions for client-auth scenarios: both is each version the gateway speaks; "
      "one it does not is named on stderr and in the JSON's tls_versions", "1.2|1.3|both", "both", 0, 0 },
    { "timeout", RUN_TIMEOUT, 0, "DUR", "limit for each network step", NULL, "5s", 0, 0 },
    { "only", RUN_ONLY, 0, "GLOB", "run only scenarios whose id matches", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "skip", RUN_SKIP, 0, "GLOB", "skip scenarios whose id matches", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "tags", RUN_TAGS, 0, "T1,T2", "run only scenarios with one of these tags (--only and --tags without --suite "
      "or SCENARIO pick from every built-in suite; a GLOB or tag that matches no scenario is a usage error, "
      "exit 2)", NULL, NULL, 0, 0 },
    { "expect-mtls", RUN_EXPECT_MTLS, 0, NULL, "whether the target must require client certificates", "yes|no", "yes", 0, 0 },
    { "control", RUN_CONTROL, 0, "NAME", "the fixture the gateway must accept: every refusal is judged against it, "
      "under the same conditions, and is INCONCLUSIVE when it is not served", NULL, "client/valid", 0, 0 },
    { "identity", RUN_IDENTITY, 0, "NAME=CERT[,KEY]", "use your own certificate and key in place of the fixture NAME, "
      "or as a new client/NAME; e.g. client/valid=me.p12 makes your organization's client certificate the "
      "control while the defective ones come from the fixtures. CERT: PEM (leaf first, then intermediates) or "
      "DER, or a PKCS#12 file (.p12/.pfx, no KEY); KEY: PEM or DER, plain or encrypted (PKCS#8, traditional "
      "PEM)", NULL, NULL, CMD_COMPLETE_FILE, CMD_OPT_REPEAT },
    { "pass", RUN_PASS, 0, "SRC", "password of the PKCS#12 files and encrypted keys: env:VAR, file:PATH, fd:N, "
      "pass:TEXT (as openssl -passin)", NULL, NULL, 0, 0 },
    { "suite", RUN_SUITE, 0, "NAME", "built-in suite", "client-auth|audit|bypass|upstream|all",
      "client-auth; audit when --profile is given", 0, 0 },
    { "mtls-host", RUN_MTLS_HOST, 0, "NAME", "bypass: the host name that requires client certificates", NULL, NULL, 0, 0 },
    { "public-host", RUN_PUBLIC_HOST, 0, "NAME", "bypass: a host name on the same gateway served without them", NULL, NULL,
      0, 0 },
    { "other-mtls-host", RUN_OTHER_MTLS_HOST, 0, "NAME", "bypass: an mTLS host name on the same gateway that trusts another CA "
      "(cross-SNI resumption from it)", NULL, NULL, 0, 0 },
    { "other-client-cert", RUN_OTHER_CLIENT_CERT, 0, "NAME", "the fixture that host accepts", NULL,
      "client/untrusted, issued by ca/rogue-root", 0, 0 },
    { "echo", RUN_ECHO, 0, "PATH", "bypass: a path the gateway proxies to an echo upstream (mtlsprobe serve "
      "--upstream), to see what it forwards", NULL, NULL, 0, 0 },
    { "revocation", RUN_REVOCATION, 0, NULL, "bypass: how revocation is set up now: ocsp, ocsp-down (the responder is "
      "down), crl-stale (nextUpdate passed)", "ocsp|ocsp-down|crl-stale", NULL, 0, 0 },
    { "ocsp-responder", RUN_OCSP_RESPONDER, 0, "URL", "bypass: mtlsprobe serve --ocsp's URL, which revokes client/revocable "
      "under an open connection", NULL, NULL, 0, 0 },
    { "upstream-prefix", RUN_UPSTREAM_PREFIX, 0, "P", "upstream: where the gateway routes to the echo upstreams, e.g. "
      "/upstream/ for /upstream/valid, /upstream/expired... (without it the upstream scenarios skip)", NULL,
      NULL, 0, 0 },
    { "upstream-client-cert", RUN_UPSTREAM_CLIENT_CERT, 0, "NAME", "upstream: the fixture the gateway presents to upstreams that "
      "require one; your gateway's own: --identity client/gateway=CERT,KEY with --upstream-client-cert "
      "client/gateway", NULL, "client/valid", 0, 0 },
    { "profile", RUN_PROFILE, 0, "P", "audit profile: one of the built-in ones or FILE.lua",
      "mozilla-intermediate|mozilla-modern|nist-800-52r2|pci-dss-4|bsi-tr-02102-2", "baseline, for the audit",
      CMD_COMPLETE_FILE, CMD_OPT_OPEN },
    { "pin", RUN_PIN, 0, "sha256/BASE64", "SPKI pin the gateway's chain must contain (audit/pin fails when no "
      "certificate matches)", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "expiry-warn", RUN_EXPIRY_WARN, 0, "DUR", "audit: warn when the certificate expires within DUR", NULL, "30d", 0, 0 },
    { "fail-on", RUN_FAIL_ON, 0, "LEVEL", "the lowest severity whose FAIL makes exit 1; FAILs below it are still shown "
      "as FAIL", "critical|high|medium|low|info", "info, any FAIL", 0, 0 },
    { "waivers", RUN_WAIVERS, 0, "FILE", "known findings, reported as FAIL (waived) instead of failing until their "
      "expiry date (JSON, docs/results.md):\n{\"waivers\": [{\"id\": \"client-auth/sha1\", \"tls_version\": "
      "\"TLSv1.2\", \"target\": \"https://gw:8443/*\", \"reason\": \"...\", \"expires\": \"2027-03-31\"}]};\n"
      "id and target are globs, tls_version and target optional. An expired waiver covers nothing; one that "
      "covers no FAIL is reported as stale", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "jobs", 'j', 'j', "N", "scenarios in parallel", NULL, "1", 0, 0 },
    { "scenario-time-limit", RUN_SCENARIO_TIME_LIMIT, 0, "DUR", "the time each scenario may take, in place of its own time_limit "
      "and the default; past it the scenario is an ERROR, \"stopped after N s\"", NULL,
      "30s plus three times --timeout per connection it opens, at most 10m", 0, 0 },
    CMD_OPT_TRUST_SCRIPTS(RUN_TRUST_SCRIPTS),
    { "json", RUN_JSON, 0, "FILE", "write results as JSON (docs/results.md)", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "junit", RUN_JUNIT, 0, "FILE", "write results as JUnit XML", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "sarif", RUN_SARIF, 0, "FILE", "write FAIL, INCONCLUSIVE and ERROR verdicts as SARIF 2.1.0 (one rule per "
      "scenario) for code-scanning dashboards", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "quiet", 'q', 'q', NULL, "print only the summary line", NULL, NULL, 0, 0 },
    { "verbose", 'v', 'v', NULL, "print evidence for every scenario", NULL, NULL, 0, 0 },
    { "help", 'h', 'h', NULL, "this text", NULL, NULL, 0, 0 },
    CMD_OPTS_TARGET,
};

const cmd_verb cmd_run_verb = {
    .name = "run",
    .summary = "run Lua scenarios (the conformance suite) against a gateway",
    .usage = "mtlsprobe run --target https://HOST:PORT[/PATH] --fixtures DIR [options] [SCENARIO...]\n"
             "mtlsprobe run --target tls://HOST:PORT | mqtts://HOST[:PORT] | grpcs://HOST[:PORT][/SERVICE/METHOD] "
             "--fixtures DIR [options]",
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

/* ---- parse: the options into run_args, each value checked alone ---- */

typedef struct run_args {
    const char *target, *fixtures, *ca, *sni, *connect_to;
    const char *json, *junit, *sarif, *tls, *suite, *profile;
    const char *mtls_host, *public_host, *echo, *revocation;
    const char *ocsp_responder, *other_mtls_host, *other_client_cert;
    const char *upstream_prefix, *upstream_client_cert, *control;
    const char *pins[MAX_LIST], *identities[MAX_LIST], *pass_src;
    size_t n_pins, n_identities;
    int64_t expiry_warn_ms;
    const char *only[MAX_LIST], *skip[MAX_LIST], *tags[MAX_LIST];
    size_t n_only, n_skip, n_tags;
    char *tags_buf;
    http_header headers[MAX_LIST];
    size_t n_headers;
    int verify, quiet, verbose, jobs, expect_mtls;
    int upstream_client_cert_given, other_client_cert_given;
    int64_t timeout_ms, scenario_limit_ms;
    int trust_scripts;
    int fail_on;
    const char *waivers_file;
    cmd_target tgt;
} run_args;

static int add_to(const char **list, size_t *n, const char *val, const char *option, mp_err *e)
{
    if (*n == MAX_LIST)
        return mp_fail(e, "too many %s", option);
    list[(*n)++] = val;
    return 0;
}

static int positive_duration(const char *option, const char *val, int64_t *ms, mp_err *e)
{
    if (tm_parse_duration(val, ms, e) != 0)
        return mp_wrap(e, "%s", option);
    return *ms > 0 ? 0 : mp_fail(e, "%s: must be positive", option);
}

static int run_opt(void *settings, int id, const char *val, mp_err *e)
{
    run_args *a = settings;
    int t = cmd_target_opt(&a->tgt, id, val, e);
    if (t)
        return t < 0 ? -1 : 0;
    switch (id) {
    case 't': a->target = val; break;
    case 'f': a->fixtures = val; break;
    case RUN_CA: a->ca = val; break;
    case 'k': a->verify = 0; break;
    case RUN_SNI: a->sni = val; break;
    case RUN_CONNECT_TO: a->connect_to = val; break;
    case 'H':
        if (a->n_headers == MAX_LIST)
            return mp_fail(e, "--header: too many");
        if (http_header_parse(val, &a->headers[a->n_headers], e) != 0)
            return mp_wrap(e, "--header");
        a->n_headers++;
        break;
    case RUN_TLS: a->tls = val; break;
    case RUN_TIMEOUT: return positive_duration("--timeout", val, &a->timeout_ms, e);
    case RUN_ONLY: return add_to(a->only, &a->n_only, val, "--only", e);
    case RUN_SKIP: return add_to(a->skip, &a->n_skip, val, "--skip", e);
    case RUN_TAGS:
        free(a->tags_buf);
        a->tags_buf = strdup(val);
        a->n_tags = 0;
        if (!a->tags_buf || split_csv(a->tags_buf, a->tags, &a->n_tags) != 0)
            return mp_fail(e, "--tags: too many tags");
        break;
    case RUN_EXPECT_MTLS: a->expect_mtls = strcmp(val, "yes") == 0; break;
    case RUN_SUITE: a->suite = val; break;
    case RUN_MTLS_HOST: a->mtls_host = val; break;
    case RUN_PUBLIC_HOST: a->public_host = val; break;
    case RUN_ECHO:
    case RUN_UPSTREAM_PREFIX:
        if (val[0] != '/')
            return mp_fail(e, "--%s must be a path starting with '/', not '%s'",
                           id == RUN_ECHO ? "echo" : "upstream-prefix", val);
        *(id == RUN_ECHO ? &a->echo : &a->upstream_prefix) = val;
        break;
    case RUN_REVOCATION: a->revocation = val; break;
    case RUN_UPSTREAM_CLIENT_CERT: a->upstream_client_cert = val; a->upstream_client_cert_given = 1; break;
    case RUN_OTHER_MTLS_HOST: a->other_mtls_host = val; break;
    case RUN_OTHER_CLIENT_CERT: a->other_client_cert = val; a->other_client_cert_given = 1; break;
    case RUN_CONTROL: a->control = val; break;
    case RUN_FAIL_ON: a->fail_on = res_severity_rank(val); break; /* the table allows the names */
    case RUN_WAIVERS: a->waivers_file = val; break;
    case RUN_OCSP_RESPONDER:
        if (strncmp(val, "http://", 7) != 0)
            return mp_fail(e, "--ocsp-responder must be an http:// URL, not '%s'", val);
        a->ocsp_responder = val;
        break;
    case RUN_PROFILE: a->profile = val; break;
    case RUN_PIN:
        if (!pin_valid(val))
            return mp_fail(e, "--pin '%s': expected sha256/ and the base64 of a 32-byte SHA-256 (44 characters)",
                           val);
        return add_to(a->pins, &a->n_pins, val, "--pin", e);
    case RUN_EXPIRY_WARN:
        if (tm_parse_duration(val, &a->expiry_warn_ms, e) != 0)
            return mp_wrap(e, "--expiry-warn");
        if (a->expiry_warn_ms < 0)
            return mp_fail(e, "--expiry-warn: must not be negative");
        break;
    case 'j': {
        char *end;
        long v = strtol(val, &end, 10);
        if (!*val || *end || v < 1 || v > 64)
            return mp_fail(e, "--jobs must be 1..64");
        a->jobs = (int)v;
        break;
    }
    case RUN_IDENTITY: return add_to(a->identities, &a->n_identities, val, "--identity", e);
    case RUN_PASS: a->pass_src = val; break;
    case RUN_SCENARIO_TIME_LIMIT: return positive_duration("--scenario-time-limit", val, &a->scenario_limit_ms, e);
    case RUN_TRUST_SCRIPTS: a->trust_scripts = 1; break;
    case RUN_JSON: a->json = val; break;
    case RUN_JUNIT: a->junit = val; break;
    case RUN_SARIF: a->sarif = val; break;
    case 'q': a->quiet = 1; break;
    case 'v': a->verbose = 1; break;
    }
    return 0;
}

/* ---- what a run holds from validation to the end, freed in one place ---- */

typedef struct run_state {
    run_args a;
    cmd_output outs[3];
    res_waivers waivers;
    atomic_int *stop;
    scn_config cfg;
    pki_manifest m;
    int have_manifest;
    scn_plan plan;
    scn_list list;
    scn_filter filter;
    res_run run;
    int have_run;
} run_state;

static void run_state_init(run_state *r)
{
    memset(r, 0, sizeof *r);
    run_args *a = &r->a;
    a->tls = "both";
    a->other_client_cert = "client/untrusted";
    a->upstream_client_cert = "client/valid";
    a->control = "client/valid";
    a->expiry_warn_ms = 30LL * 86400 * 1000;
    a->verify = 1;
    a->jobs = 1;
    a->expect_mtls = 1;
    a->timeout_ms = 5000;
    a->fail_on = RES_N_SEVERITIES - 1; /* info: any FAIL */
}

static void run_state_free(run_state *r)
{
    if (r->have_run)
        res_run_free(&r->run);
    scn_list_free(&r->list);
    if (r->have_manifest)
        pki_manifest_free(&r->m);
    res_waivers_free(&r->waivers);
    for (size_t i = 0; i < r->a.n_headers; i++) {
        free(r->a.headers[i].name);
        free(r->a.headers[i].value);
    }
    free(r->a.tags_buf);
    cmd_target_free(&r->a.tgt);
}

/* ---- validate: everything the run needs, before any connection ---- */

static int run_validate(run_state *r, int argc, char **argv, int first)
{
    run_args *a = &r->a;
    mp_err e = { { 0 } };
    r->outs[0] = (cmd_output){ "--json", a->json, 0, 0 };
    r->outs[1] = (cmd_output){ "--junit", a->junit, 0, 0 };
    r->outs[2] = (cmd_output){ "--sarif", a->sarif, 0, 0 };
    if (cmd_check_outputs("run", r->outs, 3) != MP_EXIT_OK)
        return MP_EXIT_USAGE;
    /* before any connection: a bad waiver file is a usage error */
    if (a->waivers_file && res_waivers_load(&r->waivers, a->waivers_file, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        return MP_EXIT_USAGE;
    }

    /* SIGINT/SIGTERM from here on: every phase stops within a second, and
     * the results are written with what was not run as SKIP. */
    r->stop = cmd_stop_on_signals();
    scn_config *cfg = &r->cfg;
    cfg->stop = r->stop;
    cfg->trust_scripts = a->trust_scripts;
    cfg->time_limit_ns = a->scenario_limit_ms * 1000000LL;
    if (net_url_parse(a->target, &cfg->target, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    if (cmd_target_config(&a->tgt, "run", cfg->target.scheme, &cfg->app) != 0)
        return MP_EXIT_USAGE;
    if (pki_manifest_load(&r->m, a->fixtures, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    r->have_manifest = 1;
    r->plan = (scn_plan){ .jobs = a->jobs, .single = TLS_ANY };
    if (strcmp(a->tls, "both") != 0) { /* 1.2 or 1.3: the table allows no other */
        tls_version_parse(a->tls, &r->plan.versions[0]);
        r->plan.n_versions = 1;
        r->plan.single = r->plan.versions[0];
    }
    str_copy(cfg->sni, sizeof cfg->sni, a->sni ? a->sni : is_ip(cfg->target.host) ? "" : cfg->target.host);
    str_copy(cfg->connect_host, sizeof cfg->connect_host, cfg->target.host);
    cfg->connect_port = cfg->target.port;
    if (a->connect_to && net_hostport_parse(a->connect_to, cfg->connect_host, sizeof cfg->connect_host,
                                            &cfg->connect_port, &e) != 0) {
        cmd_error("run", "--connect-to: %s", e.msg);
        return MP_EXIT_USAGE;
    }
    cfg->ca_file = a->ca ? a->ca : r->m.trust_bundle;
    if (a->verify && access(cfg->ca_file, R_OK) != 0) {
        cmd_error("run", "cannot read --ca %s", cfg->ca_file);
        return MP_EXIT_USAGE;
    }
    if (a->verify) { /* a file that holds no certificate fails here, not in every scenario */
        tls_client probe;
        tls_client_opts po = { .ca_file = cfg->ca_file, .verify_peer = 1 };
        if (tls_client_init(&probe, &po, &e) != 0) {
            cmd_error("run", "--ca: %s", e.msg);
            return MP_EXIT_USAGE;
        }
        tls_client_free(&probe);
    }
    cfg->verify_peer = a->verify;
    cfg->headers = a->headers;
    cfg->n_headers = a->n_headers;
    cfg->timeout_ns = a->timeout_ms * 1000000LL;
    cfg->fixtures = &r->m;
    cfg->expect_mtls = a->expect_mtls;
    cfg->control_cert = a->control;
    cfg->pins = a->pins;
    cfg->n_pins = a->n_pins;
    cfg->expiry_warn_s = a->expiry_warn_ms / 1000;
    cfg->mtls_host = a->mtls_host;
    cfg->public_host = a->public_host;
    cfg->echo_path = a->echo;
    cfg->revocation = a->revocation;
    cfg->ocsp_responder = a->ocsp_responder;
    cfg->other_mtls_host = a->other_mtls_host;
    cfg->other_client_cert = a->other_client_cert;
    cfg->upstream_prefix = a->upstream_prefix;
    cfg->upstream_client_cert = a->upstream_client_cert;
    int suite_given = a->suite != NULL;
    const char *suite = a->suite ? a->suite : a->profile ? "audit" : "client-auth";
    if (scn_profile_resolve(cfg, a->profile ? a->profile : "baseline", &e) != 0 ||
        (scn_profile_check(cfg, &e) != 0 && !atomic_load(r->stop))) {
        cmd_error("run", "%s", e.msg);
        return MP_EXIT_USAGE;
    }

    r->filter = (scn_filter){ a->only, a->n_only, a->skip, a->n_skip, a->tags, a->n_tags };
    int rc;
    if (first == argc) {
        /* a selection by id or tag picks from every built-in suite */
        int pool_all = !suite_given && (a->n_only || a->n_tags);
        rc = scn_list_add_builtin(&r->list, pool_all ? "all" : suite, &e);
        if (rc == 0)
            rc = scn_select_check(&r->list, &r->filter, cfg, pool_all ? "the built-in suites" : suite, &e);
    } else {
        rc = 0;
        for (int i = first; rc == 0 && i < argc; i++)
            rc = scn_list_add_path(&r->list, argv[i], &e);
        if (rc == 0)
            rc = scn_select_check(&r->list, &r->filter, cfg, "the scenarios given", &e);
    }
    if (rc != 0 && !(atomic_load(r->stop) && r->list.n)) { /* interrupted while loading: every scenario a SKIP */
        cmd_error("run", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    /* Names of fixtures, checked once the scenarios are known: an --identity
     * or an option naming nothing is a typo, not a new identity. */
    const char *named[] = { a->control, a->upstream_client_cert, a->other_client_cert };
    if (cmd_check_identity_names("run", &r->m, a->identities, a->n_identities, named, 3, mentions, &r->list) != 0 ||
        cmd_apply_identities("run", &r->m, a->identities, a->n_identities, a->pass_src) != 0 ||
        cmd_check_fixture_option("run", &r->m, "--control", a->control) != 0 ||
        (a->upstream_client_cert_given &&
         cmd_check_fixture_option("run", &r->m, "--upstream-client-cert", a->upstream_client_cert) != 0) ||
        (a->other_client_cert_given &&
         cmd_check_fixture_option("run", &r->m, "--other-client-cert", a->other_client_cert) != 0))
        return MP_EXIT_USAGE;
    return MP_EXIT_OK;
}

/* ---- act: the version probe, the scenarios, the outputs ---- */

/* Which TLS versions the scenarios run in (the probe unless --tls named
 * one), recorded in the run with each version left out and why. */
static void plan_versions(run_state *r, char *reason, size_t reason_len)
{
    scn_plan *plan = &r->plan;
    scn_version_skip skipped[2];
    int n_skipped = 0;
    mp_err e = { { 0 } };
    if (plan->n_versions == 0) {
        int probe = scn_probe_versions(&r->cfg, plan->versions, &plan->n_versions, skipped, &n_skipped, &e);
        if (probe != 0 && atomic_load(r->stop)) {
            plan->versions[0] = TLS_ANY; /* interrupted: scn_run_all makes every scenario a SKIP */
            plan->n_versions = 1;
            n_skipped = 0;
        } else if (probe != 0) {
            str_copy(reason, reason_len, e.msg);
            plan->unreachable = reason;
            plan->versions[0] = TLS_ANY;
            plan->n_versions = 1;
            n_skipped = 0; /* every scenario is an ERROR with the reason */
        } else if (plan->n_versions == 0) {
            plan->versions[0] = TLS_ANY; /* neither 1.2 nor 1.3 answered: let scenarios say so */
            plan->n_versions = 1;
        }
        /* A version left out is said, never dropped in silence. */
        for (int i = 0; i < n_skipped; i++)
            fprintf(stderr, "mtlsprobe run: %s not tested: %s%s\n", tls_version_name(skipped[i].version),
                    skipped[i].reason, plan->versions[0] == TLS_ANY ? " (scenarios run with any version)" : "");
    } else {
        skipped[n_skipped].version = plan->versions[0] == TLS_V1_2 ? TLS_V1_3 : TLS_V1_2;
        snprintf(skipped[n_skipped++].reason, sizeof skipped[0].reason, "not requested (--tls %s)", r->a.tls);
    }
    res_tls_versions *tv = &r->run.tls_versions;
    for (int i = 0; i < plan->n_versions && tv->n_tested < RES_MAX_TLS_VERSIONS; i++)
        str_copy(tv->tested[tv->n_tested++], sizeof tv->tested[0], tls_version_name(plan->versions[i]));
    for (int i = 0; i < n_skipped && tv->n_skipped < RES_MAX_TLS_VERSIONS; i++, tv->n_skipped++) {
        str_copy(tv->skipped[i].version, sizeof tv->skipped[i].version, tls_version_name(skipped[i].version));
        str_copy(tv->skipped[i].reason, sizeof tv->skipped[i].reason, skipped[i].reason);
    }
}

static int run_act(run_state *r, int argc, char **argv)
{
    run_args *a = &r->a;
    scn_config *cfg = &r->cfg;
    res_run *run = &r->run;
    mp_err e = { { 0 } };
    memset(run, 0, sizeof *run);
    r->have_run = 1;
    run->started_ms = res_now_ms();
    cmd_warn_stale_fixtures(&r->m, a->control, run->started_ms / 1000, run);
    char reason[400] = "";
    plan_versions(r, reason, sizeof reason);
    int jobs_started = 0, jobs_err = 0;
    r->plan.jobs_started = &jobs_started;
    r->plan.jobs_start_error = &jobs_err;
    if (scn_run_all(&r->list, &r->filter, &r->plan, cfg, run, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    if (jobs_err)
        fprintf(stderr, "mtlsprobe run: -j %d: only %d job thread%s could start (%s); every scenario ran on %s\n",
                r->plan.jobs, jobs_started, jobs_started == 1 ? "" : "s", mp_strerror(jobs_err).s,
                jobs_started == 1 ? "it" : "them");
    run->finished_ms = res_now_ms();
    run->interrupted = atomic_load(r->stop); /* a second signal now ends the process (cmd_stop_on_signals) */
    str_copy(run->target, sizeof run->target, a->target);
    str_copy(run->sni, sizeof run->sni, cfg->sni);
    if (a->connect_to)
        str_copy(run->connect_to, sizeof run->connect_to, a->connect_to);
    str_copy(run->fixtures_dir, sizeof run->fixtures_dir, r->m.dir);
    str_copy(run->manifest_sha256, sizeof run->manifest_sha256, r->m.sha256);
    str_copy(run->tool_version, sizeof run->tool_version, MTLSPROBE_VERSION);
    str_copy(run->wolfssl_version, sizeof run->wolfssl_version, tls_library_version());
    cmd_join_argv(argc, argv, run->command_line, sizeof run->command_line);

    char canon[1400];
    int has_path = cfg->target.scheme == NET_SCHEME_HTTPS || cfg->target.scheme == NET_SCHEME_GRPCS;
    snprintf(canon, sizeof canon, strchr(cfg->target.host, ':') ? "%s://[%s]:%d%s" : "%s://%s:%d%s",
             net_scheme_name(cfg->target.scheme), cfg->target.host, cfg->target.port,
             has_path ? cfg->target.path : "");
    const char *const targets[] = { a->target, canon };
    res_waivers_apply(&r->waivers, run, targets, 2, tm_now());
    int saved_stdout = cmd_stdout_reserve(r->outs, 3);
    if (!a->quiet)
        print_table(run, a->verbose, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    warn_skipped_for_options(run);
    int rc = summarize(run, &r->waivers, a->fail_on);
    const char *gha = getenv("GITHUB_ACTIONS");
    if (gha && strcmp(gha, "true") == 0) {
        char *ann = rpt_github_annotations(run, a->fail_on);
        fputs(ann ? ann : "", stdout);
        free(ann);
    }
    for (size_t i = 0; i < run->n; i++) {
        if (run->items[i].input_error) { /* the scenarios ran; the input is wrong: a line each */
            cmd_error("run", "%s: %s", run->items[i].id, run->items[i].reason);
            rc = MP_EXIT_USAGE;
        }
    }
    cmd_stdout_restore(saved_stdout);
    if (a->json && res_run_write_json(run, a->json, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        rc = MP_EXIT_USAGE;
    }
    if (a->junit && rpt_junit_write(run, a->junit, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        rc = MP_EXIT_USAGE;
    }
    if (a->sarif && rpt_sarif_write(run, a->sarif, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        rc = MP_EXIT_USAGE;
    }
    return rc;
}

/* Parse, validate, act; one cleanup path. */
int cmd_run(int argc, char **argv)
{
    static run_state r; /* its lists are large for a stack */
    run_state_init(&r);
    int first;
    cmd_parse_result pr = cmd_parse(&cmd_run_verb, argc, argv, 1, run_opt, &r.a, &first);
    int rc = pr == CMD_PARSE_HELP ? MP_EXIT_OK : MP_EXIT_USAGE;
    if (pr == CMD_PARSED && (rc = run_validate(&r, argc, argv, first)) == MP_EXIT_OK)
        rc = run_act(&r, argc, argv);
    run_state_free(&r);
    return rc;
}
