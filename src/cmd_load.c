/* `mtlsprobe load`: options, the progress line, the summary, JSON and
 * thresholds around load_run(). */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_load.h"
#include "cmd_opts.h"
#include "http/h2session.h"
#include "http/http.h"
#include "load/load.h"
#include "load/output.h"
#include "pki/identity.h"
#include "pki/manifest.h"
#include "pki/secret.h"
#include "results/results.h"
#include "tls/tls.h"
#include "util/str.h"
#include "util/timeutil.h"

#define MAX_LIST 32

static const cmd_opt load_opts[] = {
    { NULL, 0, 0, NULL, "what to drive", NULL, NULL, 0, 0 },
    { "target", 't', 't', "URL", "the gateway, https://HOST:PORT[/PATH]", NULL, NULL, 0, CMD_OPT_REQUIRED },
    { "mode", 'm', 0, NULL, "handshake (connect, handshake, close), request (a new connection per HTTP "
      "request), keepalive (connections reused)", "handshake|request|keepalive", "handshake", 0, 0 },
    { "close", 'x', 0, NULL, "how handshake mode closes", "rst|fin", "fin", 0, 0 },
    { "method", 'M', 0, "M", "the request's method (request/keepalive)", NULL, "GET", 0, 0 },
    { "path", 'P', 0, "P", "the request's path (request/keepalive)", NULL, "the target's path", 0, 0 },
    { "header", 'H', 'H', "'K: V'", "a header of the request (request/keepalive)", NULL, NULL, 0,
      CMD_OPT_REPEAT },
    { "body", 'B', 0, "S", "the request's body (request/keepalive)", NULL, NULL, 0, 0 },
    { "http2", 'h' + 261, 0, NULL, "HTTP/2 (ALPN h2) instead of HTTP/1.1 (request/keepalive); each stream is a "
      "transaction with its own time to first byte", NULL, NULL, 0, 0 },
    { "streams", 'h' + 262, 0, "S", "--http2 keepalive: S concurrent streams per connection", NULL, "1", 0, 0 },
    { "connections", 'c', 'c', "N", "concurrent connections (the cap in open loop)", NULL, "16", 0, 0 },
    { "rate", 'r', 0, "R", "new handshakes (or requests) per second on a fixed schedule; latency counts from "
      "the intended start (coordinated omission)", NULL, NULL, 0, 0 },
    { "duration", 'd', 'd', "DUR", "how long to measure", NULL, "10s", 0, 0 },
    { "stages", 'h' + 260, 0, "LIST", "ramp instead of a fixed load, k6-style, each stage from the last target "
      "to its own, linearly: 10s:100/s,30s:800/s,10s:0/s (open loop, new transactions per second; -c caps the "
      "connections) or 10s:100,30s:1000 (closed loop, connections); replaces -d and --rate; a threshold may name "
      "a stage: stage2.handshake.p99<50ms", NULL, NULL, 0, 0 },
    { "count", 'n', 'n', "N", "stop after N handshakes (or requests) instead", NULL, NULL, 0, 0 },
    { "warmup", 'w', 0, "DUR", "run this long first, unmeasured", NULL, "0", 0, 0 },
    { "threads", 'T', 0, "N", "worker threads", NULL,
      "one per CPU this process may use, after taskset/affinity and a cgroup CPU quota", 0, 0 },
    { "shard", 's', 0, "I/N", "this process is worker I of N: takes 1/N of -c and --rate", NULL, NULL, 0, 0 },
    { "source", 'h' + 259, 0, "A[-B]", "local source addresses, used in turn (e.g. 127.0.0.2-127.0.0.9): each "
      "has its own ephemeral ports, so one process can hold more connections to one gateway port than one "
      "address allows", NULL, NULL, 0, 0 },
    { "timeout", 'O', 0, "DUR", "deadline of each step: connect, handshake, request write, response read; a "
      "peer that trickles bytes still times out", NULL, "5s", 0, 0 },
    { NULL, 0, 0, NULL, "TLS", NULL, NULL, 0, 0 },
    { "fixtures", 'f', 'f', "DIR", "fixtures (client certificate by name, trust for the gateway)", NULL, NULL,
      CMD_COMPLETE_DIR, 0 },
    { "client", 'C', 0, "NAME", "client fixture; none: no certificate", NULL, "client/valid", 0, 0 },
    { "cert", 'R', 0, "F", "or a certificate file instead of a fixture: PEM (leaf first, then intermediates) "
      "or DER, with --key; or a PKCS#12 file (.p12/.pfx), which carries its key", NULL, NULL,
      CMD_COMPLETE_FILE, 0 },
    { "key", 'K', 0, "F", "the key of --cert: PEM or DER, plain or encrypted (PKCS#8, traditional PEM)", NULL,
      NULL, CMD_COMPLETE_FILE, 0 },
    { "chain", 'N', 0, "F", "a PEM chain, leaf first, used in place of --cert", NULL, NULL, CMD_COMPLETE_FILE,
      0 },
    { "pass", 'p' + 256, 0, "SRC", "password of the PKCS#12 file or encrypted key: env:VAR, file:PATH, fd:N, "
      "pass:TEXT (as openssl -passin)", NULL, NULL, 0, 0 },
    { "clients", 'h' + 257, 0, "N", "a fleet: N client identities (P-256), issued before the run under the "
      "issuer of the --client fixture; connections take them in turn (a resumption presents its session's "
      "identity)", NULL, NULL, 0, 0 },
    { "client-dir", 'h' + 258, 0, "DIR", "a fleet read from DIR: every NAME.cert.pem (or NAME.crt, which may "
      "hold the chain) that has a NAME.key.pem (or NAME.key)", NULL, NULL, CMD_COMPLETE_DIR, 0 },
    { "ca", 'A', 0, "FILE", "trust anchors for the gateway", NULL, "the fixtures' root", CMD_COMPLETE_FILE, 0 },
    { "no-verify", 'k', 'k', NULL, "do not verify the gateway's certificate", NULL, NULL, 0, 0 },
    { "tls", 'V', 0, NULL, "the only TLS version to offer", "1.2|1.3", "1.2 and 1.3", 0, 0 },
    { "ciphers", 'i', 0, "LIST", "cipher suites to offer (wolfSSL names, colon-separated)", NULL, NULL, 0, 0 },
    { "sni", 'S', 0, "NAME", "SNI to send", NULL, "the target host unless it is an IP", 0, 0 },
    { "groups", 'g', 0, "LIST", "key-exchange groups, first one gets the key share; also X448, ffdhe2048, "
      "ffdhe3072, ffdhe4096, and X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024 to measure "
      "post-quantum hybrid key exchange", NULL, "X25519:P-256:P-384:P-521", 0, 0 },
    { "resume", 'u', 0, "RATIO", "this fraction of handshakes resumes a session (0..1)", NULL, NULL, 0, 0 },
    { "reuse-key-share", 'h' + 263, 0, "DUR", "a shortcut for handshake load, off by default: each worker keeps "
      "one ephemeral key share (X25519, and one on the first P-curve of --groups) for DUR instead of making one "
      "per handshake; the gateway still does all of its own work, only the load client's forward secrecy is "
      "weakened; the summary and the JSON say when it is on", NULL, NULL, 0, 0 },
    { NULL, 0, 0, NULL, "output", NULL, NULL, 0, 0 },
    { "json", 'J', 0, "FILE", "results with histograms and a per-second series (docs/results.md); - is "
      "standard output (the summary then goes to standard error); the path is checked before the load starts",
      NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "threshold", 'h' + 256, 0, "EXPR", "e.g. handshake.p99<50ms, errors<0.1%, rate>=900/s; stageN.EXPR "
      "judges stage N alone; a breach gives exit 1", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "quiet", 'q', 'q', NULL, "no progress line", NULL, NULL, 0, 0 },
    { "verbose", 'v', 'v', NULL, "print errors as they happen (at most 10 a second per thread)", NULL, NULL, 0,
      0 },
    { "help", 'h', 'h', NULL, "this text", NULL, NULL, 0, 0 },
};

const cmd_verb cmd_load_verb = {
    .name = "load",
    .summary = "drive concurrent mTLS handshakes and record latency histograms",
    .usage = "mtlsprobe load --target https://HOST:PORT[/PATH] (--fixtures DIR | --cert F [--key F]) [options]",
    .description =
        "Drives concurrent TLS handshakes with a client certificate, at a fixed concurrency\n"
        "(closed loop, -c) or a fixed rate (open loop, --rate), and records latency\n"
        "histograms per phase: TCP connect, TLS handshake, time to first byte, total.\n",
    .opts = load_opts,
    .n_opts = sizeof load_opts / sizeof load_opts[0],
    .notes = "A refused or unreachable connect makes its connection wait 10 ms, doubling to 1 s,\n"
             "before the next (closed loop); the summary's limit line says whether the target,\n"
             "the load generator, the schedule or the gateway was the limit (docs/load.md).\n"
             "Ctrl-C stops the load, prints the partial summary and still writes the JSON.\n",
    .exit_codes =
        "  0  measured, and every threshold met\n"
        "  1  a threshold was breached\n"
        "  2  usage or setup error\n"
        "  3  no threshold breached, but the load could not be measured as asked: no\n"
        "     handshake (or request) succeeded (an unreachable or refusing target), a\n"
        "     latency threshold had no samples, or the load was interrupted\n",
    .fn = cmd_load,
};

typedef struct progress_state {
    int tty;
    int64_t last_plain_ns;
} progress_state;

static void progress(const load_live *l, void *arg)
{
    progress_state *p = arg;
    char line[200];
    snprintf(line, sizeof line, "%6.1fs %s %8.0f/s  p50 %7.2fms  p99 %7.2fms  ok %llu  errors %llu",
             l->elapsed_s, l->warming ? "warm-up" : "       ", l->rate_last_s,
             (double)l->p50_last_ns / 1e6, (double)l->p99_last_ns / 1e6,
             (unsigned long long)l->ok, (unsigned long long)l->errors);
    if (p->tty) {
        fprintf(stderr, "\r%s\033[K", line);
    } else {
        int64_t now = tm_mono_ns();
        if (now - p->last_plain_ns < 5000000000LL)
            return;
        p->last_plain_ns = now;
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
}

static int parse_count(const char *s, unsigned long long *out)
{
    char *end;
    *out = strtoull(s, &end, 10);
    return (end == s || *end || s[0] == '-') ? -1 : 0;
}

/* --shard I/N: two decimal counts and nothing else ("1/2junk" is refused,
 * as sscanf would not). */
static int parse_shard(const char *s, int *index, int *count)
{
    char part[32];
    const char *slash = strchr(s, '/');
    unsigned long long i, n;
    if (!slash || (size_t)(slash - s) >= sizeof part)
        return -1;
    memcpy(part, s, (size_t)(slash - s));
    part[slash - s] = 0;
    if (parse_count(part, &i) != 0 || parse_count(slash + 1, &n) != 0 || n < 1 || n > 1000000 || i >= n)
        return -1;
    *index = (int)i;
    *count = (int)n;
    return 0;
}

int cmd_load(int argc, char **argv)
{
    const char *target = NULL, *fixtures = NULL, *client = NULL, *cert = NULL, *key = NULL;
    const char *chain = NULL, *pass_src = NULL, *ca = NULL, *mode_s = "handshake", *method = "GET", *path = NULL;
    const char *body = "", *tls_s = NULL, *ciphers = NULL, *groups = NULL, *sni = NULL, *json = NULL;
    http_header headers[MAX_LIST];
    size_t n_headers = 0;
    load_threshold thresholds[MAX_LIST];
    size_t n_thresholds = 0;
    int verify = 1, close_rst = 0, connections = 16, threads = 0;
    int quiet = 0, verbose = 0, shard_i = 0, shard_n = 1, c, rc = MP_EXIT_USAGE;
    double rate = 0, resume = 0;
    int64_t duration_ms = 10000, warmup_ms = 0, timeout_ms = 5000, reuse_key_share_ms = 0;
    unsigned long long count = 0, ull;
    int duration_set = 0;
    unsigned long long n_clients = 0, streams = 0;
    int http2 = 0;
    http_h2c_request *h2req = NULL;
    const char *client_dir = NULL, *source = NULL, *stages = NULL;
    pki_fleet fleet;
    memset(&fleet, 0, sizeof fleet);
    net_addr *sources = NULL;
    int n_sources = 0;
    mp_err e = { { 0 } };
    char *end;
    cmd_getopt g;
    if (cmd_getopt_build(&cmd_load_verb, &g) != 0) {
        cmd_error("load", "option table too long");
        goto out;
    }
    opterr = 0;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case 't': target = optarg; break;
        case 'f': fixtures = optarg; break;
        case 'C': client = optarg; break;
        case 'p' + 256: pass_src = optarg; break;
        case 'R': cert = optarg; break;
        case 'K': key = optarg; break;
        case 'N': chain = optarg; break;
        case 'A': ca = optarg; break;
        case 'k': verify = 0; break;
        case 'm': mode_s = optarg; break;
        case 'x':
            if (strcmp(optarg, "rst") == 0) close_rst = 1;
            else if (strcmp(optarg, "fin") == 0) close_rst = 0;
            else { cmd_error("load", "--close must be rst or fin"); goto out; }
            break;
        case 'M': method = optarg; break;
        case 'P': path = optarg; break;
        case 'H':
            if (n_headers == MAX_LIST || http_header_parse(optarg, &headers[n_headers], &e) != 0) {
                cmd_error("load", "--header: %s", n_headers == MAX_LIST ? "too many" : e.msg);
                goto out;
            }
            n_headers++;
            break;
        case 'B': body = optarg; break;
        case 'c':
            if (parse_count(optarg, &ull) != 0 || ull < 1 || ull > 1000000) {
                cmd_error("load", "-c must be 1..1000000");
                goto out;
            }
            connections = (int)ull;
            break;
        case 'r':
            if (tm_parse_rate(optarg, &rate, &e) != 0) {
                cmd_error("load", "--%s", e.msg); /* "--rate 'abc' is not ..." */
                goto out;
            }
            break;
        case 'd':
            if (tm_parse_duration(optarg, &duration_ms, &e) != 0 || duration_ms <= 0) {
                cmd_error("load", "--duration: %s", duration_ms <= 0 ? "must be positive" : e.msg);
                goto out;
            }
            duration_set = 1;
            break;
        case 'n':
            if (parse_count(optarg, &count) != 0 || count == 0) {
                cmd_error("load", "--count must be a positive integer");
                goto out;
            }
            break;
        case 'w':
            if (tm_parse_duration(optarg, &warmup_ms, &e) != 0) {
                cmd_error("load", "--warmup: %s", e.msg);
                goto out;
            }
            break;
        case 'T':
            if (parse_count(optarg, &ull) != 0 || ull < 1 || ull > 256) {
                cmd_error("load", "--threads must be 1..256");
                goto out;
            }
            threads = (int)ull;
            break;
        case 's':
            if (parse_shard(optarg, &shard_i, &shard_n) != 0) {
                cmd_error("load", "--shard must be I/N with 0 <= I < N, not '%s'", optarg);
                goto out;
            }
            break;
        case 'O':
            if (tm_parse_duration(optarg, &timeout_ms, &e) != 0 || timeout_ms <= 0) {
                cmd_error("load", "--timeout: %s", timeout_ms <= 0 ? "must be positive" : e.msg);
                goto out;
            }
            break;
        case 'V': tls_s = optarg; break;
        case 'i': ciphers = optarg; break;
        case 'g': groups = optarg; break;
        case 'S': sni = optarg; break;
        case 'h' + 263:
            if (tm_parse_duration(optarg, &reuse_key_share_ms, &e) != 0 || reuse_key_share_ms <= 0) {
                cmd_error("load", "--reuse-key-share: %s", reuse_key_share_ms <= 0 && !e.msg[0] ?
                          "give a duration above zero, e.g. 10s" : e.msg);
                goto out;
            }
            break;
        case 'u':
            resume = strtod(optarg, &end);
            if (end == optarg || *end || resume < 0 || resume > 1) {
                cmd_error("load", "--resume must be a ratio from 0 to 1");
                goto out;
            }
            break;
        case 'J': json = optarg; break;
        case 'h' + 256:
            if (n_thresholds == MAX_LIST || load_threshold_parse(optarg, &thresholds[n_thresholds], &e) != 0) {
                cmd_error("load", "%s", n_thresholds == MAX_LIST ? "too many --threshold" : e.msg);
                goto out;
            }
            n_thresholds++;
            break;
        case 'h' + 257:
            if (parse_count(optarg, &n_clients) != 0 || n_clients < 1 || n_clients > 1000000) {
                cmd_error("load", "--clients must be 1..1000000");
                goto out;
            }
            break;
        case 'h' + 258: client_dir = optarg; break;
        case 'h' + 259: source = optarg; break;
        case 'h' + 260: stages = optarg; break;
        case 'h' + 261: http2 = 1; break;
        case 'h' + 262:
            if (parse_count(optarg, &streams) != 0 || streams < 1 || streams > 1000) {
                cmd_error("load", "--streams must be 1..1000");
                goto out;
            }
            break;
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h': cmd_help_print(&cmd_load_verb, stdout); rc = MP_EXIT_OK; goto out;
        case ':':
            cmd_error("load", "option '%s' needs a value", argv[optind - 1]);
            goto out;
        default:
            cmd_error("load", "unknown option '%s' (try mtlsprobe load --help)", argv[optind - 1]);
            goto out;
        }
    }
    if (optind < argc) {
        cmd_error("load", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (!target) {
        cmd_error("load", "--target is required (try mtlsprobe load --help)");
        goto out;
    }
    const cmd_output outs[] = { { "--json", json, 0, 0 } };
    if (cmd_check_outputs("load", outs, 1) != MP_EXIT_OK)
        goto out;
    load_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int stages_open = 0;
    if (stages) {
        if (load_stages_parse(stages, cfg.stages, &cfg.n_stages, &stages_open, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            goto out;
        }
        if (duration_set || count || rate > 0 || warmup_ms > 0) {
            cmd_error("load", "--stages sets the rate or connections over time: drop -d, -n, --rate and --warmup");
            goto out;
        }
    }
    if (n_clients && client_dir) {
        cmd_error("load", "--clients and --client-dir exclude each other");
        goto out;
    }
    if (source && net_source_range_parse(source, &sources, &n_sources, &e) != 0) {
        cmd_error("load", "%s", e.msg);
        goto out;
    }
    net_url url;
    if (net_url_parse(target, &url, &e) != 0) {
        cmd_error("load", "%s", e.msg);
        goto out;
    }
    if (url.scheme != NET_SCHEME_HTTPS) { /* each scheme's handler comes with its tests */
        cmd_error("load", "%s:// targets are not supported yet; use https://", net_scheme_name(url.scheme));
        goto out;
    }
    if (strcmp(mode_s, "handshake") == 0) cfg.mode = LOAD_HANDSHAKE;
    else if (strcmp(mode_s, "request") == 0) cfg.mode = LOAD_REQUEST;
    else if (strcmp(mode_s, "keepalive") == 0) cfg.mode = LOAD_KEEPALIVE;
    else { cmd_error("load", "--mode must be handshake, request or keepalive"); goto out; }
    cfg.tls.version = TLS_ANY;
    if (tls_s && (tls_version_parse(tls_s, &cfg.tls.version) != 0 || cfg.tls.version == TLS_ANY)) {
        cmd_error("load", "--tls must be 1.2 or 1.3");
        goto out;
    }
    pki_manifest m;
    int have_manifest = 0;
    pki_identity ident;
    memset(&ident, 0, sizeof ident);
    if (fixtures) {
        if (pki_manifest_load(&m, fixtures, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            goto out;
        }
        have_manifest = 1;
    }
    if (cert || key || chain) {
        if (!cert) {
            cmd_error("load", "--key and --chain go with --cert");
            goto out_m;
        }
        if (access(cert, R_OK) != 0 || (key && access(key, R_OK) != 0) || (chain && access(chain, R_OK) != 0)) {
            cmd_error("load", "cannot read %s", access(cert, R_OK) ? cert : key && access(key, R_OK) ? key : chain);
            goto out_m;
        }
        /* User files, unlike fixtures, must hold a key that matches
         * (pki_identity_load checks); an encrypted key or PKCS#12 file is
         * opened once, here, and handed to the workers in memory. */
        char pass[PKI_PASS_MAX + 1];
        if (pass_src && cmd_read_pass("load", pass_src, pass, sizeof pass) != 0)
            goto out_m;
        int lrc = pki_identity_load(&ident, chain ? chain : cert, key, pass_src ? pass : NULL, &e);
        explicit_bzero(pass, sizeof pass);
        if (lrc != 0) {
            cmd_error("load", "%s", e.msg);
            goto out_m;
        }
        cfg.tls.chain_file = ident.cert_path;
        cfg.tls.key_file = key;
        cfg.tls.chain_pem = ident.chain_pem;
        cfg.tls.chain_pem_len = ident.chain_pem_len;
        cfg.tls.key_der = ident.key_der;
        cfg.tls.key_der_len = ident.key_der_len;
        cfg.tls.require_key_match = 1;
        client = cert;
    } else if (client && strcmp(client, "none") == 0) {
        /* server-auth only: no client certificate is offered */
    } else if (have_manifest) {
        client = client ? client : "client/valid";
        const pki_manifest_entry *f = pki_manifest_find(&m, client);
        if (!f || !f->chain) {
            cmd_error("load", "unknown client fixture '%s' in %s", client, m.dir);
            goto out_m;
        }
        cfg.tls.chain_file = f->chain;
        cfg.tls.key_file = f->key;
    } else {
        cmd_error("load", "give --fixtures (with --client NAME) or --cert and --key");
        goto out_m;
    }
    if (n_clients) {
        const pki_manifest_entry *leaf = have_manifest && !cert ? pki_manifest_find(&m, client) : NULL;
        const pki_manifest_entry *issuer = leaf && leaf->issuer ? pki_manifest_find(&m, leaf->issuer) : NULL;
        if (!issuer || !issuer->key) {
            cmd_error("load", "--clients issues certificates under the client fixture's issuer: give --fixtures");
            goto out_m;
        }
        if (pki_fleet_issue(&fleet, issuer->cert, issuer->key, (size_t)n_clients, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            goto out_m;
        }
        if (!quiet)
            fprintf(stderr, "load: issued %zu client identities under %s in %.2f s\n", fleet.n, issuer->name,
                    fleet.seconds);
        cfg.fleet = &fleet;
    } else if (client_dir) {
        if (pki_fleet_read_dir(&fleet, client_dir, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            goto out_m;
        }
        cfg.fleet = &fleet;
    }
    cfg.sources = sources;
    cfg.n_sources = n_sources;
    cfg.tls.verify_peer = verify;
    cfg.tls.memo_signatures = 1; /* each worker owns its client (load/worker.c) */
    cfg.tls.reuse_key_share_ns = reuse_key_share_ms * 1000000LL;
    cfg.tls.ca_file = ca ? ca : have_manifest ? m.trust_bundle : NULL;
    if (verify && !cfg.tls.ca_file) {
        cmd_error("load", "give --ca (or --fixtures) to verify the gateway, or --no-verify");
        goto out_m;
    }
    cfg.tls.ciphers = ciphers;
    /* One classical key share unless asked otherwise: wolfSSL's default
     * adds an ML-KEM hybrid share the gateway may not use, which costs the
     * generator a key generation per handshake. */
    cfg.tls.groups = groups ? groups : "X25519:P-256:P-384:P-521";
    unsigned char ipbuf[16];
    int is_ip = inet_pton(AF_INET, url.host, ipbuf) == 1 || inet_pton(AF_INET6, url.host, ipbuf) == 1;
    str_copy(cfg.sni, sizeof cfg.sni, sni ? sni : is_ip ? "" : url.host);
    if (net_resolve(url.host, url.port, &cfg.addr, &e) != 0) {
        cmd_error("load", "%s", e.msg);
        goto out_m;
    }
    char *req = NULL;
    size_t req_len = 0;
    if (cfg.mode != LOAD_HANDSHAKE) {
        if (http_request_build(method, path ? path : url.path, url.authority, headers, n_headers,
                               body, strlen(body), &req, &req_len, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            goto out_m;
        }
    }
    cfg.request = req;
    cfg.request_len = req_len;
    if ((http2 || streams) && cfg.mode == LOAD_HANDSHAKE) {
        cmd_error("load", "--http2 and --streams need --mode request or keepalive");
        free(req);
        goto out_m;
    }
    if (streams && !http2) {
        cmd_error("load", "--streams counts HTTP/2 streams: add --http2");
        free(req);
        goto out_m;
    }
    if (streams > 1 && cfg.mode != LOAD_KEEPALIVE) {
        cmd_error("load", "--streams above 1 needs --mode keepalive (request mode is one request per connection)");
        free(req);
        goto out_m;
    }
    if (http2) {
        http_h2_request hq = { .method = method, .scheme = "https", .authority = url.authority,
                               .path = path ? path : url.path, .headers = headers, .n_headers = n_headers };
        if (!(h2req = http_h2c_request_new(&hq, body, strlen(body), &e))) {
            cmd_error("load", "%s", e.msg);
            free(req);
            goto out_m;
        }
        cfg.http2 = 1;
        cfg.streams = streams ? (int)streams : 1;
        cfg.h2req = h2req;
    }
    cfg.close_rst = close_rst;
    /* for tests only: a small series, so a short run shows it folding */
    const char *cap = getenv("MTLSPROBE_TEST_SERIES_CAP");
    if (cap && atoi(cap) >= 2)
        cfg.series_cap = atoi(cap);
    if (cfg.n_stages) {
        duration_ms = load_stages_total_ns(cfg.stages, cfg.n_stages) / 1000000LL;
        double top = 0;
        for (int k = 0; k < cfg.n_stages; k++) {
            top = cfg.stages[k].target > top ? cfg.stages[k].target : top;
            cfg.stages[k].target /= shard_n; /* each shard drives its share */
        }
        if (stages_open) {
            rate = top > 0 ? top : 1;
        } else {
            connections = (int)(top + 0.5) > 0 ? (int)(top + 0.5) : 1;
        }
    }
    cfg.connections = connections / shard_n + (shard_i < connections % shard_n);
    if (cfg.connections < 1)
        cfg.connections = 1;
    cfg.rate = rate / shard_n;
    if (count && !duration_set)
        duration_ms = 0;
    cfg.duration_ns = duration_ms * 1000000LL;
    cfg.warmup_ns = warmup_ms * 1000000LL;
    cfg.count = count ? count / (unsigned long long)shard_n + ((unsigned long long)shard_i < count % (unsigned long long)shard_n) : 0;
    cfg.resume_ratio = resume;
    char threads_why[96];
    if (threads > 0)
        snprintf(threads_why, sizeof threads_why, "--threads %d", threads);
    else
        threads = load_default_threads(threads_why, sizeof threads_why);
    cfg.threads = threads;
    cfg.verbose = verbose;
    cfg.timeout_ns = timeout_ms * 1000000LL;
    cfg.stop = cmd_stop_on_signals();
    signal(SIGPIPE, SIG_IGN);

    progress_state ps = { isatty(STDERR_FILENO), tm_mono_ns() };
    load_result r;
    long long started_ms = (long long)res_now_ms();
    if (load_run(&cfg, &r, quiet ? NULL : progress, &ps, &e) != 0) {
        cmd_error("load", "%s", e.msg);
        free(req);
        goto out_m;
    }
    long long finished_ms = (long long)res_now_ms();
    if (!quiet && ps.tty)
        fprintf(stderr, "\n");

    /* summary (on standard error when --json is -) */
    int saved_stdout = cmd_stdout_reserve(outs, 1);
    cmd_load_view view = {
        .mode = mode_s, .target = target, .tls = tls_s ? tls_version_name(cfg.tls.version) : "TLS 1.2/1.3",
        .threads = threads, .threads_why = threads_why, .open_loop = rate > 0, .resume = resume > 0,
        .fleet_n = fleet.n, .fleet_origin = n_clients ? "issued for this run" : client_dir,
        .source = source, .n_sources = n_sources, .shard_n = shard_n, .stages_open = stages_open,
    };
    cmd_load_summary(&cfg, &r, &view);
    /* 1 on a breach; else 3 when nothing (or not all that was asked) was
     * measured, so a gate is never green over a load that did not happen */
    int breached = 0, unjudged = 0;
    for (size_t i = 0; i < n_thresholds; i++) {
        char obs[64];
        int ok = load_threshold_check(&thresholds[i], &r, obs, sizeof obs);
        printf("  %s threshold %s: %s (%s)\n", ok > 0 ? "\u2713" : ok < 0 ? "?" : "\u2717", thresholds[i].text,
               ok > 0 ? "met" : ok < 0 ? "NOT MEASURED" : "BREACHED", obs);
        breached |= ok == 0;
        unjudged |= ok < 0;
    }
    /* Nothing succeeded: there is no measurement to judge, whatever the
     * thresholds say (the same meaning as run's exit 3). */
    if (r.ok == 0)
        printf("  nothing measured: no handshake%s succeeded%s\n", cfg.mode == LOAD_HANDSHAKE ? "" : " or request",
               r.started || r.in_flight ? "" : " (none ended)");
    rc = breached ? MP_EXIT_FAIL : unjudged || !r.ok || r.interrupted ? MP_EXIT_UNJUDGED : MP_EXIT_OK;
    cmd_stdout_restore(saved_stdout);
    if (json) {
        char cmdline[2048];
        cmd_join_argv(argc, argv, cmdline, sizeof cmdline);
        load_meta lm = {
            .target = target, .mode = mode_s,
            .tls_version = tls_s ? tls_version_name(cfg.tls.version) : "any", .client = client,
            .connections = cfg.connections, .rate = cfg.rate, .duration_s = (double)duration_ms / 1000,
            .warmup_s = (double)warmup_ms / 1000, .count = cfg.count, .resume_ratio = resume,
            .reuse_key_share_s = (double)reuse_key_share_ms / 1000,
            .threads = threads, .threads_reason = threads_why, .thresholds = thresholds,
            .n_thresholds = n_thresholds, .shard_index = shard_i,
            .fixtures_dir = have_manifest ? m.dir : NULL,
            .manifest_sha256 = have_manifest ? m.sha256 : NULL, .shard_count = shard_n, .command_line = cmdline,
            .tool_version = MTLSPROBE_VERSION, .wolfssl_version = tls_library_version(),
            .started_ms = started_ms, .finished_ms = finished_ms,
            .fleet_size = fleet.n, .fleet_origin = n_clients ? "issued" : client_dir,
            .sources = source, .n_sources = n_sources, .http2_streams = cfg.http2 ? cfg.streams : 0,
            .stages = cfg.stages, .n_stages = cfg.n_stages, .stages_open = stages_open,
        };
        if (load_write_json(&r, &lm, json, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            rc = MP_EXIT_USAGE;
        }
    }
    load_result_free(&r);
    free(req);
out_m:
    pki_identity_free(&ident);
    http_h2c_request_free(h2req);
    pki_fleet_free(&fleet);
    if (have_manifest)
        pki_manifest_free(&m);
out:
    free(sources);
    for (size_t i = 0; i < n_headers; i++) {
        free(headers[i].name);
        free(headers[i].value);
    }
    return rc;
}
