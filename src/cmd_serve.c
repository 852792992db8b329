/* `mtlsprobe serve`: the reference gateway and the helper servers (OCSP
 * responder, CRLs over HTTP, HTTPS echo upstreams). With helper options and
 * no --listen only the helpers run; with --listen too, both. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "pki/manifest.h"
#include "serve/gateway.h"
#include "serve/helpers.h"
#include "util/timeutil.h"

enum serve_opt_id {
    SERVE_CERT = CMD_OPT_ID_BASE, SERVE_IDENTITY, SERVE_PASS, SERVE_TIMEOUT, SERVE_MAX_CONNECTIONS, SERVE_OCSP,
    SERVE_OCSP_MODE, SERVE_OCSP_DELAY, SERVE_CRL_HTTP, SERVE_CRL_STALE, SERVE_UPSTREAM, SERVE_UPSTREAM_RECORD,
};

static const cmd_opt serve_opts[] = {
    { "fixtures", 'f', 'f', "DIR", "fixtures directory with manifest.json", NULL, NULL, CMD_COMPLETE_DIR,
      CMD_OPT_REQUIRED },
    { "listen", 'l', 'l', "ADDR", "address and port ([::1]:8443 for IPv6); port 0 picks a free one, named on the "
      "first line of standard output", NULL, "127.0.0.1:8443", 0, 0 },
    { "cert", SERVE_CERT, 0, "NAME", "server fixture to present", NULL, "server/valid", 0, 0 },
    { "identity", SERVE_IDENTITY, 0, "NAME=CERT[,KEY]", "present your own certificate and key in place of the server "
      "fixture NAME (also for --upstream fixtures): PEM or DER with a plain or encrypted key (PKCS#8, "
      "traditional PEM), or a PKCS#12 file (.p12/.pfx, no KEY)", NULL, NULL, CMD_COMPLETE_FILE,
      CMD_OPT_REPEAT },
    { "pass", SERVE_PASS, 0, "SRC", "their password: env:VAR, file:PATH, fd:N, pass:TEXT", NULL, NULL, 0, 0 },
    { "timeout", SERVE_TIMEOUT, 0, "DUR", "per connection, handshake to response, then per kept-alive request, idle time "
      "included", NULL, "10s", 0, 0 },
    { "max-connections", SERVE_MAX_CONNECTIONS, 0, "N", "connections open at once, per server; beyond it a new one is reset and "
      "the log says so once a second (a connection costs about 3 KB until its peer speaks, some 100 KB "
      "during its handshake and request)", NULL, "10000", 0, 0 },
    { "quiet", 'q', 'q', NULL, "no connection log (the gateway's \"listening on\" line stays)", NULL, NULL, 0, 0 },
    { NULL, 0, 0, NULL, "helper servers (without --listen, only the helpers run)", NULL, NULL, 0, 0 },
    { "ocsp", SERVE_OCSP, 0, "ADDR", "OCSP responder over HTTP (POST and GET) for the fixture CAs; ca/intermediate's "
      "(or an imported ca/org's) answers signed by ca/ocsp-signer", NULL, NULL, 0, 0 },
    { "ocsp-mode", SERVE_OCSP_MODE, 0, NULL, "normal, down (reset every connection), unknown (every certificate unknown), "
      "slow (answer after --ocsp-delay)", "normal|down|unknown|slow", "normal", 0, 0 },
    { "ocsp-delay", SERVE_OCSP_DELAY, 0, "DUR", "delay of --ocsp-mode slow (at most 300s)", NULL, "30s", 0, 0 },
    { "crl-http", SERVE_CRL_HTTP, 0, "ADDR", "CRLs over HTTP: GET /<ca>.crl (DER), /<ca>.crl.pem (PEM), e.g. "
      "/ca/intermediate.crl", NULL, NULL, 0, 0 },
    { "crl-stale", SERVE_CRL_STALE, 0, NULL, "serve CRLs whose nextUpdate has passed", NULL, NULL, 0, 0 },
    { "upstream", SERVE_UPSTREAM, 0, "ADDR=FIXTURE[,client-auth]", "HTTPS echo upstream presenting server/FIXTURE (valid, "
      "expired, wrong-san, self-signed, untrusted, pin-mismatch...); client-auth requires a client certificate; "
      "answers with JSON of what arrived", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "upstream-record", SERVE_UPSTREAM_RECORD, 0, "FILE", "append each echoed request to FILE (JSON lines)", NULL, NULL,
      CMD_COMPLETE_FILE, 0 },
    { "help", 'h', 'h', NULL, "this text", NULL, NULL, 0, 0 },
};

const cmd_verb cmd_serve_verb = {
    .name = "serve",
    .summary = "a reference mTLS gateway and helper servers",
    .usage = "mtlsprobe serve --fixtures DIR [options]",
    .description =
        "Runs a strict reference mTLS gateway: TLS 1.2 and 1.3, AEAD suites with forward\n"
        "secrecy only (TLS 1.3 suites; ECDHE with AES-GCM or ChaCha20-Poly1305), groups\n"
        "X25519, P-256, P-384, client-initiated renegotiation refused, TCP_NODELAY;\n"
        "client certificates required and verified against the fixtures' trust bundle\n"
        "and every CA's CRL, no SHA-1, keyUsage must allow signing, RSA keys of 2048 bits\n"
        "or more. Answers every request with the verified client subject; logs one line\n"
        "per request or refused connection. `mtlsprobe run` against it passes every\n"
        "scenario, and every suite under the mozilla-intermediate and pci-dss-4 profiles.\n"
        "The helpers below share its HTTP/1.1 server and TLS defaults. Stops on SIGINT or\n"
        "SIGTERM.\n",
    .opts = serve_opts,
    .n_opts = sizeof serve_opts / sizeof serve_opts[0],
    .exit_codes = "  0  stopped cleanly\n  2  usage or setup error (e.g. the port is taken)\n",
    .fn = cmd_serve,
};

typedef struct serve_args {
    const char *fixtures, *listen, *cert;
    int64_t timeout_ms;
    int max_connections, quiet, listen_given;
    srv_helpers_opts ho;
    srv_upstream ups[32];
    size_t n_ups;
    const char *identities[32], *pass_src;
    size_t n_identities;
} serve_args;

static int serve_opt(void *settings, int id, const char *val, mp_err *e)
{
    serve_args *a = settings;
    switch (id) {
    case 'f': a->fixtures = val; break;
    case 'l': a->listen = val; a->listen_given = 1; break;
    case SERVE_OCSP: a->ho.ocsp_listen = val; break;
    case SERVE_OCSP_MODE:
        if (srv_ocsp_mode_parse(val, &a->ho.ocsp_mode) != 0)
            return mp_fail(e, "--ocsp-mode: unknown mode '%s'", val);
        break;
    case SERVE_OCSP_DELAY:
        if (tm_parse_duration(val, &a->ho.ocsp_delay_ms, e) != 0)
            return mp_wrap(e, "--ocsp-delay");
        if (a->ho.ocsp_delay_ms <= 0 || a->ho.ocsp_delay_ms > 300000)
            return mp_fail(e, "--ocsp-delay: must be between 1ms and 300s");
        break;
    case SERVE_CRL_HTTP: a->ho.crl_listen = val; break;
    case SERVE_CRL_STALE: a->ho.crl_stale = 1; break;
    case SERVE_UPSTREAM:
        if (a->n_ups == sizeof a->ups / sizeof a->ups[0])
            return mp_fail(e, "at most %zu --upstream", sizeof a->ups / sizeof a->ups[0]);
        if (srv_upstream_parse(val, &a->ups[a->n_ups], e) != 0)
            return -1;
        a->n_ups++;
        break;
    case SERVE_UPSTREAM_RECORD: a->ho.record_file = val; break;
    case SERVE_IDENTITY:
        if (a->n_identities == sizeof a->identities / sizeof a->identities[0])
            return mp_fail(e, "at most %zu --identity", sizeof a->identities / sizeof a->identities[0]);
        a->identities[a->n_identities++] = val;
        break;
    case SERVE_PASS: a->pass_src = val; break;
    case SERVE_CERT: a->cert = val; break;
    case SERVE_TIMEOUT:
        if (tm_parse_duration(val, &a->timeout_ms, e) != 0)
            return mp_wrap(e, "--timeout");
        if (a->timeout_ms <= 0)
            return mp_fail(e, "--timeout: must be positive");
        break;
    case SERVE_MAX_CONNECTIONS: {
        char *end;
        long v = strtol(val, &end, 10);
        if (*val == '\0' || *end || v < 1 || v > 1000000)
            return mp_fail(e, "--max-connections must be 1..1000000, not '%s'", val);
        a->max_connections = (int)v;
        break;
    }
    case 'q': a->quiet = 1; break;
    }
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    static serve_args a; /* the upstreams are large for a stack */
    memset(&a, 0, sizeof a);
    a.listen = "127.0.0.1:8443";
    a.cert = "server/valid";
    a.timeout_ms = 10000;
    a.max_connections = SRV_HTTP_MAX_CONNECTIONS;
    a.ho.ocsp_delay_ms = 30000;
    a.ho.timeout_ms = 10000;
    int first;
    cmd_parse_result pr = cmd_parse(&cmd_serve_verb, argc, argv, 0, serve_opt, &a, &first);
    if (pr != CMD_PARSED)
        return pr == CMD_PARSE_HELP ? MP_EXIT_OK : MP_EXIT_USAGE;
    const char *fixtures = a.fixtures, *listen = a.listen, *cert = a.cert;
    int64_t timeout_ms = a.timeout_ms;
    int max_connections = a.max_connections, quiet = a.quiet, listen_given = a.listen_given;
    mp_err e = { { 0 } };
    srv_helpers_opts ho = a.ho;
    srv_upstream *ups = a.ups;
    size_t n_ups = a.n_ups;
    const char **identities = a.identities, *pass_src = a.pass_src;
    size_t n_identities = a.n_identities;

    pki_manifest m;
    if (pki_manifest_load(&m, fixtures, &e) != 0) {
        cmd_error("serve", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    if (cmd_apply_identities("serve", &m, identities, n_identities, pass_src) != 0) {
        pki_manifest_free(&m);
        return MP_EXIT_USAGE;
    }
    int helpers = ho.ocsp_listen || ho.crl_listen || n_ups;
    /* The gateway binds first, so the first line of standard output names
     * its address (the port the kernel chose for port 0 included). */
    srv_gateway_opts o = { listen, &m, cert, timeout_ms, quiet ? NULL : stdout, stdout, max_connections };
    srv_gateway *gw = NULL;
    if ((!helpers || listen_given) && srv_gateway_start(&o, &gw, &e) != 0) {
        cmd_error("serve", "%s", e.msg);
        pki_manifest_free(&m);
        return MP_EXIT_USAGE;
    }
    srv_helpers *h = NULL;
    if (helpers) {
        ho.fixtures = &m;
        ho.upstreams = ups;
        ho.n_upstreams = n_ups;
        ho.timeout_ms = timeout_ms;
        ho.max_connections = max_connections;
        ho.log = quiet ? NULL : stdout;
        if (srv_helpers_start(&ho, &h, &e) != 0 || (gw && srv_helpers_spawn(h, &e) != 0)) {
            cmd_error("serve", "%s", e.msg);
            srv_helpers_free(h);
            srv_gateway_free(gw);
            pki_manifest_free(&m);
            return MP_EXIT_USAGE;
        }
        if (!gw)
            srv_helpers_run(h);
    }
    if (gw)
        srv_gateway_run(gw);
    srv_helpers_free(h);
    srv_gateway_free(gw);
    pki_manifest_free(&m);
    return MP_EXIT_OK;
}
