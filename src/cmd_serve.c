/* `mtlsprobe serve`: the reference gateway. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pki/manifest.h"
#include "serve/gateway.h"
#include "util/timeutil.h"

static const char help_text[] =
    "usage: mtlsprobe serve --fixtures DIR [options]\n"
    "\n"
    "Runs a strict reference mTLS gateway: TLS 1.2 and 1.3, client certificates\n"
    "required and verified against the fixtures' trust bundle and every CA's CRL,\n"
    "no SHA-1, keyUsage must allow signing, RSA keys of 2048 bits or more. Answers\n"
    "every request with the verified client subject; logs one line per connection.\n"
    "`mtlsprobe run` against it passes every scenario. Stops on SIGINT or SIGTERM.\n"
    "\n"
    "options:\n"
    "  -f, --fixtures DIR   fixtures directory with manifest.json (required)\n"
    "  -l, --listen ADDR    address and port (default: 127.0.0.1:8443; [::1]:8443 for IPv6)\n"
    "      --cert NAME      server fixture to present (default: server/valid)\n"
    "      --timeout DUR    per connection, handshake to response (default: 10s)\n"
    "  -q, --quiet          no connection log\n"
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
        { NULL, 0, NULL, 0 },
    };
    const char *fixtures = NULL, *listen = "127.0.0.1:8443", *cert = "server/valid";
    int64_t timeout_ms = 10000;
    int quiet = 0, c;
    mp_err e = { { 0 } };
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:l:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f': fixtures = optarg; break;
        case 'l': listen = optarg; break;
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
    srv_gateway_opts o = { listen, &m, cert, timeout_ms, quiet ? NULL : stdout };
    int rc = srv_gateway_run(&o, &e);
    pki_manifest_free(&m);
    if (rc != 0) {
        cmd_error("serve", "%s", e.msg);
        return MP_EXIT_USAGE;
    }
    return MP_EXIT_OK;
}
