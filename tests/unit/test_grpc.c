/* grpc: the message prefix, grpc-status parsing and names, and the answer
 * read from a response: grpc-status from the trailers decides, not the HTTP
 * status (a refusal inside HTTP 200); a missing or malformed grpc-status is
 * no answer; grpc-message is decoded to printable text. */
#include <string.h>

#include "check_main.h"
#include "proto/grpc.h"

START_TEST(frame)
{
    uint8_t out[16];
    ck_assert_uint_eq(grpc_frame_encode(NULL, 0, out, sizeof out), 5);
    ck_assert(memcmp(out, "\0\0\0\0\0", 5) == 0);
    const uint8_t msg[] = { 0x0a, 0x01, 'x' };
    ck_assert_uint_eq(grpc_frame_encode(msg, 3, out, sizeof out), 8);
    ck_assert(memcmp(out, "\0\0\0\0\3\x0a\x01x", 8) == 0);
    ck_assert_uint_eq(grpc_frame_encode(msg, 3, out, 7), 0);
    ck_assert_uint_eq(grpc_frame_encode(msg, 3, out, 4), 0);
}
END_TEST

START_TEST(status_values)
{
    struct { const char *in; int code; } cases[] = {
        { "0", 0 }, { "7", 7 }, { "16", 16 }, { "99", 99 }, { "", -1 }, { "100", -1 },
        { " 7", -1 }, { "7 ", -1 }, { "-1", -1 }, { "0x10", -1 }, { "1a", -1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(grpc_status_parse(cases[i].in) == cases[i].code, "'%s'", cases[i].in);
    ck_assert_str_eq(grpc_status_name(16), "UNAUTHENTICATED");
    ck_assert_str_eq(grpc_status_name(7), "PERMISSION_DENIED");
    ck_assert_str_eq(grpc_status_name(0), "OK");
    ck_assert_str_eq(grpc_status_name(17), "UNKNOWN_CODE");
    ck_assert_str_eq(grpc_status_name(-1), "UNKNOWN_CODE");
    ck_assert(grpc_status_is_refusal(16) && grpc_status_is_refusal(7));
    ck_assert(!grpc_status_is_refusal(0) && !grpc_status_is_refusal(14));
}
END_TEST

static http_response response(int status, const char *const *kv, size_t n, const char *body, size_t body_len)
{
    static http_header h[8];
    http_response r = { .status = status, .headers = h, .n_headers = n / 2 };
    for (size_t i = 0; i < n / 2; i++) {
        h[i].name = (char *)kv[2 * i];
        h[i].value = (char *)kv[2 * i + 1];
    }
    r.body = (char *)body;
    r.body_len = body_len;
    return r;
}

START_TEST(answers)
{
    char text[256];
    grpc_answer a;

    /* a health check served: one message, then grpc-status 0 in the trailers */
    const char *ok[] = { "content-type", "application/grpc", "grpc-status", "0" };
    http_response r = response(200, ok, 4, "\0\0\0\0\2\x08\x01", 7);
    grpc_answer_read(&r, &a);
    ck_assert_int_eq(a.status, 0);
    ck_assert(a.is_grpc);
    ck_assert_int_eq(a.n_messages, 1);
    ck_assert(!a.body_malformed);
    grpc_answer_text(&a, text, sizeof text);
    ck_assert_str_eq(text, "grpc-status 0 OK, HTTP 200");

    /* a refusal inside HTTP 200, trailers-only, its message percent-encoded */
    const char *denied[] = { "content-type", "application/grpc+proto", "grpc-status", "16", "grpc-message",
                             "a%20client certificate%0Ais required" };
    r = response(200, denied, 6, NULL, 0);
    grpc_answer_read(&r, &a);
    ck_assert_int_eq(a.status, 16);
    ck_assert(grpc_status_is_refusal(a.status));
    grpc_answer_text(&a, text, sizeof text);
    ck_assert_str_eq(text, "grpc-status 16 UNAUTHENTICATED (a client certificate?is required), HTTP 200");

    /* a proxy's HTML error page: no grpc-status, not gRPC */
    const char *html[] = { "content-type", "text/html" };
    r = response(503, html, 2, "<html>", 6);
    grpc_answer_read(&r, &a);
    ck_assert_int_eq(a.status, -1);
    ck_assert(!a.is_grpc);
    grpc_answer_text(&a, text, sizeof text);
    ck_assert_str_eq(text, "HTTP 503, no grpc-status (not a gRPC response)");

    /* a malformed grpc-status is no answer; application/grpcx is not gRPC */
    const char *bad[] = { "content-type", "application/grpcx", "grpc-status", "sixteen" };
    r = response(200, bad, 4, NULL, 0);
    grpc_answer_read(&r, &a);
    ck_assert_int_eq(a.status, -1);
    ck_assert(!a.is_grpc);

    /* a prefix announcing more than the body holds */
    const char *trunc[] = { "content-type", "application/grpc;charset=x", "grpc-status", "0" };
    r = response(200, trunc, 4, "\0\0\0\0\x09\x08", 6);
    grpc_answer_read(&r, &a);
    ck_assert(a.is_grpc);
    ck_assert(a.body_malformed);
    ck_assert_int_eq(a.n_messages, 0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("grpc");
    TCase *tc = tcase_create("grpc");
    tcase_add_test(tc, frame);
    tcase_add_test(tc, status_values);
    tcase_add_test(tc, answers);
    suite_add_tcase(s, tc);
    return s;
}
