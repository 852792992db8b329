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
#include "cmd_target.h"
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

enum load_opt_id {
    LOAD_OPT_MODE = CMD_OPT_ID_BASE, LOAD_OPT_CLOSE, LOAD_OPT_METHOD, LOAD_OPT_PATH, LOAD_OPT_BODY, LOAD_OPT_HTTP2,
    LOAD_OPT_STREAMS, LOAD_OPT_RATE, LOAD_OPT_STAGES, LOAD_OPT_WARMUP, LOAD_OPT_THREADS, LOAD_OPT_SHARD,
    LOAD_OPT_SOURCE, LOAD_OPT_TIMEOUT, LOAD_OPT_CLIENT, LOAD_OPT_CERT, LOAD_OPT_KEY, LOAD_OPT_CHAIN, LOAD_OPT_PASS,
    LOAD_OPT_CLIENTS, LOAD_OPT_CLIENT_DIR, LOAD_OPT_CA, LOAD_OPT_TLS, LOAD_OPT_CIPHERS, LOAD_OPT_SNI,
    LOAD_OPT_GROUPS, LOAD_OPT_RESUME, LOAD_OPT_REUSE_KEY_SHARE, LOAD_OPT_NO_SIGNATURE_MEMO, LOAD_OPT_JSON,
    LOAD_OPT_THRESHOLD, LOAD_OPT_TOPIC,
};

static const cmd_opt load_opts[] = {
    { NULL, 0, 0, NULL, "what to drive", NULL, NULL, 0, 0 },
    { "target", 't', 't', "URL", "the gateway: https://HOST[:PORT][/PATH], or tls://HOST:PORT, "
      "grpcs://HOST[:PORT] (handshake mode), mqtts://HOST[:PORT] (handshake or connect mode)", NULL, NULL, 0,
      CMD_OPT_REQUIRED },
    { "mode", LOAD_OPT_MODE, 0, NULL, "handshake (connect, handshake, close; every scheme), request (a new "
      "connection per HTTP request), keepalive (connections reused), connect (mqtts://: a device connecting: "
      "CONNECT, its CONNACK, DISCONNECT, close), publish (mqtts://: devices that stay connected, each "
      "transaction a QoS 1 PUBLISH of --body to --topic and its PUBACK)", "handshake|request|keepalive|connect|publish",
      "handshake", 0, 0 },
    { "topic", LOAD_OPT_TOPIC, 0, "T", "--mode publish: the topic", NULL, "mtlsprobe/load", 0, 0 },
    { "close", LOAD_OPT_CLOSE, 0, NULL, "how handshake mode closes", "rst|fin", "fin", 0, 0 },
    { "method", LOAD_OPT_METHOD, 0, "M", "the request's method (request/keepalive)", NULL, "GET", 0, 0 },
    { "path", LOAD_OPT_PATH, 0, "P", "the request's path (request/keepalive)", NULL, "the target's path", 0, 0 },
    { "header", 'H', 'H', "'K: V'", "a header of the request (request/keepalive)", NULL, NULL, 0,
      CMD_OPT_REPEAT },
    { "body", LOAD_OPT_BODY, 0, "S", "the request's body (request/keepalive)", NULL, NULL, 0, 0 },
    { "http2", LOAD_OPT_HTTP2, 0, NULL, "HTTP/2 (ALPN h2) instead of HTTP/1.1 (request/keepalive); each stream is a "
      "transaction with its own time to first byte", NULL, NULL, 0, 0 },
    { "streams", LOAD_OPT_STREAMS, 0, "S", "--http2 keepalive: S concurrent streams per connection", NULL, "1", 0, 0 },
    { "connections", 'c', 'c', "N", "concurrent connections (the cap in open loop)", NULL, "16", 0, 0 },
    { "rate", LOAD_OPT_RATE, 0, "R", "new handshakes (or requests) per second on a fixed schedule; latency counts from "
      "the intended start (coordinated omission)", NULL, NULL, 0, 0 },
    { "duration", 'd', 'd', "DUR", "how long to measure", NULL, "10s", 0, 0 },
    { "stages", LOAD_OPT_STAGES, 0, "LIST", "ramp instead of a fixed load, k6-style, each stage from the last target "
      "to its own, linearly: 10s:100/s,30s:800/s,10s:0/s (open loop, new transactions per second; -c caps the "
      "connections) or 10s:100,30s:1000 (closed loop, connections); replaces -d and --rate; a threshold may name "
      "a stage: stage2.handshake.p99<50ms", NULL, NULL, 0, 0 },
    { "count", 'n', 'n', "N", "stop after N handshakes (or requests) instead", NULL, NULL, 0, 0 },
    { "warmup", LOAD_OPT_WARMUP, 0, "DUR", "run this long first, unmeasured", NULL, "0", 0, 0 },
    { "threads", LOAD_OPT_THREADS, 0, "N", "worker threads", NULL,
      "one per CPU this process may use, after taskset/affinity and a cgroup CPU quota", 0, 0 },
    { "shard", LOAD_OPT_SHARD, 0, "I/N", "this process is worker I of N: takes 1/N of -c and --rate", NULL, NULL, 0, 0 },
    { "source", LOAD_OPT_SOURCE, 0, "A[-B]", "local source addresses, used in turn (e.g. 127.0.0.2-127.0.0.9): each "
      "has its own ephemeral ports, so one process can hold more connections to one gateway port than one "
      "address allows", NULL, NULL, 0, 0 },
    { "timeout", LOAD_OPT_TIMEOUT, 0, "DUR", "deadline of each step: connect, handshake, request write, response read; a "
      "peer that trickles bytes still times out", NULL, "5s", 0, 0 },
    { NULL, 0, 0, NULL, "TLS", NULL, NULL, 0, 0 },
    { "fixtures", 'f', 'f', "DIR", "fixtures (client certificate by name, trust for the gateway)", NULL, NULL,
      CMD_COMPLETE_DIR, 0 },
    { "client", LOAD_OPT_CLIENT, 0, "NAME", "client fixture; none: no certificate", NULL, "client/valid", 0, 0 },
    { "cert", LOAD_OPT_CERT, 0, "F", "or a certificate file instead of a fixture: PEM (leaf first, then intermediates) "
      "or DER, with --key; or a PKCS#12 file (.p12/.pfx), which carries its key", NULL, NULL,
      CMD_COMPLETE_FILE, 0 },
    { "key", LOAD_OPT_KEY, 0, "F", "the key of --cert: PEM or DER, plain or encrypted (PKCS#8, traditional PEM)", NULL,
      NULL, CMD_COMPLETE_FILE, 0 },
    { "chain", LOAD_OPT_CHAIN, 0, "F", "a PEM chain, leaf first, used in place of --cert", NULL, NULL, CMD_COMPLETE_FILE,
      0 },
    { "pass", LOAD_OPT_PASS, 0, "SRC", "password of the PKCS#12 file or encrypted key: env:VAR, file:PATH, fd:N, "
      "pass:TEXT (as openssl -passin)", NULL, NULL, 0, 0 },
    { "clients", LOAD_OPT_CLIENTS, 0, "N", "a fleet: N client identities (P-256), issued before the run under the "
      "issuer of the --client fixture; connections take them in turn (a resumption presents its session's "
      "identity)", NULL, NULL, 0, 0 },
    { "client-dir", LOAD_OPT_CLIENT_DIR, 0, "DIR", "a fleet read from DIR: every NAME.cert.pem (or NAME.crt, which may "
      "hold the chain) that has a NAME.key.pem (or NAME.key)", NULL, NULL, CMD_COMPLETE_DIR, 0 },
    { "ca", LOAD_OPT_CA, 0, "FILE", "trust anchors for the gateway", NULL, "the fixtures' root", CMD_COMPLETE_FILE, 0 },
    { "no-verify", 'k', 'k', NULL, "do not verify the gateway's certificate", NULL, NULL, 0, 0 },
    { "tls", LOAD_OPT_TLS, 0, NULL, "the only TLS version to offer", "1.2|1.3", "1.2 and 1.3", 0, 0 },
    { "ciphers", LOAD_OPT_CIPHERS, 0, "LIST", "cipher suites to offer (wolfSSL names, colon-separated)", NULL, NULL, 0, 0 },
    { "sni", LOAD_OPT_SNI, 0, "NAME", "SNI to send", NULL, "the target host unless it is an IP", 0, 0 },
    { "groups", LOAD_OPT_GROUPS, 0, "LIST", "key-exchange groups, first one gets the key share; also X448, ffdhe2048, "
      "ffdhe3072, ffdhe4096, and X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024 to measure "
      "post-quantum hybrid key exchange", NULL, "X25519:P-256:P-384:P-521", 0, 0 },
    { "resume", LOAD_OPT_RESUME, 0, "RATIO", "this fraction of handshakes resumes a session (0..1)", NULL, NULL, 0, 0 },
    { "reuse-key-share", LOAD_OPT_REUSE_KEY_SHARE, 0, "DUR", "a shortcut for handshake load, off by default: each worker keeps "
      "one ephemeral key share (X25519, and one on the first P-curve of --groups) for DUR instead of making one "
      "per handshake; the gateway still does all of its own work, only the load client's forward secrecy is "
      "weakened; the summary and the JSON say when it is on", NULL, NULL, 0, 0 },
    { "no-signature-memo", LOAD_OPT_NO_SIGNATURE_MEMO, 0, NULL, "verify every ECDSA signature of the gateway "
      "afresh: by default each worker remembers the chain signatures that verified, byte for byte, and does not "
      "check the same ones again (the gateway's work is the same either way). A signature the client refuses is "
      "counted and kept in the JSON with the server's certificate, memo or not (docs/load.md)", NULL, NULL, 0,
      0 },
    { NULL, 0, 0, NULL, "output", NULL, NULL, 0, 0 },
    { "json", LOAD_OPT_JSON, 0, "FILE", "results with histograms and a per-second series (docs/results.md); - is "
      "standard output (the summary then goes to standard error); the path is checked before the load starts",
      NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "threshold", LOAD_OPT_THRESHOLD, 0, "EXPR", "e.g. handshake.p99<50ms, errors<0.1%, rate>=900/s; stageN.EXPR "
      "judges stage N alone; a breach gives exit 1", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "quiet", 'q', 'q', NULL, "no progress line", NULL, NULL, 0, 0 },
    { "verbose", 'v', 'v', NULL, "print errors as they happen (at most 10 a second per thread)", NULL, NULL, 0,
      0 },
    { "help", 'h', 'h', NULL, "this text", NULL, NULL, 0, 0 },
    CMD_OPTS_TARGET,
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

/* ---- parse: the options into load_args, each value checked alone ---- */

typedef struct load_args {
    const char *target, *fixtures, *client, *cert, *key;
    const char *chain, *pass_src, *ca, *mode_s, *method, *path;
    const char *body, *tls_s, *ciphers, *groups, *sni, *json, *topic;
    http_header headers[MAX_LIST];
    size_t n_headers;
    load_threshold thresholds[MAX_LIST];
    size_t n_thresholds;
    int verify, close_rst, connections, threads;
    int quiet, verbose, shard_i, shard_n;
    double rate, resume;
    int64_t duration_ms, warmup_ms, timeout_ms, reuse_key_share_ms;
    unsigned long long count;
    int duration_set;
    unsigned long long n_clients, streams;
    int http2, no_signature_memo;
    const char *client_dir, *source, *stages;
    cmd_target tgt;
} load_args;

static int load_opt(void *settings, int id, const char *val, mp_err *e)
{
    load_args *a = settings;
    unsigned long long ull;
    char *end;
    int t = cmd_target_opt(&a->tgt, id, val, e);
    if (t)
        return t < 0 ? -1 : 0;
    switch (id) {
    case 't': a->target = val; break;
    case 'f': a->fixtures = val; break;
    case LOAD_OPT_CLIENT: a->client = val; break;
    case LOAD_OPT_PASS: a->pass_src = val; break;
    case LOAD_OPT_CERT: a->cert = val; break;
    case LOAD_OPT_KEY: a->key = val; break;
    case LOAD_OPT_CHAIN: a->chain = val; break;
    case LOAD_OPT_CA: a->ca = val; break;
    case 'k': a->verify = 0; break;
    case LOAD_OPT_MODE: a->mode_s = val; break;
    case LOAD_OPT_CLOSE: a->close_rst = strcmp(val, "rst") == 0; break;
    case LOAD_OPT_METHOD: a->method = val; break;
    case LOAD_OPT_PATH: a->path = val; break;
    case 'H':
        if (a->n_headers == MAX_LIST)
            return mp_fail(e, "--header: too many");
        if (http_header_parse(val, &a->headers[a->n_headers], e) != 0)
            return mp_wrap(e, "--header");
        a->n_headers++;
        break;
    case LOAD_OPT_BODY: a->body = val; break;
    case LOAD_OPT_TOPIC:
        if (!*val || strpbrk(val, "+#") || strlen(val) > 256)
            return mp_fail(e, "--topic: a topic name of 1 to 256 bytes without the wildcards + and #, not '%s'", val);
        a->topic = val;
        break;
    case 'c':
        if (parse_count(val, &ull) != 0 || ull < 1 || ull > 1000000)
            return mp_fail(e, "-c must be 1..1000000");
        a->connections = (int)ull;
        break;
    case LOAD_OPT_RATE:
        if (tm_parse_rate(val, &a->rate, e) != 0) {
            mp_err why = *e;
            return mp_fail(e, "--%s", why.msg); /* "--rate 'abc' is not ..." */
        }
        break;
    case 'd':
        if (tm_parse_duration(val, &a->duration_ms, e) != 0)
            return mp_wrap(e, "--duration");
        if (a->duration_ms <= 0)
            return mp_fail(e, "--duration: must be positive");
        a->duration_set = 1;
        break;
    case 'n':
        if (parse_count(val, &a->count) != 0 || a->count == 0)
            return mp_fail(e, "--count must be a positive integer");
        break;
    case LOAD_OPT_WARMUP:
        if (tm_parse_duration(val, &a->warmup_ms, e) != 0)
            return mp_wrap(e, "--warmup");
        break;
    case LOAD_OPT_THREADS:
        if (parse_count(val, &ull) != 0 || ull < 1 || ull > 256)
            return mp_fail(e, "--threads must be 1..256");
        a->threads = (int)ull;
        break;
    case LOAD_OPT_SHARD:
        if (parse_shard(val, &a->shard_i, &a->shard_n) != 0)
            return mp_fail(e, "--shard must be I/N with 0 <= I < N, not '%s'", val);
        break;
    case LOAD_OPT_TIMEOUT:
        if (tm_parse_duration(val, &a->timeout_ms, e) != 0)
            return mp_wrap(e, "--timeout");
        if (a->timeout_ms <= 0)
            return mp_fail(e, "--timeout: must be positive");
        break;
    case LOAD_OPT_TLS: a->tls_s = val; break;
    case LOAD_OPT_CIPHERS: a->ciphers = val; break;
    case LOAD_OPT_GROUPS: a->groups = val; break;
    case LOAD_OPT_SNI: a->sni = val; break;
    case LOAD_OPT_REUSE_KEY_SHARE:
        if (tm_parse_duration(val, &a->reuse_key_share_ms, e) != 0)
            return mp_wrap(e, "--reuse-key-share");
        if (a->reuse_key_share_ms <= 0)
            return mp_fail(e, "--reuse-key-share: give a duration above zero, e.g. 10s");
        break;
    case LOAD_OPT_RESUME:
        a->resume = strtod(val, &end);
        if (end == val || *end || a->resume < 0 || a->resume > 1)
            return mp_fail(e, "--resume must be a ratio from 0 to 1");
        break;
    case LOAD_OPT_JSON: a->json = val; break;
    case LOAD_OPT_THRESHOLD:
        if (a->n_thresholds == MAX_LIST)
            return mp_fail(e, "too many --threshold");
        if (load_threshold_parse(val, &a->thresholds[a->n_thresholds], e) != 0)
            return -1;
        a->n_thresholds++;
        break;
    case LOAD_OPT_CLIENTS:
        if (parse_count(val, &a->n_clients) != 0 || a->n_clients < 1 || a->n_clients > 1000000)
            return mp_fail(e, "--clients must be 1..1000000");
        break;
    case LOAD_OPT_CLIENT_DIR: a->client_dir = val; break;
    case LOAD_OPT_SOURCE: a->source = val; break;
    case LOAD_OPT_STAGES: a->stages = val; break;
    case LOAD_OPT_HTTP2: a->http2 = 1; break;
    case LOAD_OPT_NO_SIGNATURE_MEMO: a->no_signature_memo = 1; break;
    case LOAD_OPT_STREAMS:
        if (parse_count(val, &a->streams) != 0 || a->streams < 1 || a->streams > 1000)
            return mp_fail(e, "--streams must be 1..1000");
        break;
    case 'q': a->quiet = 1; break;
    case 'v': a->verbose = 1; break;
    }
    return 0;
}

/* ---- what a load holds from validation to the end, freed in one place ---- */

typedef struct load_state {
    load_args a;
    cmd_output outs[1];
    load_config cfg;
    int stages_open;
    net_url url;
    proto_config app;
    pki_manifest m;
    int have_manifest;
    pki_identity ident;
    pki_fleet fleet;
    net_addr *sources;
    int n_sources;
    char *req;
    http_h2c_request *h2req;
    char threads_why[96];
} load_state;

static void load_state_init(load_state *l)
{
    memset(l, 0, sizeof *l);
    load_args *a = &l->a;
    a->mode_s = "handshake";
    a->method = "GET";
    a->body = "";
    a->verify = 1;
    a->connections = 16;
    a->shard_n = 1;
    a->duration_ms = 10000;
    a->timeout_ms = 5000;
}

static void load_state_free(load_state *l)
{
    free(l->req);
    pki_identity_free(&l->ident);
    http_h2c_request_free(l->h2req);
    pki_fleet_free(&l->fleet);
    if (l->have_manifest)
        pki_manifest_free(&l->m);
    free(l->sources);
    cmd_target_free(&l->a.tgt);
    for (size_t i = 0; i < l->a.n_headers; i++) {
        free(l->a.headers[i].name);
        free(l->a.headers[i].value);
    }
}

/* ---- validate: the options together, the identity, the request ---- */

/* The client identity: --cert files (checked to match), a fixture, or none. */
static int load_identity(load_state *l)
{
    load_args *a = &l->a;
    load_config *cfg = &l->cfg;
    mp_err e = { { 0 } };
    if (a->cert || a->key || a->chain) {
        if (!a->cert) {
            cmd_error("load", "--key and --chain go with --cert");
            return -1;
        }
        if (access(a->cert, R_OK) != 0 || (a->key && access(a->key, R_OK) != 0) ||
            (a->chain && access(a->chain, R_OK) != 0)) {
            cmd_error("load", "cannot read %s",
                      access(a->cert, R_OK) ? a->cert : a->key && access(a->key, R_OK) ? a->key : a->chain);
            return -1;
        }
        /* User files, unlike fixtures, must hold a key that matches
         * (pki_identity_load checks); an encrypted key or PKCS#12 file is
         * opened once, here, and handed to the workers in memory. */
        char pass[PKI_PASS_MAX + 1];
        if (a->pass_src && cmd_read_pass("load", a->pass_src, pass, sizeof pass) != 0)
            return -1;
        int lrc = pki_identity_load(&l->ident, a->chain ? a->chain : a->cert, a->key, a->pass_src ? pass : NULL, &e);
        explicit_bzero(pass, sizeof pass);
        if (lrc != 0) {
            cmd_error("load", "%s", e.msg);
            return -1;
        }
        cfg->tls.chain_file = l->ident.cert_path;
        cfg->tls.key_file = a->key;
        cfg->tls.chain_pem = l->ident.chain_pem;
        cfg->tls.chain_pem_len = l->ident.chain_pem_len;
        cfg->tls.key_der = l->ident.key_der;
        cfg->tls.key_der_len = l->ident.key_der_len;
        cfg->tls.require_key_match = 1;
        a->client = a->cert;
    } else if (a->client && strcmp(a->client, "none") == 0) {
        /* server-auth only: no client certificate is offered */
    } else if (l->have_manifest) {
        a->client = a->client ? a->client : "client/valid";
        const pki_manifest_entry *f = pki_manifest_find(&l->m, a->client);
        if (!f || !f->chain) {
            cmd_error("load", "unknown client fixture '%s' in %s", a->client, l->m.dir);
            return -1;
        }
        cfg->tls.chain_file = f->chain;
        cfg->tls.key_file = f->key;
    } else {
        cmd_error("load", "give --fixtures (with --client NAME) or --cert and --key");
        return -1;
    }
    if (a->n_clients) {
        const pki_manifest_entry *leaf = l->have_manifest && !a->cert ? pki_manifest_find(&l->m, a->client) : NULL;
        const pki_manifest_entry *issuer = leaf && leaf->issuer ? pki_manifest_find(&l->m, leaf->issuer) : NULL;
        if (!issuer || !issuer->key) {
            cmd_error("load", "--clients issues certificates under the client fixture's issuer: give --fixtures");
            return -1;
        }
        if (pki_fleet_issue(&l->fleet, issuer->cert, issuer->key, (size_t)a->n_clients, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            return -1;
        }
        if (!a->quiet)
            fprintf(stderr, "load: issued %zu client identities under %s in %.2f s\n", l->fleet.n, issuer->name,
                    l->fleet.seconds);
        cfg->fleet = &l->fleet;
    } else if (a->client_dir) {
        if (pki_fleet_read_dir(&l->fleet, a->client_dir, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            return -1;
        }
        cfg->fleet = &l->fleet;
    }
    return 0;
}

/* The request bytes (HTTP/1.1) or the HTTP/2 request, for request and
 * keepalive modes. */
static int load_request(load_state *l)
{
    load_args *a = &l->a;
    load_config *cfg = &l->cfg;
    mp_err e = { { 0 } };
    size_t req_len = 0;
    const char *path = a->path ? a->path : l->url.path;
    if (cfg->proto == PROTO_TLS && cfg->mode != LOAD_HANDSHAKE) {
        if (proto_for(NET_SCHEME_TLS)->default_request(&l->url, NULL, 0, &l->app, &l->req, &req_len, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            return -1;
        }
        cfg->request = l->req;
        cfg->request_len = req_len;
        cfg->expect = l->app.expect;
        cfg->expect_len = l->app.expect_len;
        return 0;
    }
    if (cfg->proto == PROTO_MQTT && cfg->mode != LOAD_HANDSHAKE) {
        proto_config pc = l->app;
        pc.client_id = ""; /* each connection its own, assigned by the broker (a clean session) */
        if (proto_for(NET_SCHEME_MQTTS)->default_request(&l->url, NULL, 0, &pc, &l->req, &req_len, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            return -1;
        }
        cfg->request = l->req;
        cfg->request_len = req_len;
        cfg->mqtt_version = pc.mqtt_version;
        return 0;
    }
    if (cfg->mode != LOAD_HANDSHAKE &&
        http_request_build(a->method, path, l->url.authority, a->headers, a->n_headers, a->body, strlen(a->body),
                           &l->req, &req_len, &e) != 0) {
        cmd_error("load", "%s", e.msg);
        return -1;
    }
    cfg->request = l->req;
    cfg->request_len = req_len;
    if ((a->http2 || a->streams) && cfg->mode == LOAD_HANDSHAKE) {
        cmd_error("load", "--http2 and --streams need --mode request or keepalive");
        return -1;
    }
    if (a->streams && !a->http2) {
        cmd_error("load", "--streams counts HTTP/2 streams: add --http2");
        return -1;
    }
    if (a->streams > 1 && cfg->mode != LOAD_KEEPALIVE) {
        cmd_error("load", "--streams above 1 needs --mode keepalive (request mode is one request per connection)");
        return -1;
    }
    if (a->http2) {
        http_h2_request hq = { .method = a->method, .scheme = "https", .authority = l->url.authority,
                               .path = path, .headers = a->headers, .n_headers = a->n_headers };
        if (!(l->h2req = http_h2c_request_new(&hq, a->body, strlen(a->body), &e))) {
            cmd_error("load", "%s", e.msg);
            return -1;
        }
        cfg->http2 = 1;
        cfg->streams = a->streams ? (int)a->streams : 1;
        cfg->h2req = l->h2req;
    }
    return 0;
}

/* The schedule: stages, this shard's share of -c, --rate and -n. */
static void load_schedule(load_state *l)
{
    load_args *a = &l->a;
    load_config *cfg = &l->cfg;
    if (cfg->n_stages) {
        a->duration_ms = load_stages_total_ns(cfg->stages, cfg->n_stages) / 1000000LL;
        double top = 0;
        for (int k = 0; k < cfg->n_stages; k++) {
            top = cfg->stages[k].target > top ? cfg->stages[k].target : top;
            cfg->stages[k].target /= a->shard_n; /* each shard drives its share */
        }
        if (l->stages_open)
            a->rate = top > 0 ? top : 1;
        else
            a->connections = (int)(top + 0.5) > 0 ? (int)(top + 0.5) : 1;
    }
    cfg->connections = a->connections / a->shard_n + (a->shard_i < a->connections % a->shard_n);
    if (cfg->connections < 1)
        cfg->connections = 1;
    cfg->rate = a->rate / a->shard_n;
    if (a->count && !a->duration_set)
        a->duration_ms = 0;
    cfg->duration_ns = a->duration_ms * 1000000LL;
    cfg->warmup_ns = a->warmup_ms * 1000000LL;
    unsigned long long n = (unsigned long long)a->shard_n;
    cfg->count = a->count ? a->count / n + ((unsigned long long)a->shard_i < a->count % n) : 0;
    cfg->resume_ratio = a->resume;
}

static int load_validate(load_state *l)
{
    load_args *a = &l->a;
    load_config *cfg = &l->cfg;
    mp_err e = { { 0 } };
    l->outs[0] = (cmd_output){ "--json", a->json, 0, 0 };
    if (cmd_check_outputs("load", l->outs, 1) != MP_EXIT_OK)
        return -1;
    if (a->stages) {
        if (load_stages_parse(a->stages, cfg->stages, &cfg->n_stages, &l->stages_open, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            return -1;
        }
        if (a->duration_set || a->count || a->rate > 0 || a->warmup_ms > 0) {
            cmd_error("load", "--stages sets the rate or connections over time: drop -d, -n, --rate and --warmup");
            return -1;
        }
    }
    if (a->n_clients && a->client_dir) {
        cmd_error("load", "--clients and --client-dir exclude each other");
        return -1;
    }
    if (a->source && net_source_range_parse(a->source, &l->sources, &l->n_sources, &e) != 0) {
        cmd_error("load", "%s", e.msg);
        return -1;
    }
    if (net_url_parse(a->target, &l->url, &e) != 0) {
        cmd_error("load", "%s", e.msg);
        return -1;
    }
    if (cmd_target_config(&a->tgt, "load", l->url.scheme, &l->app) != 0)
        return -1;
    if (a->tgt.client_id) {
        cmd_error("load", "--client-id: every connection of a load gets its own client id (the broker assigns one); "
                          "one shared id would have the broker drop the older connections");
        return -1;
    }
    if (a->tgt.expect_len > LOAD_MAX_EXPECT) {
        cmd_error("load", "--expect: at most %d bytes in a load", LOAD_MAX_EXPECT);
        return -1;
    }
    /* the table allows only these names */
    int connect_mode = strcmp(a->mode_s, "connect") == 0, publish_mode = strcmp(a->mode_s, "publish") == 0;
    int mqtt_mode = connect_mode || publish_mode;
    cfg->mode = strcmp(a->mode_s, "request") == 0 || connect_mode ? LOAD_REQUEST
                : strcmp(a->mode_s, "keepalive") == 0 || publish_mode ? LOAD_KEEPALIVE : LOAD_HANDSHAKE;
    cfg->proto = proto_for(l->url.scheme)->kind;
    int tls_request = l->url.scheme == NET_SCHEME_TLS && cfg->mode == LOAD_REQUEST && !mqtt_mode;
    if (l->url.scheme == NET_SCHEME_MQTTS ? cfg->mode != LOAD_HANDSHAKE && !mqtt_mode
        : l->url.scheme == NET_SCHEME_HTTPS ? mqtt_mode : cfg->mode != LOAD_HANDSHAKE && !tls_request) {
        cmd_error("load", "--mode %s does not go with a %s:// target (https://: handshake, request, keepalive; "
                          "mqtts://: handshake, connect, publish; tls://: handshake, request with --send and "
                          "--expect; grpcs://: handshake)",
                  a->mode_s, net_scheme_name(l->url.scheme));
        return -1;
    }
    if (tls_request != (a->tgt.expect != NULL) || (a->tgt.send && !tls_request)) {
        cmd_error("load", "a tls:// load in --mode request sends --send's bytes and waits for --expect's: give "
                          "--expect (and --send if the service waits for the client), and both only then");
        return -1;
    }
    if (a->topic && !publish_mode) {
        cmd_error("load", "--topic goes with --mode publish");
        return -1;
    }
    cfg->mqtt_topic = a->topic ? a->topic : "mtlsprobe/load";
    cfg->mqtt_body = a->body;
    cfg->tls.version = TLS_ANY;
    if (a->tls_s)
        tls_version_parse(a->tls_s, &cfg->tls.version);
    if (a->fixtures) {
        if (pki_manifest_load(&l->m, a->fixtures, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            return -1;
        }
        l->have_manifest = 1;
    }
    if (load_identity(l) != 0)
        return -1;
    cfg->sources = l->sources;
    cfg->n_sources = l->n_sources;
    cfg->tls.verify_peer = a->verify;
    /* each worker owns its client (load/worker.c), so it may remember
     * signatures and keep the one it refused */
    cfg->tls.memo_signatures = !a->no_signature_memo;
    cfg->tls.watch_signatures = 1;
    cfg->tls.reuse_key_share_ns = a->reuse_key_share_ms * 1000000LL;
    cfg->tls.ca_file = a->ca ? a->ca : l->have_manifest ? l->m.trust_bundle : NULL;
    if (a->verify && !cfg->tls.ca_file) {
        cmd_error("load", "give --ca (or --fixtures) to verify the gateway, or --no-verify");
        return -1;
    }
    cfg->tls.ciphers = a->ciphers;
    /* One classical key share unless asked otherwise: wolfSSL's default
     * adds an ML-KEM hybrid share the gateway may not use, which costs the
     * generator a key generation per handshake. */
    cfg->tls.groups = a->groups ? a->groups : "X25519:P-256:P-384:P-521";
    unsigned char ipbuf[16];
    int is_ip = inet_pton(AF_INET, l->url.host, ipbuf) == 1 || inet_pton(AF_INET6, l->url.host, ipbuf) == 1;
    str_copy(cfg->sni, sizeof cfg->sni, a->sni ? a->sni : is_ip ? "" : l->url.host);
    if (net_resolve(l->url.host, l->url.port, &cfg->addr, &e) != 0) {
        cmd_error("load", "%s", e.msg);
        return -1;
    }
    if (load_request(l) != 0)
        return -1;
    cfg->close_rst = a->close_rst;
    /* for tests only: a small series, so a short run shows it folding */
    const char *cap = getenv("MTLSPROBE_TEST_SERIES_CAP");
    if (cap && atoi(cap) >= 2)
        cfg->series_cap = atoi(cap);
    load_schedule(l);
    if (a->threads > 0)
        snprintf(l->threads_why, sizeof l->threads_why, "--threads %d", a->threads);
    else
        a->threads = load_default_threads(l->threads_why, sizeof l->threads_why);
    cfg->threads = a->threads;
    cfg->verbose = a->verbose;
    cfg->timeout_ns = a->timeout_ms * 1000000LL;
    return 0;
}

/* ---- act: the load, the summary and thresholds, the JSON ---- */

static int load_act(load_state *l, int argc, char **argv)
{
    load_args *a = &l->a;
    load_config *cfg = &l->cfg;
    mp_err e = { { 0 } };
    cfg->stop = cmd_stop_on_signals();
    signal(SIGPIPE, SIG_IGN);

    progress_state ps = { isatty(STDERR_FILENO), tm_mono_ns() };
    load_result r;
    long long started_ms = (long long)res_now_ms();
    if (load_run(cfg, &r, a->quiet ? NULL : progress, &ps, &e) != 0) {
        cmd_error("load", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    long long finished_ms = (long long)res_now_ms();
    if (!a->quiet && ps.tty)
        fprintf(stderr, "\n");

    /* summary (on standard error when --json is -) */
    int saved_stdout = cmd_stdout_reserve(l->outs, 1);
    const char *fleet_origin = a->n_clients ? "issued for this run" : a->client_dir;
    cmd_load_view view = {
        .mode = a->mode_s, .target = a->target,
        .tls = a->tls_s ? tls_version_name(cfg->tls.version) : "TLS 1.2/1.3",
        .threads = a->threads, .threads_why = l->threads_why, .open_loop = a->rate > 0, .resume = a->resume > 0,
        .fleet_n = l->fleet.n, .fleet_origin = fleet_origin,
        .source = a->source, .n_sources = l->n_sources, .shard_n = a->shard_n, .stages_open = l->stages_open,
    };
    cmd_load_summary(cfg, &r, &view);
    /* 1 on a breach; else 3 when nothing (or not all that was asked) was
     * measured, so a gate is never green over a load that did not happen */
    int breached = 0, unjudged = 0;
    for (size_t i = 0; i < a->n_thresholds; i++) {
        char obs[64];
        int ok = load_threshold_check(&a->thresholds[i], &r, obs, sizeof obs);
        printf("  %s threshold %s: %s (%s)\n", ok > 0 ? "\u2713" : ok < 0 ? "?" : "\u2717", a->thresholds[i].text,
               ok > 0 ? "met" : ok < 0 ? "NOT MEASURED" : "BREACHED", obs);
        breached |= ok == 0;
        unjudged |= ok < 0;
    }
    /* Nothing succeeded: there is no measurement to judge, whatever the
     * thresholds say (the same meaning as run's exit 3). */
    if (r.ok == 0)
        printf("  nothing measured: no handshake%s succeeded%s\n",
               cfg->mode == LOAD_HANDSHAKE ? "" : cfg->proto == PROTO_MQTT ? " or CONNECT" : " or request",
               r.started || r.in_flight ? "" : " (none ended)");
    int rc = breached ? MP_EXIT_FAIL : unjudged || !r.ok || r.interrupted ? MP_EXIT_UNJUDGED : MP_EXIT_OK;
    cmd_stdout_restore(saved_stdout);
    if (a->json) {
        char cmdline[2048];
        cmd_join_argv(argc, argv, cmdline, sizeof cmdline);
        load_meta lm = {
            .target = a->target, .mode = a->mode_s,
            .tls_version = a->tls_s ? tls_version_name(cfg->tls.version) : "any", .client = a->client,
            .connections = cfg->connections, .rate = cfg->rate, .duration_s = (double)a->duration_ms / 1000,
            .warmup_s = (double)a->warmup_ms / 1000, .count = cfg->count, .resume_ratio = a->resume,
            .reuse_key_share_s = (double)a->reuse_key_share_ms / 1000,
            .threads = a->threads, .threads_reason = l->threads_why, .thresholds = a->thresholds,
            .n_thresholds = a->n_thresholds, .shard_index = a->shard_i,
            .fixtures_dir = l->have_manifest ? l->m.dir : NULL,
            .manifest_sha256 = l->have_manifest ? l->m.sha256 : NULL, .shard_count = a->shard_n,
            .command_line = cmdline, .tool_version = MTLSPROBE_VERSION, .wolfssl_version = tls_library_version(),
            .started_ms = started_ms, .finished_ms = finished_ms,
            .fleet_size = l->fleet.n, .fleet_origin = a->n_clients ? "issued" : a->client_dir,
            .sources = a->source, .n_sources = l->n_sources, .http2_streams = cfg->http2 ? cfg->streams : 0,
            .stages = cfg->stages, .n_stages = cfg->n_stages, .stages_open = l->stages_open,
            .proto = cfg->proto,
        };
        if (load_write_json(&r, &lm, a->json, &e) != 0) {
            cmd_error("load", "%s", e.msg);
            rc = MP_EXIT_USAGE;
        }
    }
    load_result_free(&r);
    return rc;
}

/* Parse, validate, act; one cleanup path. */
int cmd_load(int argc, char **argv)
{
    static load_state l; /* its lists are large for a stack */
    load_state_init(&l);
    int first;
    cmd_parse_result pr = cmd_parse(&cmd_load_verb, argc, argv, 0, load_opt, &l.a, &first);
    int rc = pr == CMD_PARSE_HELP ? MP_EXIT_OK : MP_EXIT_USAGE;
    if (pr == CMD_PARSED && load_validate(&l) == 0)
        rc = load_act(&l, argc, argv);
    load_state_free(&l);
    return rc;
}
