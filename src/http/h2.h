/* One HTTP/2 request over any byte stream, on Debian's libnghttp2: the
 * connection preface, SETTINGS, a HEADERS frame with :method, :scheme,
 * :authority and :path, and the response read until its stream ends. The
 * caller supplies blocking send and receive (over a TLS connection that
 * negotiated ALPN h2), each bounded by its own deadline. */
#ifndef MP_HTTP_H2_H
#define MP_HTTP_H2_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "http/http.h"
#include "net/transport.h"
#include "util/err.h"

typedef struct http_h2_io {
    /* Sends all of buf or fails (-1). */
    int (*send)(void *arg, const uint8_t *buf, size_t len);
    /* Bytes read, 0 when the peer closed, -1 on error or timeout. */
    ssize_t (*recv)(void *arg, uint8_t *buf, size_t len);
    void *arg;
} http_h2_io;

typedef struct http_h2_request {
    const char *method;      /* "GET" */
    const char *scheme;      /* "https" */
    const char *authority;   /* the :authority pseudo-header */
    const char *path;
    const http_header *headers; /* regular headers, names sent lower case */
    size_t n_headers;
    const uint8_t *body;     /* sent as DATA ending the stream (a gRPC message); NULL: none */
    size_t body_len;
} http_h2_request;

/* Sends the request on stream 1 and fills *out (header names lower case).
 * -1 with e: the peer closed, reset the stream, sent GOAWAY first, or broke
 * the protocol. */
int http_h2_exchange(const http_h2_io *io, const http_h2_request *q, size_t max_body,
                     http_response *out, mp_err *e);

/* The same over a transport (a TLS connection that negotiated ALPN h2),
 * every step bounded by one deadline (tm_mono_ns() time). */
int http_h2_exchange_xp(net_transport *t, const http_h2_request *q, size_t max_body, int64_t deadline_ns,
                        http_response *out, mp_err *e);

#endif
