/* The one HTTP/1.1 server of `mtlsprobe serve`, shared by the reference
 * gateway and every helper (OCSP responder, CRL over HTTP, HTTPS echo
 * upstreams): plain TCP or TLS on the shared src/tls code, TCP_NODELAY on
 * every connection, keep-alive, bounded requests answered 431/413/400 and
 * then drained, accepting paused while out of file descriptors, a deadline
 * per connection, replies that a handler may ask to delay (the slow OCSP
 * responder), and one log line per request or refused connection. Memory
 * is bounded: a connection costs a few hundred bytes until its peer speaks
 * (the TLS object is made at its first byte, the read buffer at each
 * request and freed when it is idle), connections are capped
 * (max_connections), and freed memory is returned to the system once the
 * server falls idle. */
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
    const char *name;           /* for the log: "gateway", "ocsp", "valid" */
    const char *listen;         /* "127.0.0.1:9001" */
    tls_server *tls;            /* NULL: plain HTTP */
    srv_http_handler handle;
    void *arg;
    int refuse;                 /* accept and reset every connection at once */
    /* Per connection: from accept to the first answer, then from each answer
     * to the next, idle time included. */
    int64_t timeout_ms;
    size_t max_body;
    /* Answer once the request head is complete and never read a body: a
     * request that announces one is answered and its connection closed. */
    int head_only;
    /* Open connections at most (0: SRV_HTTP_MAX_CONNECTIONS); beyond it a new
     * connection is reset at once, and the log says so once a second. */
    int max_connections;
    FILE *log;                  /* one line per request; NULL: none */
} srv_http_opts;

#define SRV_HTTP_MAX_CONNECTIONS 10000

typedef struct srv_http srv_http;

/* Binds and starts serving on base; the options must outlive the server. */
int srv_http_start(struct event_base *base, const srv_http_opts *o, srv_http **out, mp_err *e);
/* The bound address, "127.0.0.1:9001". */
const char *srv_http_address(const srv_http *h);
/* Answers with a status below 400, and connections or requests refused
 * (handshake refused, timeout, 4xx/5xx answers) so far. */
void srv_http_counts(const srv_http *h, unsigned long *served, unsigned long *refused);
void srv_http_free(srv_http *h);

/* Fills a reply with a copy of text. */
void srv_http_reply_text(srv_http_reply *r, int status, const char *content_type, const char *text,
                         size_t len);

#endif
