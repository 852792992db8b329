/* HTTP/2 client exchange on nghttp2's session API with memory I/O
 * (nghttp2_session_mem_send/_recv): nghttp2 does the framing, HPACK and
 * flow control, and this file only moves bytes and collects the response,
 * so the same code runs over our TLS connection and over a test's pipe. */
#define _DEFAULT_SOURCE
#include "http/h2.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#define MAX_HEADERS 128

typedef struct h2_state {
    http_response *resp;
    size_t max_body;
    int32_t stream;
    int done;            /* the response stream closed */
    uint32_t rst_code;   /* non-zero: the stream was reset */
    int goaway;
    int failed;
    int in_interim;      /* the header block being read is an interim (1xx) response's */
    int n_interim;
    char error[200];
} h2_state;

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
                     const uint8_t *value, size_t vlen, uint8_t flags, void *arg)
{
    (void)s;
    (void)flags;
    h2_state *st = arg;
    if (f->hd.stream_id != st->stream || f->hd.type != NGHTTP2_HEADERS)
        return 0;
    http_response *r = st->resp;
    if (nlen == 7 && memcmp(name, ":status", 7) == 0) {
        int status = http_status_parse((const char *)value, vlen);
        if (status < 0) {
            snprintf(st->error, sizeof st->error, "HTTP/2: malformed :status '%.*s'", (int)(vlen < 16 ? vlen : 16),
                     (const char *)value);
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
        /* :status opens a response's header block (pseudo-headers come
         * first); an interim one's block is skipped, and the final
         * response's HEADERS follow (http/http.h) */
        st->in_interim = http_status_is_interim(status);
        if (st->in_interim) {
            if (++st->n_interim > HTTP_MAX_INTERIM) {
                snprintf(st->error, sizeof st->error, "HTTP/2: more than %d interim (1xx) responses",
                         HTTP_MAX_INTERIM);
                return NGHTTP2_ERR_CALLBACK_FAILURE;
            }
            return 0;
        }
        r->status = status;
        return 0;
    }
    if (st->in_interim)
        return 0;
    int full;
    http_header *h = http_response_new_header(r, &full);
    if (!h)
        return full ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE; /* past the limit: kept as HTTP/1.1 would not */
    h->name = strndup((const char *)name, nlen);
    h->value = strndup((const char *)value, vlen);
    return h->name && h->value ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t stream, const uint8_t *data, size_t len,
                   void *arg)
{
    (void)s;
    (void)flags;
    h2_state *st = arg;
    if (stream != st->stream)
        return 0;
    http_response *r = st->resp;
    size_t keep = r->body_len + len > st->max_body ? st->max_body - r->body_len : len;
    if (keep < len)
        r->body_truncated = 1;
    if (keep) {
        char *nb = realloc(r->body, r->body_len + keep + 1);
        if (!nb)
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        memcpy(nb + r->body_len, data, keep);
        r->body_len += keep;
        nb[r->body_len] = '\0';
        r->body = nb;
    }
    return 0;
}

static int on_close(nghttp2_session *s, int32_t stream, uint32_t code, void *arg)
{
    (void)s;
    h2_state *st = arg;
    if (stream == st->stream) {
        st->done = 1;
        st->rst_code = code;
    }
    return 0;
}

static int on_frame(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
    (void)s;
    h2_state *st = arg;
    if (f->hd.type == NGHTTP2_GOAWAY)
        st->goaway = 1;
    return 0;
}

/* Pushes whatever nghttp2 has queued. */
static int flush(nghttp2_session *s, const http_h2_io *io, h2_state *st)
{
    for (;;) {
        const uint8_t *out;
        ssize_t n = nghttp2_session_mem_send(s, &out);
        if (n < 0) {
            snprintf(st->error, sizeof st->error, "HTTP/2: %s", nghttp2_strerror((int)n));
            return -1;
        }
        if (n == 0)
            return 0;
        if (io->send(io->arg, out, (size_t)n) != 0) {
            snprintf(st->error, sizeof st->error, "HTTP/2: sending failed");
            return -1;
        }
    }
}

/* The request body, handed to nghttp2 from the caller's buffer. */
typedef struct h2_body {
    const uint8_t *data;
    size_t len, off;
} h2_body;

static ssize_t read_body(nghttp2_session *s, int32_t stream, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *arg)
{
    (void)s;
    (void)stream;
    (void)arg;
    h2_body *b = src->ptr;
    size_t n = b->len - b->off < len ? b->len - b->off : len;
    memcpy(buf, b->data + b->off, n);
    b->off += n;
    if (b->off == b->len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static nghttp2_nv nv(const char *name, const char *value)
{
    nghttp2_nv v = { (uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value, strlen(name),
                     strlen(value), NGHTTP2_NV_FLAG_NONE };
    return v;
}

int http_h2_exchange(const http_h2_io *io, const http_h2_request *q, size_t max_body,
                     http_response *out, mp_err *e)
{
    memset(out, 0, sizeof *out);
    if (q->n_headers > MAX_HEADERS)
        return mp_fail(e, "HTTP/2: at most %d headers", MAX_HEADERS);
    h2_state st = { .resp = out, .max_body = max_body };
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb) != 0)
        return mp_fail(e, "out of memory");
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
    nghttp2_session *s;
    int rc = nghttp2_session_client_new(&s, cb, &st);
    nghttp2_session_callbacks_del(cb);
    if (rc != 0)
        return mp_fail(e, "HTTP/2: %s", nghttp2_strerror(rc));
    /* HTTP/2 requires lower-case field names; keep the caller's copies. */
    char **lower = calloc(q->n_headers + 1, sizeof *lower);
    nghttp2_nv *nva = calloc(q->n_headers + 4, sizeof *nva);
    if (!lower || !nva) {
        free(lower);
        free(nva);
        nghttp2_session_del(s);
        return mp_fail(e, "out of memory");
    }
    size_t n = 0;
    nva[n++] = nv(":method", q->method ? q->method : "GET");
    nva[n++] = nv(":scheme", q->scheme ? q->scheme : "https");
    nva[n++] = nv(":authority", q->authority ? q->authority : "");
    nva[n++] = nv(":path", q->path ? q->path : "/");
    for (size_t i = 0; i < q->n_headers; i++) {
        lower[i] = strdup(q->headers[i].name);
        for (char *p = lower[i]; p && *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (lower[i])
            nva[n++] = nv(lower[i], q->headers[i].value);
    }
    h2_body body = { q->body, q->body_len, 0 }; /* read while the session sends, below */
    nghttp2_data_provider dp = { .source.ptr = &body, .read_callback = read_body };
    nghttp2_settings_entry iv[] = { { NGHTTP2_SETTINGS_ENABLE_PUSH, 0 } };
    rc = nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, iv, 1);
    if (rc == 0) {
        st.stream = nghttp2_submit_request(s, NULL, nva, n, q->body ? &dp : NULL, NULL);
        if (st.stream < 0)
            rc = st.stream;
    }
    if (rc != 0)
        snprintf(st.error, sizeof st.error, "HTTP/2: %s", nghttp2_strerror(rc));
    int ok = rc == 0 && flush(s, io, &st) == 0;
    uint8_t buf[16384];
    while (ok && !st.done) {
        ssize_t got = io->recv(io->arg, buf, sizeof buf);
        if (got <= 0) {
            snprintf(st.error, sizeof st.error, "HTTP/2: connection %s before the response ended",
                     got == 0 ? "closed" : "failed");
            ok = 0;
            break;
        }
        ssize_t used = nghttp2_session_mem_recv(s, buf, (size_t)got);
        if (used < 0) {
            if (!st.error[0]) /* else a callback said why */
                snprintf(st.error, sizeof st.error, "HTTP/2: %s", nghttp2_strerror((int)used));
            ok = 0;
            break;
        }
        ok = flush(s, io, &st) == 0;
        if (st.goaway && !st.done && out->status == 0) {
            snprintf(st.error, sizeof st.error, "HTTP/2: GOAWAY before a response");
            ok = 0;
        }
    }
    if (ok && st.rst_code != 0 && out->status == 0) {
        snprintf(st.error, sizeof st.error, "HTTP/2: stream reset (%s)",
                 nghttp2_http2_strerror(st.rst_code));
        ok = 0;
    }
    if (ok && out->status == 0) { /* an interim response is no answer */
        snprintf(st.error, sizeof st.error, "HTTP/2: the stream ended without a final response");
        ok = 0;
    }
    for (size_t i = 0; i < q->n_headers; i++)
        free(lower[i]);
    free(lower);
    free(nva);
    nghttp2_session_del(s);
    if (!ok) {
        http_response_free(out);
        return mp_fail(e, "%s", st.error);
    }
    return 0;
}

typedef struct xp_io {
    net_transport *t;
    int64_t deadline;
} xp_io;

static int xp_send(void *arg, const uint8_t *buf, size_t len)
{
    xp_io *x = arg;
    return net_xp_write_all(x->t, buf, len, x->deadline);
}

static ssize_t xp_recv(void *arg, uint8_t *buf, size_t len)
{
    xp_io *x = arg;
    return net_xp_read_wait(x->t, buf, len, x->deadline);
}

int http_h2_exchange_xp(net_transport *t, const http_h2_request *q, size_t max_body, int64_t deadline_ns,
                        http_response *out, mp_err *e)
{
    xp_io x = { t, deadline_ns };
    http_h2_io io = { xp_send, xp_recv, &x };
    return http_h2_exchange(&io, q, max_body, out, e);
}
