/* The reference gateway of `mtlsprobe serve`: a strict mTLS HTTPS server on
 * the shared src/tls code. TLS 1.2 and 1.3; client certificates required and
 * verified against the fixtures' trust bundle and every CA's CRL, plus a
 * policy wolfSSL does not apply by itself (no SHA-1, keyUsage must allow
 * digitalSignature); answers each request with the verified client subject. */
#ifndef MP_SERVE_GATEWAY_H
#define MP_SERVE_GATEWAY_H

#include <stdint.h>
#include <stdio.h>

#include "pki/manifest.h"
#include "util/err.h"

typedef struct srv_gateway_opts {
    const char *listen;          /* "127.0.0.1:8443", "[::1]:8443" */
    const pki_manifest *fixtures;
    const char *server_fixture;  /* default "server/valid" */
    int64_t timeout_ms;          /* per connection, handshake to response */
    FILE *log;                   /* one line per connection; NULL: none */
    int max_connections;         /* open at once; 0: SRV_HTTP_MAX_CONNECTIONS */
} srv_gateway_opts;

/* Serves until SIGINT or SIGTERM; returns 0 after a clean stop. */
int srv_gateway_run(const srv_gateway_opts *o, mp_err *e);

#endif
