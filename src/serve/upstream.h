/* HTTPS echo upstreams for `mtlsprobe serve --upstream ADDR=FIXTURE[,client-auth]`:
 * each presents a chosen server fixture and answers every request with a
 * JSON description of what arrived (method, target, every header in order,
 * the TLS version and SNI, and the client certificate the gateway presented),
 * so a scenario reads what the gateway forwarded from the response body. */
#ifndef MP_SERVE_UPSTREAM_H
#define MP_SERVE_UPSTREAM_H

#include <stdio.h>

#include "pki/manifest.h"
#include "serve/httpd.h"
#include "tls/tls.h"
#include "util/err.h"

typedef struct srv_upstream {
    char listen[128];
    char name[64];          /* "valid", "expired", ... as given */
    char fixture[128];      /* "server/valid" */
    int client_auth;        /* require a client certificate from the gateway */
    tls_server tls;
    int have_tls;
    FILE *record;           /* JSON lines, one per request; NULL: none */
} srv_upstream;

/* "127.0.0.1:9001=valid" or "127.0.0.1:9002=expired,client-auth"; the
 * fixture may be a short name (server/ is implied) or a full one. */
int srv_upstream_parse(const char *spec, srv_upstream *u, mp_err *e);

/* Loads the fixture's chain and key (and the trust bundle for client-auth). */
int srv_upstream_init(srv_upstream *u, const pki_manifest *m, mp_err *e);
void srv_upstream_free(srv_upstream *u);

/* The srv_http handler; arg is the srv_upstream. */
void srv_upstream_handle(void *arg, const srv_http_info *info, const http_request *q,
                         srv_http_reply *r);

#endif
