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

static const cmd_opt serve_opts[] = {
    { "fixtures", 'f', 'f', "DIR", "fixtures directory with manifest.json", NULL, NULL, CMD_COMPLETE_DIR,
      CMD_OPT_REQUIRED },
    { "listen", 'l', 'l', "ADDR", "address and port ([::1]:8443 for IPv6)", NULL, "127.0.0.1:8443", 0, 0 },
    { "cert", 'c', 0, "NAME", "server fixture to present", NULL, "server/valid", 0, 0 },
    { "identity", 'I', 0, "NAME=CERT[,KEY]", "present your own certificate and key in place of the server "
      "fixture NAME (also for --upstream fixtures): PEM or DER with a plain or encrypted key (PKCS#8, "
      "traditional PEM), or a PKCS#12 file (.p12/.pfx, no KEY)", NULL, NULL, CMD_COMPLETE_FILE,
      CMD_OPT_REPEAT },
    { "pass", 'P', 0, "SRC", "their password: env:VAR, file:PATH, fd:N, pass:TEXT", NULL, NULL, 0, 0 },
    { "timeout", 'T', 0, "DUR", "per connection, handshake to response, then per kept-alive request, idle time "
      "included", NULL, "10s", 0, 0 },
    { "max-connections", 'C', 0, "N", "connections open at once, per server; beyond it a new one is reset and "
      "the log says so once a second (a connection costs about 1 KB until its peer speaks, some 100 KB "
      "during its handshake and request)", NULL, "10000", 0, 0 },
    { "quiet", 'q', 'q', NULL, "no connection log", NULL, NULL, 0, 0 },
    { NULL, 0, 0, NULL, "helper servers (without --listen, only the helpers run)", NULL, NULL, 0, 0 },
    { "ocsp", 'O', 0, "ADDR", "OCSP responder over HTTP (POST and GET) for the fixture CAs; ca/intermediate's "
      "(or an imported ca/org's) answers signed by ca/ocsp-signer", NULL, NULL, 0, 0 },
    { "ocsp-mode", 'M', 0, NULL, "normal, down (reset every connection), unknown (every certificate unknown), "
      "slow (answer after --ocsp-delay)", "normal|down|unknown|slow", "normal", 0, 0 },
    { "ocsp-delay", 'D', 0, "DUR", "delay of --ocsp-mode slow (at most 300s)", NULL, "30s", 0, 0 },
    { "crl-http", 'R', 0, "ADDR", "CRLs over HTTP: GET /<ca>.crl (DER), /<ca>.crl.pem (PEM), e.g. "
      "/ca/intermediate.crl", NULL, NULL, 0, 0 },
    { "crl-stale", 'S', 0, NULL, "serve CRLs whose nextUpdate has passed", NULL, NULL, 0, 0 },
    { "upstream", 'U', 0, "ADDR=FIXTURE[,client-auth]", "HTTPS echo upstream presenting server/FIXTURE (valid, "
      "expired, wrong-san, self-signed, untrusted, pin-mismatch...); client-auth requires a client certificate; "
      "answers with JSON of what arrived", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "upstream-record", 'W', 0, "FILE", "append each echoed request to FILE (JSON lines)", NULL, NULL,
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

int cmd_serve(int argc, char **argv)
{
    const char *fixtures = NULL, *listen = "127.0.0.1:8443", *cert = "server/valid";
    int64_t timeout_ms = 10000;
    int max_connections = SRV_HTTP_MAX_CONNECTIONS;
    int quiet = 0, c, listen_given = 0;
    mp_err e = { { 0 } };
    srv_helpers_opts ho = { .ocsp_delay_ms = 30000, .timeout_ms = 10000 };
    srv_upstream ups[32];
    size_t n_ups = 0;
    const char *identities[32], *pass_src = NULL;
    size_t n_identities = 0;
    cmd_getopt g;
    if (cmd_getopt_build(&cmd_serve_verb, &g) != 0) {
        cmd_error("serve", "option table too long");
        return MP_EXIT_USAGE;
    }
    opterr = 0;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fixtures = optarg; break;
        case 'l': listen = optarg; listen_given = 1; break;
        case 'O': ho.ocsp_listen = optarg; break;
        case 'M':
            if (srv_ocsp_mode_parse(optarg, &ho.ocsp_mode) != 0) {
                cmd_error("serve", "--ocsp-mode must be normal, down, unknown or slow, not '%s'", optarg);
                return MP_EXIT_USAGE;
            }
            break;
        case 'D':
            if (tm_parse_duration(optarg, &ho.ocsp_delay_ms, &e) != 0 || ho.ocsp_delay_ms <= 0 ||
                ho.ocsp_delay_ms > 300000) {
                cmd_error("serve", "--ocsp-delay: %s", ho.ocsp_delay_ms <= 0 || ho.ocsp_delay_ms > 300000
                                                        ? "must be between 1ms and 300s" : e.msg);
                return MP_EXIT_USAGE;
            }
            break;
        case 'R': ho.crl_listen = optarg; break;
        case 'S': ho.crl_stale = 1; break;
        case 'U':
            if (n_ups == sizeof ups / sizeof ups[0]) {
                cmd_error("serve", "at most %zu --upstream", sizeof ups / sizeof ups[0]);
                return MP_EXIT_USAGE;
            }
            if (srv_upstream_parse(optarg, &ups[n_ups], &e) != 0) {
                cmd_error("serve", "%s", e.msg);
                return MP_EXIT_USAGE;
            }
            n_ups++;
            break;
        case 'W': ho.record_file = optarg; break;
        case 'I':
            if (n_identities == sizeof identities / sizeof identities[0]) {
                cmd_error("serve", "at most %zu --identity", sizeof identities / sizeof identities[0]);
                return MP_EXIT_USAGE;
            }
            identities[n_identities++] = optarg;
            break;
        case 'P': pass_src = optarg; break;
        case 'c': cert = optarg; break;
        case 'T':
            if (tm_parse_duration(optarg, &timeout_ms, &e) != 0 || timeout_ms <= 0) {
                cmd_error("serve", "--timeout: %s", timeout_ms <= 0 ? "must be positive" : e.msg);
                return MP_EXIT_USAGE;
            }
            break;
        case 'C': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || v < 1 || v > 1000000) {
                cmd_error("serve", "--max-connections must be 1..1000000, not '%s'", optarg);
                return MP_EXIT_USAGE;
            }
            max_connections = (int)v;
            break;
        }
        case 'q': quiet = 1; break;
        case 'h': cmd_help_print(&cmd_serve_verb, stdout); return MP_EXIT_OK;
        case ':':
            cmd_error("serve", "option '%s' needs a value", argv[optind - 1]);
            return MP_EXIT_USAGE;
        default:
            cmd_error("serve", "unknown option '%s' (try mtlsprobe serve --help)", argv[optind - 1]);
            return MP_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cmd_error("serve", "unexpected argument '%s'", argv[optind]);
        return MP_EXIT_USAGE;
    }
    if (!fixtures) {
        cmd_error("serve", "--fixtures is required (try mtlsprobe serve --help)");
        return MP_EXIT_USAGE;
    }
    pki_manifest m;
    if (pki_manifest_load(&m, fixtures, &e) != 0) {
        cmd_error("serve", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    if (cmd_check_identity_names("serve", &m, identities, n_identities, NULL, 0, NULL, NULL) != 0 ||
        cmd_apply_identities("serve", &m, identities, n_identities, pass_src) != 0) {
        pki_manifest_free(&m);
        return MP_EXIT_USAGE;
    }
    int helpers = ho.ocsp_listen || ho.crl_listen || n_ups;
    srv_helpers *h = NULL;
    if (helpers) {
        ho.fixtures = &m;
        ho.upstreams = ups;
        ho.n_upstreams = n_ups;
        ho.timeout_ms = timeout_ms;
        ho.max_connections = max_connections;
        ho.log = quiet ? NULL : stdout;
        if (srv_helpers_start(&ho, &h, &e) != 0) {
            cmd_error("serve", "%s", e.msg);
            srv_helpers_free(h);
            pki_manifest_free(&m);
            return MP_EXIT_USAGE;
        }
        if (!listen_given) {
            srv_helpers_run(h);
            srv_helpers_free(h);
            pki_manifest_free(&m);
            return MP_EXIT_OK;
        }
        if (srv_helpers_spawn(h, &e) != 0) {
            cmd_error("serve", "%s", e.msg);
            srv_helpers_free(h);
            pki_manifest_free(&m);
            return MP_EXIT_USAGE;
        }
    }
    srv_gateway_opts o = { listen, &m, cert, timeout_ms, quiet ? NULL : stdout, max_connections };
    int rc = srv_gateway_run(&o, &e);
    srv_helpers_free(h);
    pki_manifest_free(&m);
    if (rc != 0) {
        cmd_error("serve", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    return MP_EXIT_OK;
}
