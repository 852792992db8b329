/* serve's helpers: the request reader keeps headers as sent (order, case,
 * duplicates) across any split, stops at the end of one request so the
 * next stays with the caller, and bounds what it keeps; the OCSP GET form
 * is decoded whether or not the client escaped the base64. */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "http/request.h"
#include "serve/ocsp.h"
#include "serve/upstream.h"

static const char two[] =
    "POST /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Dup: 1\r\nx-dup: 2\r\nX_Under: u\r\n"
    "Content-Length: 3\r\n\r\nabc"
    "GET /next HTTP/1.1\r\nHost: y\r\n\r\n";

START_TEST(reader_keeps_headers_as_sent)
{
    size_t pieces[] = { 1, 3, 17, sizeof two };
    for (size_t p = 0; p < 4; p++) {
        http_request_reader r;
        http_request_reader_init(&r, 1024);
        size_t off = 0, total = strlen(two);
        int st = 0;
        while (st == 0 && off < total) {
            size_t take = total - off < pieces[p] ? total - off : pieces[p], used;
            st = http_request_reader_feed(&r, two + off, take, &used);
            off += used;
        }
        ck_assert_int_eq(st, 1);
        const http_request *q = &r.req;
        ck_assert_str_eq(q->method, "POST");
        ck_assert_str_eq(q->target, "/a?b=1");
        ck_assert_uint_eq(q->n_headers, 5);
        ck_assert_str_eq(q->headers[1].name, "X-Dup");
        ck_assert_str_eq(q->headers[2].name, "x-dup");
        ck_assert_str_eq(q->headers[2].value, "2");
        ck_assert_str_eq(q->headers[3].name, "X_Under");
        ck_assert_str_eq(http_request_header(q, "x-DUP"), "1");
        ck_assert_uint_eq(q->body_len, 3);
        ck_assert_int_eq(q->keep_alive, 1);
        /* the pipelined second request was not consumed */
        ck_assert_str_eq(two + off, "GET /next HTTP/1.1\r\nHost: y\r\n\r\n");
        http_request_reader_free(&r);
    }
}
END_TEST

START_TEST(reader_limits)
{
    http_request_reader r;
    size_t used;
    http_request_reader_init(&r, 2);
    const char *big = "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
    ck_assert_int_eq(http_request_reader_feed(&r, big, strlen(big), &used), -1);
    ck_assert_ptr_nonnull(strstr(r.error, "larger than 2"));
    http_request_reader_free(&r);
    http_request_reader_init(&r, 2);
    const char *bad = "GET / HTTP/1.1\r\nBad Header\r\n\r\n";
    ck_assert_int_eq(http_request_reader_feed(&r, bad, strlen(bad), &used), -1);
    http_request_reader_free(&r);
    http_request_reader_init(&r, 2);
    const char *old = "GET / HTTP/1.0\r\n\r\n";
    ck_assert_int_eq(http_request_reader_feed(&r, old, strlen(old), &used), 1);
    ck_assert_int_eq(r.req.keep_alive, 0);
    ck_assert_int_eq(r.req.http_minor, 0);
    http_request_reader_free(&r);
}
END_TEST

/* Each refusal carries the status that answers it: 431 for a long head or
 * too many headers, 413 for a long body, 400 for what is not HTTP. */
START_TEST(reader_refusal_status)
{
    http_request_reader r;
    size_t used;
    char big[600];
    int n = snprintf(big, sizeof big, "GET / HTTP/1.1\r\nX-Big: %0500d\r\n\r\n", 0);
    http_request_reader_init(&r, 2);
    r.max_head = 256;
    ck_assert_int_eq(http_request_reader_feed(&r, big, (size_t)n, &used), -1);
    ck_assert_int_eq(r.error_status, 431);
    http_request_reader_free(&r);
    http_request_reader_init(&r, 2);
    const char *body = "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
    ck_assert_int_eq(http_request_reader_feed(&r, body, strlen(body), &used), -1);
    ck_assert_int_eq(r.error_status, 413);
    http_request_reader_free(&r);
    http_request_reader_init(&r, 2);
    const char *junk = "\x16\x03\x01\x00\x10 not http\r\n\r\n";
    ck_assert_int_eq(http_request_reader_feed(&r, junk, strlen(junk), &used), -1);
    ck_assert_int_eq(r.error_status, 400);
    http_request_reader_free(&r);
}
END_TEST

/* head_only: complete at the end of the head; the body stays with the
 * caller and is flagged, chunked or not. */
START_TEST(reader_head_only)
{
    const char *reqs[] = {
        "POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nGET /",
        "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nGET /",
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /",
    };
    for (size_t i = 0; i < 3; i++) {
        http_request_reader r;
        size_t used;
        http_request_reader_init(&r, 0);
        r.head_only = 1;
        ck_assert_int_eq(http_request_reader_feed(&r, reqs[i], strlen(reqs[i]), &used), 1);
        ck_assert_str_eq(r.req.target, "/a");
        ck_assert_int_eq(r.has_body, i < 2);
        ck_assert_ptr_nonnull(strstr(reqs[i], "\r\n\r\n"));
        ck_assert_uint_eq(used, (size_t)(strstr(reqs[i], "\r\n\r\n") + 4 - reqs[i]));
        http_request_reader_free(&r);
    }
}
END_TEST

/* A DER SEQUENCE of 5 content bytes whose base64 holds a '/' and a '+'. */
static const unsigned char der[] = { 0x30, 0x05, 0xfb, 0xff, 0xbf, 0x00, 0x01 };

START_TEST(ocsp_get_forms)
{
    const char *targets[] = {
        "/MAX7/78AAQ==",          /* raw base64, '/' unescaped */
        "/MAX7%2F78AAQ%3D%3D",    /* escaped as RFC 6960 asks */
        "/ocsp/MAX7/78AAQ==",     /* under a path prefix */
        "/ocsp/MAX7%2f78AAQ%3d%3d?x=1",
    };
    for (size_t i = 0; i < 4; i++) {
        uint8_t *out = NULL;
        size_t len = 0;
        mp_err e;
        ck_assert_msg(srv_ocsp_get_request(targets[i], &out, &len, &e) == 0, "%s: %s", targets[i], e.msg);
        ck_assert_uint_eq(len, sizeof der);
        ck_assert_int_eq(memcmp(out, der, len), 0);
        free(out);
    }
    const char *bad[] = { "/", "/not-base64!", "/MAX7%2", "/AAAA" };
    for (size_t i = 0; i < 4; i++) {
        uint8_t *out = NULL;
        size_t len = 0;
        mp_err e;
        ck_assert_int_eq(srv_ocsp_get_request(bad[i], &out, &len, &e), -1);
    }
    srv_ocsp_mode m;
    ck_assert_int_eq(srv_ocsp_mode_parse("slow", &m), 0);
    ck_assert_int_eq(m, SRV_OCSP_SLOW);
    ck_assert_int_eq(srv_ocsp_mode_parse("up", &m), -1);
}
END_TEST

START_TEST(upstream_specs)
{
    srv_upstream u;
    mp_err e;
    ck_assert_int_eq(srv_upstream_parse("127.0.0.1:9001=valid", &u, &e), 0);
    ck_assert_str_eq(u.listen, "127.0.0.1:9001");
    ck_assert_str_eq(u.fixture, "server/valid");
    ck_assert_str_eq(u.name, "valid");
    ck_assert_int_eq(u.client_auth, 0);
    ck_assert_int_eq(srv_upstream_parse("[::1]:9002=server/expired,client-auth", &u, &e), 0);
    ck_assert_str_eq(u.listen, "[::1]:9002");
    ck_assert_str_eq(u.fixture, "server/expired");
    ck_assert_int_eq(u.client_auth, 1);
    ck_assert_int_eq(srv_upstream_parse("127.0.0.1:9001", &u, &e), -1);
    ck_assert_int_eq(srv_upstream_parse("127.0.0.1:9001=valid,mtls", &u, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "unknown option 'mtls'"));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("serve");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, reader_keeps_headers_as_sent);
    tcase_add_test(tc, reader_limits);
    tcase_add_test(tc, reader_refusal_status);
    tcase_add_test(tc, reader_head_only);
    tcase_add_test(tc, ocsp_get_forms);
    tcase_add_test(tc, upstream_specs);
    suite_add_tcase(s, tc);
    return s;
}
