/* h2: http_h2_exchange against an nghttp2 server session in memory sends a
 * preface, SETTINGS and one HEADERS frame with the pseudo-headers and
 * lower-cased fields, and collects the status, headers and body, also
 * when the server answers a byte at a time or resets the stream. */
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "check_main.h"
#include "http/h2.h"

typedef struct server {
    nghttp2_session *s;
    char authority[64], path[64], method[16], xtest[32];
    int header_frames;
    int reset;            /* answer with RST_STREAM instead of a response */
    uint8_t req_body[64]; /* the request's DATA */
    size_t req_body_len;
    size_t drip;          /* bytes per recv, 0: all */
    uint8_t out[65536];
    size_t out_len, out_off;
} server;

static int srv_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *n, size_t nl,
                      const uint8_t *v, size_t vl, uint8_t flags, void *arg)
{
    (void)s; (void)f; (void)flags;
    server *sv = arg;
    char *dst = NULL;
    if (nl == 10 && !memcmp(n, ":authority", 10)) dst = sv->authority;
    else if (nl == 5 && !memcmp(n, ":path", 5)) dst = sv->path;
    else if (nl == 7 && !memcmp(n, ":method", 7)) dst = sv->method;
    else if (nl == 6 && !memcmp(n, "x-test", 6)) dst = sv->xtest;
    if (dst && vl < 16)
        memcpy(dst, v, vl), dst[vl] = '\0';
    return 0;
}

static ssize_t body_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *arg)
{
    (void)s; (void)id; (void)src; (void)arg;
    const char *body = "{\"ok\":true}";
    size_t n = strlen(body) < len ? strlen(body) : len;
    memcpy(buf, body, n);
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static int srv_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *arg)
{
    (void)s; (void)flags; (void)id;
    server *sv = arg;
    if (sv->req_body_len + len <= sizeof sv->req_body) {
        memcpy(sv->req_body + sv->req_body_len, data, len);
        sv->req_body_len += len;
    }
    return 0;
}

/* A gRPC-style answer: one message, then the outcome in trailers. */
static ssize_t grpc_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *arg)
{
    (void)src; (void)arg;
    ck_assert_uint_ge(len, 5);
    memcpy(buf, "\0\0\0\0\0", 5);
    *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
    nghttp2_nv tr[] = { { (uint8_t *)"grpc-status", (uint8_t *)"16", 11, 2, 0 } };
    ck_assert_int_eq(nghttp2_submit_trailer(s, id, tr, 1), 0);
    return 5;
}

static int srv_frame(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
    server *sv = arg;
    if (f->hd.type == NGHTTP2_DATA && (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        nghttp2_nv nva[] = {
            { (uint8_t *)":status", (uint8_t *)"200", 7, 3, 0 },
            { (uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, 0 },
        };
        nghttp2_data_provider dp = { .read_callback = grpc_read };
        return nghttp2_submit_response(s, f->hd.stream_id, nva, 2, &dp);
    }
    if (f->hd.type != NGHTTP2_HEADERS || !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    sv->header_frames++;
    if (sv->reset)
        return nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, f->hd.stream_id, NGHTTP2_REFUSED_STREAM);
    nghttp2_nv nva[] = {
        { (uint8_t *)":status", (uint8_t *)"421", 7, 3, 0 },
        { (uint8_t *)"x-echo", (uint8_t *)"yes", 6, 3, 0 },
    };
    nghttp2_data_provider dp = { .read_callback = body_read };
    return nghttp2_submit_response(s, f->hd.stream_id, nva, 2, &dp);
}

static int io_send(void *arg, const uint8_t *buf, size_t len)
{
    server *sv = arg;
    if (nghttp2_session_mem_recv(sv->s, buf, len) != (ssize_t)len)
        return -1;
    const uint8_t *out;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(sv->s, &out)) > 0) {
        ck_assert_uint_le(sv->out_len + (size_t)n, sizeof sv->out);
        memcpy(sv->out + sv->out_len, out, (size_t)n);
        sv->out_len += (size_t)n;
    }
    return 0;
}

static ssize_t io_recv(void *arg, uint8_t *buf, size_t len)
{
    server *sv = arg;
    size_t left = sv->out_len - sv->out_off;
    if (left == 0)
        return 0; /* nothing more: the peer "closed" */
    size_t n = left < len ? left : len;
    if (sv->drip && n > sv->drip)
        n = sv->drip;
    memcpy(buf, sv->out + sv->out_off, n);
    sv->out_off += n;
    return (ssize_t)n;
}

static void server_init(server *sv)
{
    memset(sv, 0, sizeof *sv);
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, srv_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, srv_frame);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, srv_data);
    nghttp2_session_server_new(&sv->s, cb, sv);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(sv->s, NGHTTP2_FLAG_NONE, NULL, 0);
}

START_TEST(exchange)
{
    size_t drips[] = { 0, 1, 7 };
    for (size_t i = 0; i < 3; i++) {
        server sv;
        server_init(&sv);
        sv.drip = drips[i];
        http_h2_io io = { io_send, io_recv, &sv };
        http_header hs[] = { { (char *)"X-Test", (char *)"abc" } };
        http_h2_request q = { "GET", "https", "mtls.test", "/echo", hs, 1, NULL, 0 };
        http_response r;
        mp_err e;
        ck_assert_msg(http_h2_exchange(&io, &q, 1024, &r, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(r.status, 421);
        ck_assert_str_eq(http_response_header(&r, "x-echo"), "yes");
        ck_assert_str_eq(r.body, "{\"ok\":true}");
        ck_assert_str_eq(sv.authority, "mtls.test");
        ck_assert_str_eq(sv.path, "/echo");
        ck_assert_str_eq(sv.method, "GET");
        ck_assert_str_eq(sv.xtest, "abc");
        ck_assert_int_eq(sv.header_frames, 1);
        http_response_free(&r);
        nghttp2_session_del(sv.s);
    }
}
END_TEST

/* A request with a body (a gRPC call): DATA ends the stream, and the
 * answer's trailers are collected with its headers. */
START_TEST(body_and_trailers)
{
    server sv;
    server_init(&sv);
    http_h2_io io = { io_send, io_recv, &sv };
    http_header hs[] = { { (char *)"Content-Type", (char *)"application/grpc" }, { (char *)"TE", (char *)"trailers" } };
    const uint8_t body[] = { 0, 0, 0, 0, 0 };
    http_h2_request q = { "POST", "https", "mtls.test", "/grpc.health.v1.Health/Check", hs, 2, body, sizeof body };
    http_response r;
    mp_err e;
    ck_assert_msg(http_h2_exchange(&io, &q, 1024, &r, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(sv.header_frames, 0); /* the HEADERS did not end the stream */
    ck_assert_uint_eq(sv.req_body_len, 5);
    ck_assert_str_eq(sv.method, "POST");
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(http_response_header(&r, "content-type"), "application/grpc");
    ck_assert_str_eq(http_response_header(&r, "grpc-status"), "16");
    ck_assert_uint_eq(r.body_len, 5);
    http_response_free(&r);
    nghttp2_session_del(sv.s);
}
END_TEST

static int closed_send(void *arg, const uint8_t *buf, size_t len)
{
    (void)arg; (void)buf; (void)len;
    return 0;
}

static ssize_t closed_recv(void *arg, uint8_t *buf, size_t len)
{
    (void)arg; (void)buf; (void)len;
    return 0;
}

START_TEST(reset_and_close)
{
    server sv;
    server_init(&sv);
    sv.reset = 1;
    http_h2_io io = { io_send, io_recv, &sv };
    http_h2_request q = { "GET", "https", "a", "/", NULL, 0, NULL, 0 };
    http_response r;
    mp_err e;
    ck_assert_int_eq(http_h2_exchange(&io, &q, 1024, &r, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "reset"));
    nghttp2_session_del(sv.s);

    /* a peer that closes without a response */
    http_h2_io closed = { closed_send, closed_recv, NULL };
    ck_assert_int_eq(http_h2_exchange(&closed, &q, 1024, &r, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "closed before the response ended"));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("h2");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, exchange);
    tcase_add_test(tc, body_and_trailers);
    tcase_add_test(tc, reset_and_close);
    suite_add_tcase(s, tc);
    return s;
}
