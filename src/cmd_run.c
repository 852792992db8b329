/* `mtlsprobe run`: options, the TLS version probe, then the runner; prints
 * the verdict table and writes JSON and JUnit. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "cmd.h"
#include "pki/manifest.h"
#include "report/junit.h"
#include "scenario/runner.h"
#include "util/str.h"
#include "util/timeutil.h"

#define MAX_LIST 64

static const char help_text[] =
    "usage: mtlsprobe run --target https://HOST:PORT[/PATH] --fixtures DIR [options] [SCENARIO...]\n"
    "\n"
    "Runs Lua scenarios against a gateway and prints one verdict per scenario (and\n"
    "TLS version): PASS, FAIL, ERROR or SKIP, with what was expected and observed.\n"
    "Without SCENARIO arguments (files or directories) it runs the built-in\n"
    "client-auth suite. See docs/scenarios.md.\n"
    "\n"
    "options:\n"
    "  -t, --target URL        the gateway, https://HOST:PORT[/PATH] (required)\n"
    "  -f, --fixtures DIR      fixtures directory with manifest.json (required)\n"
    "      --ca FILE           trust anchors for the gateway's certificate\n"
    "                          (default: the fixtures' trust bundle)\n"
    "  -k, --no-verify         do not verify the gateway's certificate\n"
    "      --sni NAME          SNI to send (default: the target host unless it is an IP)\n"
    "      --connect-to H:P    connect here instead of the target's host and port\n"
    "  -H, --header 'K: V'     add a header to every request (repeatable)\n"
    "      --tls 1.2|1.3|both  TLS versions for client-auth scenarios (default: both,\n"
    "                          each version the gateway accepts)\n"
    "      --timeout DUR       limit for each network step (default: 5s)\n"
    "      --only GLOB         run only scenarios whose id matches (repeatable)\n"
    "      --skip GLOB         skip scenarios whose id matches (repeatable)\n"
    "      --tags T1,T2        run only scenarios with one of these tags\n"
    "      --expect-mtls yes|no  whether the target must require client certificates\n"
    "                          (default: yes)\n"
    "  -j, --jobs N            scenarios in parallel (default: 1)\n"
    "      --json FILE         write results as JSON (docs/results.md)\n"
    "      --junit FILE        write results as JUnit XML\n"
    "  -q, --quiet             print only the summary line\n"
    "  -v, --verbose           print evidence for every scenario\n"
    "  -h, --help              this text\n"
    "\n"
    "Ctrl-C (or SIGTERM) skips the scenarios not yet started, lets the running ones\n"
    "finish, and still prints and writes the results, marked interrupted (exit 1).\n"
    "exit codes: 0 no scenario failed or errored, 1 one did, 2 usage or setup error\n"
    "(including a scenario that names a fixture the manifest lacks)\n";

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

static void print_table(const res_run *run, int verbose, int color)
{
    const char *green = color ? "\033[32m" : "", *red = color ? "\033[31m" : "",
               *yellow = color ? "\033[33m" : "", *grey = color ? "\033[90m" : "",
               *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    printf("%s%-38s %-8s %-7s %-9s %-60s %8s%s\n", bold, "ID", "TLS", "VERDICT", "EXPECTED",
           "OBSERVED", "TIME", reset);
    for (size_t i = 0; i < run->n; i++) {
        const res_scenario *s = &run->items[i];
        const char *c = s->verdict == RES_PASS ? green : s->verdict == RES_FAIL ? red
                        : s->verdict == RES_ERROR ? yellow : grey;
        char tls[16];
        snprintf(tls, sizeof tls, "%s", strcmp(s->tls_version, "any") == 0 ? "-" : s->tls_version);
        printf("%-38s %-8s %s%-7s%s %-9s %-60s %6.0f ms\n", s->id, tls, c,
               res_verdict_name(s->verdict), reset, s->expected, s->observed, s->duration_ms);
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
            if (s->reason[0] && s->verdict != RES_PASS)
                printf("    reason: %s\n", s->reason);
        }
    }
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        { "target", required_argument, NULL, 't' },
        { "fixtures", required_argument, NULL, 'f' },
        { "ca", required_argument, NULL, 'C' },
        { "no-verify", no_argument, NULL, 'k' },
        { "sni", required_argument, NULL, 'S' },
        { "connect-to", required_argument, NULL, 'T' },
        { "header", required_argument, NULL, 'H' },
        { "tls", required_argument, NULL, 'V' },
        { "timeout", required_argument, NULL, 'O' },
        { "only", required_argument, NULL, 'o' },
        { "skip", required_argument, NULL, 's' },
        { "tags", required_argument, NULL, 'g' },
        { "expect-mtls", required_argument, NULL, 'm' },
        { "jobs", required_argument, NULL, 'j' },
        { "json", required_argument, NULL, 'J' },
        { "junit", required_argument, NULL, 'U' },
        { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *target = NULL, *fixtures = NULL, *ca = NULL, *sni = NULL, *connect_to = NULL;
    const char *json = NULL, *junit = NULL, *tls = "both";
    const char *only[MAX_LIST], *skip[MAX_LIST], *tags[MAX_LIST];
    size_t n_only = 0, n_skip = 0, n_tags = 0;
    http_header headers[MAX_LIST];
    size_t n_headers = 0;
    int verify = 1, quiet = 0, verbose = 0, jobs = 1, expect_mtls = 1, c, rc = MP_EXIT_USAGE;
    int64_t timeout_ms = 5000;
    mp_err e = { { 0 } };
    char *tags_buf = NULL;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:f:kH:j:qvh", opts, NULL)) != -1) {
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
        case 'J': json = optarg; break;
        case 'U': junit = optarg; break;
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h': fputs(help_text, stdout); rc = MP_EXIT_OK; goto out;
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

    scn_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (net_url_parse(target, &cfg.target, &e) != 0) {
        cmd_error("run", "%s", e.msg);
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

    scn_list list = { 0 };
    if (optind == argc) {
        rc = scn_list_add_builtin(&list, &e);
    } else {
        rc = 0;
        for (int i = optind; rc == 0 && i < argc; i++)
            rc = scn_list_add_path(&list, argv[i], &e);
    }
    if (rc != 0) {
        cmd_error("run", "%s", e.msg);
        scn_list_free(&list);
        pki_manifest_free(&m);
        rc = MP_EXIT_USAGE;
        goto out;
    }

    res_run run;
    memset(&run, 0, sizeof run);
    run.started_ms = res_now_ms();
    char reason[400] = "";
    if (plan.n_versions == 0) {
        if (scn_probe_versions(&cfg, plan.versions, &plan.n_versions, &e) != 0) {
            str_copy(reason, sizeof reason, e.msg);
            plan.unreachable = reason;
            plan.versions[0] = TLS_ANY;
            plan.n_versions = 1;
        } else if (plan.n_versions == 0) {
            plan.versions[0] = TLS_ANY; /* neither 1.2 nor 1.3 answered: let scenarios say so */
            plan.n_versions = 1;
        }
    }
    scn_filter filter = { only, n_only, skip, n_skip, tags, n_tags };
    /* SIGINT/SIGTERM: scenarios not yet started are skipped, and what was
     * measured is still printed and written. */
    atomic_int *stop = cmd_stop_on_signals();
    plan.stop = stop;
    if (scn_run_all(&list, &filter, &plan, &cfg, &run, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        scn_list_free(&list);
        pki_manifest_free(&m);
        rc = MP_EXIT_USAGE;
        goto out;
    }
    run.finished_ms = res_now_ms();
    run.interrupted = atomic_load(stop);
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C while writing ends the process */
    str_copy(run.target, sizeof run.target, target);
    str_copy(run.sni, sizeof run.sni, cfg.sni);
    if (connect_to)
        str_copy(run.connect_to, sizeof run.connect_to, connect_to);
    str_copy(run.fixtures_dir, sizeof run.fixtures_dir, m.dir);
    str_copy(run.manifest_sha256, sizeof run.manifest_sha256, m.sha256);
    str_copy(run.tool_version, sizeof run.tool_version, MTLSPROBE_VERSION);
    str_copy(run.wolfssl_version, sizeof run.wolfssl_version, wolfSSL_lib_version());
    cmd_join_argv(argc, argv, run.command_line, sizeof run.command_line);

    if (!quiet)
        print_table(&run, verbose, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    res_counts counts = res_run_count(&run);
    printf("%zu passed, %zu failed, %zu errors, %zu skipped%s\n", counts.passed, counts.failed,
           counts.errors, counts.skipped, run.interrupted ? " (interrupted)" : "");
    rc = counts.failed || counts.errors || run.interrupted ? MP_EXIT_FAIL : MP_EXIT_OK;
    for (size_t i = 0; i < run.n; i++) {
        if (run.items[i].input_error) { /* the scenarios ran; the input is wrong: a line each */
            cmd_error("run", "%s: %s", run.items[i].id, run.items[i].reason);
            rc = MP_EXIT_USAGE;
        }
    }
    if (json && res_run_write_json(&run, json, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        rc = MP_EXIT_USAGE;
    }
    if (junit && rpt_junit_write(&run, junit, &e) != 0) {
        cmd_error("run", "%s", e.msg);
        rc = MP_EXIT_USAGE;
    }
    free(run.items);
    scn_list_free(&list);
    pki_manifest_free(&m);
out:
    for (size_t i = 0; i < n_headers; i++) {
        free(headers[i].name);
        free(headers[i].value);
    }
    free(tags_buf);
    return rc;
}
