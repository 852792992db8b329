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
    FILE *announce;              /* the "listening on" line (also with -q); NULL: none */
    int max_connections;         /* open at once; 0: SRV_HTTP_MAX_CONNECTIONS */
} srv_gateway_opts;

typedef struct srv_gateway srv_gateway;

/* Binds and announces (the first line on o->announce names the address, the
 * port the kernel chose for port 0 included); *out is NULL on failure, and
 * o must outlive the gateway. */
int srv_gateway_start(const srv_gateway_opts *o, srv_gateway **out, mp_err *e);
const char *srv_gateway_address(const srv_gateway *g);
/* Serves until SIGINT or SIGTERM. */
void srv_gateway_run(srv_gateway *g);
void srv_gateway_free(srv_gateway *g);

#endif
