/* A small HTTP/1.1 server for the helpers of `mtlsprobe serve` (OCSP
 * responder, CRL over HTTP, HTTPS echo upstreams): plain TCP or TLS on the
 * shared src/tls code, keep-alive, bounded requests, and replies that a
 * handler may ask to delay (the slow OCSP responder). One libevent loop. */
#ifndef MP_SERVE_HTTPD_H
#define MP_SERVE_HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/event.h>

#include "http/request.h"
#include "tls/tls.h"
#include "util/err.h"

/* What is known about the connection a request arrived on. */
typedef struct srv_http_info {
    const char *peer;           /* "127.0.0.1:51234" */
    int tls;
    const char *tls_version;    /* "" without TLS */
    const char *sni;            /* "" when none */
    const char *client_subject; /* the client certificate's, "" when none */
    const char *client_issuer;
    const char *client_sha256;  /* hex fingerprint */
    unsigned long conn_requests; /* requests on this connection so far, this one included */
} srv_http_info;

typedef struct srv_http_reply {
    int status;
    const char *content_type;
    char *body;                 /* malloc'd; the server frees it */
    size_t body_len;
    int64_t delay_ms;           /* answer after this long (bounded by the timeout) */
    int close;                  /* close the connection after this reply */
} srv_http_reply;

typedef void (*srv_http_handler)(void *arg, const srv_http_info *info, const http_request *q,
                                 srv_http_reply *r);

typedef struct srv_http_opts {
    const char *name;           /* for the log: "ocsp", "upstream valid" */
    const char *listen;         /* "127.0.0.1:9001" */
    tls_server *tls;            /* NULL: plain HTTP */
    srv_http_handler handle;
    void *arg;
    int refuse;                 /* accept and reset every connection at once */
    int64_t timeout_ms;         /* idle limit per connection */
    size_t max_body;
    FILE *log;                  /* one line per request; NULL: none */
} srv_http_opts;

typedef struct srv_http srv_http;

/* Binds and starts serving on base; the options must outlive the server. */
int srv_http_start(struct event_base *base, const srv_http_opts *o, srv_http **out, mp_err *e);
/* The bound address, "127.0.0.1:9001". */
const char *srv_http_address(const srv_http *h);
void srv_http_free(srv_http *h);

/* Fills a reply with a copy of text. */
void srv_http_reply_text(srv_http_reply *r, int status, const char *content_type, const char *text,
                         size_t len);

#endif
