/* HTTP/2 client sessions for the load engine, on nghttp2's memory I/O. The
 * one decision: requests are prepared once (header name/value pairs in one
 * block) and every stream points at that block, so submitting a stream
 * copies nothing of ours; nghttp2 keeps its own per-stream state. */
#define _DEFAULT_SOURCE
#include "http/h2session.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

struct http_h2c_request {
    nghttp2_nv *nv;
    size_t n_nv;
    const char *body;
    size_t body_len;
    char *block;
};

/* Size classes 2^4 .. 2^20; a block carries its class in a 16-byte header
 * (keeping the payload aligned). Larger blocks go straight to malloc. */
#define POOL_MIN 4
#define POOL_MAX 20
typedef union pool_hdr {
    struct { int cls; size_t size; union pool_hdr *next; } h;
    max_align_t align;
} pool_hdr;

struct http_h2c_pool {
    pool_hdr *free[POOL_MAX + 1];
    nghttp2_session_callbacks *cb; /* made once, for every session of the pool */
};

http_h2c_pool *http_h2c_pool_new(void)
{
    return calloc(1, sizeof(http_h2c_pool));
}

void http_h2c_pool_free(http_h2c_pool *p)
{
    if (!p)
        return;
    if (p->cb)
        nghttp2_session_callbacks_del(p->cb);
    for (int c = POOL_MIN; c <= POOL_MAX; c++)
        while (p->free[c]) {
            pool_hdr *b = p->free[c];
            p->free[c] = b->h.next;
            free(b);
        }
    free(p);
}

static void *pool_malloc(size_t size, void *arg)
{
    http_h2c_pool *p = arg;
    int c = POOL_MIN;
    while (c <= POOL_MAX && ((size_t)1 << c) < size)
        c++;
    pool_hdr *b;
    if (c <= POOL_MAX && p->free[c]) {
        b = p->free[c];
        p->free[c] = b->h.next;
    } else {
        b = malloc(sizeof *b + (c <= POOL_MAX ? (size_t)1 << c : size));
        if (!b)
            return NULL;
    }
    b->h.cls = c;
    b->h.size = size;
    return b + 1;
}

static void pool_free(void *ptr, void *arg)
{
    if (!ptr)
        return;
    http_h2c_pool *p = arg;
    pool_hdr *b = (pool_hdr *)ptr - 1;
    if (b->h.cls > POOL_MAX) {
        free(b);
        return;
    }
    b->h.next = p->free[b->h.cls];
    p->free[b->h.cls] = b;
}

static void *pool_calloc(size_t n, size_t size, void *arg)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *ptr = pool_malloc(n * size, arg);
    if (ptr)
        memset(ptr, 0, n * size);
    return ptr;
}

static void *pool_realloc(void *ptr, size_t size, void *arg)
{
    if (!ptr)
        return pool_malloc(size, arg);
    pool_hdr *b = (pool_hdr *)ptr - 1;
    if (b->h.cls <= POOL_MAX && size <= ((size_t)1 << b->h.cls))
        return ptr;
    void *n = pool_malloc(size, arg);
    if (!n)
        return NULL;
    size_t old = b->h.size;
    memcpy(n, ptr, old < size ? old : size);
    pool_free(ptr, arg);
    return n;
}

struct http_h2c {
    nghttp2_session *s;
    http_h2c_pool *pool;
    http_h2c_events ev;
    const uint8_t *out;
    size_t out_len;
    int open;
    int broken;
    int goaway;
};

/* The body is sent from the request's own block; each stream's offset
 * rides in the data source pointer (a small integer, not memory). */
typedef struct body_src {
    const http_h2c_request *r;
    size_t off;
} body_src;

http_h2c_request *http_h2c_request_new(const http_h2_request *q, const char *body, size_t body_len, mp_err *e)
{
    http_h2c_request *r = calloc(1, sizeof *r);
    size_t n = 4 + q->n_headers, total = 64 + strlen(q->method) + strlen(q->scheme) + strlen(q->authority) +
                                          strlen(q->path) + body_len;
    for (size_t i = 0; i < q->n_headers; i++)
        total += strlen(q->headers[i].name) + strlen(q->headers[i].value) + 2;
    if (!r || !(r->nv = calloc(n, sizeof *r->nv)) || !(r->block = malloc(total))) {
        http_h2c_request_free(r);
        mp_fail(e, "out of memory");
        return NULL;
    }
    char *p = r->block;
    const char *names[4] = { ":method", ":scheme", ":authority", ":path" };
    const char *values[4] = { q->method, q->scheme, q->authority, q->path };
    for (size_t i = 0; i < n; i++) {
        const char *name = i < 4 ? names[i] : q->headers[i - 4].name;
        const char *value = i < 4 ? values[i] : q->headers[i - 4].value;
        if (i >= 4 && (strcasecmp(name, "host") == 0 || strcasecmp(name, "connection") == 0))
            continue; /* HTTP/2 has :authority and no connection-specific headers */
        size_t nl = strlen(name), vl = strlen(value);
        char *np = p;
        for (size_t k = 0; k < nl; k++)
            np[k] = (char)tolower((unsigned char)name[k]);
        p += nl;
        char *vp = p;
        memcpy(vp, value, vl);
        p += vl;
        r->nv[r->n_nv++] = (nghttp2_nv){ (uint8_t *)np, (uint8_t *)vp, nl, vl,
                                        NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE };
    }
    if (body_len) {
        memcpy(p, body, body_len);
        r->body = p;
        r->body_len = body_len;
    }
    return r;
}

void http_h2c_request_free(http_h2c_request *r)
{
    if (!r)
        return;
    free(r->nv);
    free(r->block);
    free(r);
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
                     const uint8_t *value, size_t vlen, uint8_t flags, void *arg)
{
    (void)flags;
    http_h2c *c = arg;
    /* nghttp2 files the final response's HEADERS after an interim one
     * under NGHTTP2_HCAT_HEADERS; trailers there carry no :status */
    if (f->hd.type != NGHTTP2_HEADERS ||
        (f->headers.cat != NGHTTP2_HCAT_RESPONSE && f->headers.cat != NGHTTP2_HCAT_HEADERS))
        return 0;
    if (nlen == 7 && memcmp(name, ":status", 7) == 0) {
        int status = http_status_parse((const char *)value, vlen);
        if (status < 0) /* a malformed answer: the stream is reset, its transaction fails */
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        if (http_status_is_interim(status)) /* the final response follows (http/http.h) */
            return 0;
        void *sd = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
        if (sd && c->ev.headers)
            c->ev.headers(c->ev.arg, sd, status);
    }
    return 0;
}

static int on_frame(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
    (void)s;
    http_h2c *c = arg;
    if (f->hd.type == NGHTTP2_GOAWAY)
        c->goaway = 1;
    return 0;
}

static int on_close(nghttp2_session *s, int32_t stream, uint32_t code, void *arg)
{
    http_h2c *c = arg;
    void *sd = nghttp2_session_get_stream_user_data(s, stream);
    if (!sd)
        return 0;
    c->open--;
    if (c->ev.closed)
        c->ev.closed(c->ev.arg, sd, code == NGHTTP2_NO_ERROR);
    return 0;
}

static ssize_t read_body(nghttp2_session *s, int32_t stream, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *arg)
{
    (void)s;
    (void)stream;
    (void)arg;
    const http_h2c_request *r = src->ptr;
    /* the body is small and fits one DATA frame in practice; longer ones
     * are sent from the start of the stream's window each time */
    size_t n = r->body_len < len ? r->body_len : len;
    memcpy(buf, r->body, n);
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

http_h2c *http_h2c_new(const http_h2c_events *ev, http_h2c_pool *pool, mp_err *e)
{
    http_h2c *c = pool ? pool_calloc(1, sizeof *c, pool) : calloc(1, sizeof *c);
    if (!c) {
        mp_fail(e, "out of memory");
        return NULL;
    }
    c->pool = pool;
    c->ev = *ev;
    nghttp2_session_callbacks *cb = pool ? pool->cb : NULL;
    if (!cb) {
        if (nghttp2_session_callbacks_new(&cb) != 0) {
            http_h2c_free(c);
            mp_fail(e, "out of memory");
            return NULL;
        }
        nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
        nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
        if (pool)
            pool->cb = cb;
    }
    nghttp2_mem mem = { pool, pool_malloc, pool_free, pool_calloc, pool_realloc };
    int rc = nghttp2_session_client_new3(&c->s, cb, c, NULL, pool ? &mem : NULL);
    if (!pool)
        nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry set[] = { { NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
                                     { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20 } };
    if (rc != 0 || nghttp2_submit_settings(c->s, NGHTTP2_FLAG_NONE, set, 2) != 0) {
        http_h2c_free(c);
        mp_fail(e, "cannot start an HTTP/2 session");
        return NULL;
    }
    return c;
}

void http_h2c_free(http_h2c *c)
{
    if (!c)
        return;
    if (c->s)
        nghttp2_session_del(c->s);
    if (c->pool)
        pool_free(c, c->pool);
    else
        free(c);
}

int http_h2c_submit(http_h2c *c, const http_h2c_request *r, void *stream_data)
{
    if (c->broken || c->goaway)
        return -1;
    nghttp2_data_provider dp = { .source.ptr = (void *)r, .read_callback = read_body };
    int32_t id = nghttp2_submit_request(c->s, NULL, r->nv, r->n_nv, r->body_len ? &dp : NULL, stream_data);
    if (id < 0)
        return -1;
    c->open++;
    return 0;
}

int http_h2c_feed(http_h2c *c, const uint8_t *buf, size_t len)
{
    ssize_t n = nghttp2_session_mem_recv(c->s, buf, len);
    if (n < 0 || (size_t)n != len) {
        c->broken = 1;
        return -1;
    }
    return 0;
}

const uint8_t *http_h2c_pending(http_h2c *c, size_t *len)
{
    if (c->out_len == 0) {
        ssize_t n = nghttp2_session_mem_send(c->s, &c->out);
        if (n < 0) {
            c->broken = 1;
            n = 0;
        }
        c->out_len = (size_t)n;
    }
    *len = c->out_len;
    return c->out_len ? c->out : NULL;
}

void http_h2c_consumed(http_h2c *c, size_t n)
{
    c->out += n;
    c->out_len -= n;
}

int http_h2c_open_streams(const http_h2c *c)
{
    return c->open;
}

int http_h2c_usable(const http_h2c *c)
{
    return !c->broken && !c->goaway;
}
