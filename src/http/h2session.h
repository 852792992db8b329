/* A non-blocking HTTP/2 client session for event loops (load --http2): many
 * concurrent streams on one connection, driven by bytes in and bytes out.
 * The caller moves bytes between the socket and the session; the session
 * reports each stream's response status and end. */
#ifndef MP_HTTP_H2SESSION_H
#define MP_HTTP_H2SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "http/h2.h"
#include "util/err.h"

typedef struct http_h2c http_h2c;

typedef struct http_h2c_events {
    /* The response's HEADERS arrived on the stream (its first byte). */
    void (*headers)(void *arg, void *stream_data, int status);
    /* The stream ended: ok is 0 when it was reset or the session broke. */
    void (*closed)(void *arg, void *stream_data, int ok);
    void *arg;
} http_h2c_events;

/* A request prepared once and submitted many times. */
typedef struct http_h2c_request http_h2c_request;
http_h2c_request *http_h2c_request_new(const http_h2_request *q, const char *body, size_t body_len, mp_err *e);
void http_h2c_request_free(http_h2c_request *r);

/* Memory for sessions, owned by one thread: blocks freed by a session go
 * to free lists by size class and serve the next session, so after warm-up
 * a new connection's session allocates nothing. */
typedef struct http_h2c_pool http_h2c_pool;
http_h2c_pool *http_h2c_pool_new(void);
void http_h2c_pool_free(http_h2c_pool *p);

/* The client preface and SETTINGS are queued for sending at once. pool may
 * be NULL (the C library's allocator). */
http_h2c *http_h2c_new(const http_h2c_events *ev, http_h2c_pool *pool, mp_err *e);
void http_h2c_free(http_h2c *c);

/* Starts a stream; stream_data comes back in the events. 0, or -1 when the
 * session cannot take another stream. */
int http_h2c_submit(http_h2c *c, const http_h2c_request *r, void *stream_data);

/* Bytes from the peer. -1: the peer broke the protocol or sent GOAWAY. */
int http_h2c_feed(http_h2c *c, const uint8_t *buf, size_t len);

/* What to send next (NULL when nothing); call consumed() with what was written. */
const uint8_t *http_h2c_pending(http_h2c *c, size_t *len);
void http_h2c_consumed(http_h2c *c, size_t n);

/* New streams may start: no protocol error and no GOAWAY from the peer. */
int http_h2c_usable(const http_h2c *c);

/* Streams still open. */
int http_h2c_open_streams(const http_h2c *c);

#endif
