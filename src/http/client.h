/* One HTTP/1.1 request and its response over any net_transport: the client
 * side of run's connections and of the plain-HTTP calls to serve's helpers. */
#ifndef MP_HTTP_CLIENT_H
#define MP_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "net/transport.h"

typedef enum http_exchange_result {
    HTTP_X_OK = 1,          /* *out holds the response */
    HTTP_X_MALFORMED = -1,  /* the response broke HTTP or our limits */
    HTTP_X_CLOSED = -2,     /* the peer closed before any response */
    HTTP_X_FAILED = -3      /* the transport failed (its failure says why) or timed out */
} http_exchange_result;

/* Writes req and reads one response (bodies past max_body are cut) until
 * the deadline (tm_mono_ns() time). *first_byte_ns is when the first read
 * returned, 0 if none did; err gets one line on anything but HTTP_X_OK. */
http_exchange_result http_exchange(net_transport *t, const char *req, size_t req_len, int64_t deadline_ns,
                                   size_t max_body, http_response *out, int64_t *first_byte_ns, char *err,
                                   size_t errlen);

#endif
