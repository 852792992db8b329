/* CRLs over HTTP for `mtlsprobe serve --crl-http`: GET /<ca>.crl (DER) and
 * /<ca>.crl.pem (PEM) for each fixture CA, e.g. /ca/intermediate.crl; with
 * stale set, the CRL whose nextUpdate has already passed. */
#ifndef MP_SERVE_CRL_HTTP_H
#define MP_SERVE_CRL_HTTP_H

#include "pki/manifest.h"
#include "serve/httpd.h"

typedef struct srv_crl_http {
    const pki_manifest *m;
    int stale;
} srv_crl_http;

/* The srv_http handler; arg is a srv_crl_http. */
void srv_crl_http_handle(void *arg, const srv_http_info *info, const http_request *q,
                         srv_http_reply *r);

#endif
