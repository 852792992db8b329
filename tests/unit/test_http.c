/* http: the request builder, the allocating reader and the load scanner
 * agree on what a response is, including split and chunked input. */
#include <string.h>

#include "check_main.h"
#include "http/http.h"

static int scan_in_pieces(const char *resp, size_t piece, int *status)
{
    http_scan s;
    http_scan_init(&s);
    size_t n = strlen(resp);
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0; off += piece) {
        size_t take = n - off < piece ? n - off : piece;
        rc = http_scan_feed(&s, resp + off, take);
    }
    *status = s.status;
    return rc;
}

START_TEST(scanner_content_length_and_chunked)
{
    const char *cl = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";
    const char *ch = "HTTP/1.1 403 Forbidden\r\ntransfer-encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: y\r\n\r\n";
    const char *nolen = "HTTP/1.0 200 OK\r\n\r\nbody until close";
    const char *empty = "HTTP/1.1 204 No Content\r\n\r\n";
    size_t pieces[] = { 1, 2, 7, 1000 };
    for (size_t i = 0; i < 4; i++) {
        int status;
        ck_assert_int_eq(scan_in_pieces(cl, pieces[i], &status), 1);
        ck_assert_int_eq(status, 200);
        ck_assert_int_eq(scan_in_pieces(ch, pieces[i], &status), 1);
        ck_assert_int_eq(status, 403);
        ck_assert_int_eq(scan_in_pieces(nolen, pieces[i], &status), 0); /* waits for close */
        ck_assert_int_eq(scan_in_pieces(empty, pieces[i], &status), 1);
        ck_assert_int_eq(status, 204);
    }
    int status;
    ck_assert_int_eq(scan_in_pieces("SSH-2.0-OpenSSH\r\n\r\n", 100, &status), -1);
    ck_assert_int_eq(scan_in_pieces("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100, &status), -1);
}
END_TEST

START_TEST(scanner_refuses_huge_headers)
{
    static char big[20000];
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    memset(big + 20, 'a', sizeof big - 21);
    int status;
    ck_assert_int_eq(scan_in_pieces(big, 4096, &status), -1);
}
END_TEST

START_TEST(reader_and_builder)
{
    char *req;
    size_t len;
    mp_err e;
    http_header h = { "X-A", "1" };
    ck_assert_int_eq(http_request_build("GET", "/p", "host:1", &h, 1, NULL, 0, &req, &len, &e), 0);
    ck_assert_str_eq(req, "GET /p HTTP/1.1\r\nHost: host:1\r\nX-A: 1\r\nUser-Agent: mtlsprobe\r\n\r\n");
    free(req);
    ck_assert_int_eq(http_request_build("get", "/", "h", NULL, 0, NULL, 0, &req, &len, &e), -1);
    ck_assert_int_eq(http_request_build("GET", "/a b", "h", NULL, 0, NULL, 0, &req, &len, &e), -1);
    http_header bad;
    ck_assert_int_eq(http_header_parse("NoColon", &bad, &e), -1);
    ck_assert_int_eq(http_header_parse("X: a\r\nInjected: 1", &bad, &e), -1);

    http_reader r;
    http_reader_init(&r, 4);
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Y: z\r\n\r\n0123456789";
    ck_assert_int_eq(http_reader_feed(&r, resp, strlen(resp)), 1);
    http_response out;
    http_reader_take(&r, &out);
    ck_assert_int_eq(out.status, 200);
    ck_assert_str_eq(http_response_header(&out, "x-y"), "z");
    ck_assert_uint_eq(out.body_len, 4);
    ck_assert_int_eq(out.body_truncated, 1);
    http_response_free(&out);
    http_reader_free(&r);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, scanner_content_length_and_chunked);
    tcase_add_test(tc, scanner_refuses_huge_headers);
    tcase_add_test(tc, reader_and_builder);
    suite_add_tcase(s, tc);
    return s;
}
