/* `mtlsprobe serve`: the reference gateway and the helper servers (OCSP
 * responder, CRLs over HTTP, HTTPS echo upstreams). With helper options and
 * no --listen only the helpers run; with --listen too, both. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pki/manifest.h"
#include "serve/gateway.h"
#include "serve/helpers.h"
#include "util/timeutil.h"

static const char help_text[] =
    "usage: mtlsprobe serve --fixtures DIR [options]\n"
    "\n"
    "Runs a strict reference mTLS gateway: TLS 1.2 and 1.3, AEAD suites with forward\n"
    "secrecy only (TLS 1.3 suites; ECDHE with AES-GCM or ChaCha20-Poly1305), groups\n"
    "X25519, P-256, P-384, client-initiated renegotiation refused, TCP_NODELAY;\n"
    "client certificates required and verified against the fixtures' trust bundle\n"
    "and every CA's CRL, no SHA-1, keyUsage must allow signing, RSA keys of 2048 bits\n"
    "or more. Answers every request with the verified client subject; logs one line\n"
    "per request or refused connection. `mtlsprobe run` against it passes every\n"
    "scenario, and every suite under the mozilla-intermediate and pci-dss-4 profiles.\n"
    "The helpers below share its HTTP/1.1 server and TLS defaults. Stops on SIGINT or\n"
    "SIGTERM.\n"
    "\n"
    "options:\n"
    "  -f, --fixtures DIR   fixtures directory with manifest.json (required)\n"
    "  -l, --listen ADDR    address and port (default: 127.0.0.1:8443; [::1]:8443 for IPv6)\n"
    "      --cert NAME      server fixture to present (default: server/valid)\n"
    "      --identity NAME=CERT[,KEY]  present your own certificate and key in place\n"
    "                       of the server fixture NAME (repeatable; also for --upstream\n"
    "                       fixtures): PEM or DER with a plain or encrypted key (PKCS#8,\n"
    "                       traditional PEM), or a PKCS#12 file (.p12/.pfx, no KEY)\n"
    "      --pass SRC       their password: env:VAR, file:PATH, fd:N, pass:TEXT\n"
    "      --timeout DUR    per connection, handshake to response, then per kept-alive\n"
    "                       request, idle time included (default: 10s)\n"
    "  -q, --quiet          no connection log\n"
    "\n"
    "helper servers (without --listen, only the helpers run):\n"
    "      --ocsp ADDR      OCSP responder over HTTP (POST and GET) for the fixture CAs;\n"
    "                       ca/intermediate's (or an imported ca/org's) answers signed\n"
    "                       by ca/ocsp-signer\n"
    "      --ocsp-mode M    normal (default), down (reset every connection), unknown\n"
    "                       (every certificate unknown), slow (answer after --ocsp-delay)\n"
    "      --ocsp-delay DUR delay of --ocsp-mode slow (default: 30s, at most 300s)\n"
    "      --crl-http ADDR  CRLs over HTTP: GET /<ca>.crl (DER), /<ca>.crl.pem (PEM),\n"
    "                       e.g. /ca/intermediate.crl\n"
    "      --crl-stale      serve CRLs whose nextUpdate has passed\n"
    "      --upstream ADDR=FIXTURE[,client-auth]\n"
    "                       HTTPS echo upstream presenting server/FIXTURE (valid, expired,\n"
    "                       wrong-san, self-signed, untrusted, pin-mismatch...); client-auth\n"
    "                       requires a client certificate; answers with JSON of what arrived\n"
    "                       (repeatable)\n"
    "      --upstream-record FILE  append each echoed request to FILE (JSON lines)\n"
    "  -h, --help           this text\n"
    "\n"
    "exit codes: 0 stopped cleanly, 2 usage or setup error (e.g. the port is taken)\n";

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        { "fixtures", required_argument, NULL, 'f' },
        { "listen", required_argument, NULL, 'l' },
        { "cert", required_argument, NULL, 'c' },
        { "timeout", required_argument, NULL, 'T' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "ocsp", required_argument, NULL, 'O' },
        { "ocsp-mode", required_argument, NULL, 'M' },
        { "ocsp-delay", required_argument, NULL, 'D' },
        { "crl-http", required_argument, NULL, 'R' },
        { "crl-stale", no_argument, NULL, 'S' },
        { "upstream", required_argument, NULL, 'U' },
        { "upstream-record", required_argument, NULL, 'W' },
        { "identity", required_argument, NULL, 'I' },
        { "pass", required_argument, NULL, 'P' },
        { NULL, 0, NULL, 0 },
    };
    const char *fixtures = NULL, *listen = "127.0.0.1:8443", *cert = "server/valid";
    int64_t timeout_ms = 10000;
    int quiet = 0, c, listen_given = 0;
    mp_err e = { { 0 } };
    srv_helpers_opts ho = { .ocsp_delay_ms = 30000, .timeout_ms = 10000 };
    srv_upstream ups[32];
    size_t n_ups = 0;
    const char *identities[32], *pass_src = NULL;
    size_t n_identities = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:l:qh", opts, NULL)) != -1) {
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
        case 'q': quiet = 1; break;
        case 'h': fputs(help_text, stdout); return MP_EXIT_OK;
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
    if (cmd_apply_identities("serve", &m, identities, n_identities, pass_src) != 0) {
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
    srv_gateway_opts o = { listen, &m, cert, timeout_ms, quiet ? NULL : stdout };
    int rc = srv_gateway_run(&o, &e);
    srv_helpers_free(h);
    pki_manifest_free(&m);
    if (rc != 0) {
        cmd_error("serve", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    return MP_EXIT_OK;
}
