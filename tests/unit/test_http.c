/* http: the request builder, the allocating reader and the load path's
 * reader (http-parser, no allocation) agree on what a response is,
 * including split and chunked input, keep-alive and close-delimited
 * bodies; the client exchanges a request over the plain-TCP transport. */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "http/client.h"
#include "http/http.h"
#include "util/timeutil.h"

/* Feeds resp in pieces, then, with eof, the peer's close. */
static int load_in_pieces(const char *resp, size_t n, size_t piece, int eof, http_load_reader *r)
{
    http_load_reader_init(r);
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0; off += piece) {
        size_t take = n - off < piece ? n - off : piece;
        rc = http_load_reader_feed(r, resp + off, take);
    }
    if (rc == 0 && eof)
        rc = http_load_reader_eof(r);
    return rc;
}

START_TEST(load_reader_delimiters)
{
    const char *cl = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";
    const char *ch = "HTTP/1.1 403 Forbidden\r\ntransfer-encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: y\r\n\r\n";
    const char *nolen = "HTTP/1.1 200 OK\r\n\r\nbody until close";
    const char *empty = "HTTP/1.1 204 No Content\r\n\r\n";
    const char *closing = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    const char *old = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";
    size_t pieces[] = { 1, 2, 7, 1000 };
    for (size_t i = 0; i < 4; i++) {
        http_load_reader r;
        ck_assert_int_eq(load_in_pieces(cl, strlen(cl), pieces[i], 0, &r), 1);
        ck_assert_int_eq(r.status, 200);
        ck_assert_int_eq(r.keep_alive, 1);
        ck_assert_int_eq(load_in_pieces(ch, strlen(ch), pieces[i], 0, &r), 1);
        ck_assert_int_eq(r.status, 403);
        ck_assert_int_eq(r.keep_alive, 1);
        ck_assert_int_eq(load_in_pieces(nolen, strlen(nolen), pieces[i], 0, &r), 0); /* waits for close */
        ck_assert_int_eq(load_in_pieces(nolen, strlen(nolen), pieces[i], 1, &r), 1); /* ... which ends it */
        ck_assert_int_eq(r.keep_alive, 0);
        ck_assert_int_eq(load_in_pieces(empty, strlen(empty), pieces[i], 0, &r), 1);
        ck_assert_int_eq(r.status, 204);
        ck_assert_int_eq(load_in_pieces(closing, strlen(closing), pieces[i], 0, &r), 1);
        ck_assert_int_eq(r.keep_alive, 0);
        ck_assert_int_eq(load_in_pieces(old, strlen(old), pieces[i], 0, &r), 1);
        ck_assert_int_eq(r.keep_alive, 0); /* HTTP/1.0 without keep-alive */
    }
    http_load_reader r;
    /* a close cuts a body with a length, or the head, short */
    ck_assert_int_eq(load_in_pieces(cl, strlen(cl) - 1, 1000, 1, &r), -1);
    ck_assert_int_eq(load_in_pieces(cl, 20, 1000, 1, &r), -1);
    ck_assert_int_eq(load_in_pieces("", 0, 1000, 1, &r), -1);
    /* bytes after the response are not this response's */
    const char *extra = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE";
    ck_assert_int_eq(load_in_pieces(extra, strlen(extra), 1000, 0, &r), 1);
    ck_assert_int_eq(r.status, 200);
    /* the same reader serves the next response on the connection */
    ck_assert_int_eq(load_in_pieces(ch, strlen(ch), 1000, 0, &r), 1);
    ck_assert_int_eq(r.status, 403);
    ck_assert_int_eq(load_in_pieces("SSH-2.0-OpenSSH\r\n\r\n", 21, 100, 0, &r), -1);
    const char *badchunk = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
    ck_assert_int_eq(load_in_pieces(badchunk, strlen(badchunk), 100, 0, &r), -1);
}
END_TEST

START_TEST(load_reader_refuses_huge_headers)
{
    /* past http-parser's HTTP_MAX_HEADER_SIZE (80 KiB), fed as one value
     * and as many lines */
    static char big[100000];
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    memset(big + 20, 'a', sizeof big - 20);
    http_load_reader r;
    ck_assert_int_eq(load_in_pieces(big, sizeof big, 4096, 0, &r), -1);
    for (size_t off = 17; off + 20 <= sizeof big; off += 20)
        memcpy(big + off, "X-Long: aaaaaaaaa\r\n", 20);
    ck_assert_int_eq(load_in_pieces(big, sizeof big, 4096, 0, &r), -1);
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

/* The HTTP client over the plain-TCP transport: a socketpair's other end
 * holds the response; with shut, the body ends with the peer's FIN. */
static int exchange_with(const char *resp, int shut, http_response *out, char *req_seen, size_t req_cap)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
    ck_assert_int_eq((int)write(sv[1], resp, strlen(resp)), (int)strlen(resp));
    if (shut)
        shutdown(sv[1], SHUT_WR);
    net_transport xp;
    net_tcp_transport(&xp, sv[0]);
    int64_t first = 0;
    char err[160];
    const char *req = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    int rc = http_exchange(&xp, req, strlen(req), tm_mono_ns() + 2000000000LL, 1024, out, &first, err, sizeof err);
    net_xp_close(&xp, 0);
    ssize_t n = read(sv[1], req_seen, req_cap - 1);
    req_seen[n > 0 ? n : 0] = '\0';
    close(sv[1]);
    if (rc == HTTP_X_OK)
        ck_assert(first > 0);
    return rc;
}

START_TEST(exchange_over_tcp)
{
    http_response r;
    char seen[256];
    ck_assert_int_eq(exchange_with("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 0, &r, seen, sizeof seen),
                     HTTP_X_OK);
    ck_assert_int_eq(r.status, 201);
    ck_assert_str_eq(r.body, "ok");
    ck_assert_str_eq(seen, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    http_response_free(&r);
    ck_assert_int_eq(exchange_with("HTTP/1.1 200 OK\r\n\r\nuntil close", 1, &r, seen, sizeof seen), HTTP_X_OK);
    ck_assert_str_eq(r.body, "until close");
    http_response_free(&r);
    ck_assert_int_eq(exchange_with("", 1, &r, seen, sizeof seen), HTTP_X_CLOSED);
    ck_assert_int_eq(exchange_with("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", 1, &r, seen, sizeof seen),
                     HTTP_X_MALFORMED);
    ck_assert_int_eq(exchange_with("NOT HTTP\r\n\r\n", 0, &r, seen, sizeof seen), HTTP_X_MALFORMED);
}
END_TEST

/* One status rule for both HTTP versions, and one header collector. */
START_TEST(status_rule_and_header_slots)
{
    ck_assert_int_eq(http_status_parse("200", 3), 200);
    ck_assert_int_eq(http_status_parse("599", 3), 599);
    ck_assert_int_eq(http_status_parse("100", 3), 100);
    ck_assert_int_eq(http_status_parse("099", 3), -1);
    ck_assert_int_eq(http_status_parse("600", 3), -1);
    ck_assert_int_eq(http_status_parse("2x0", 3), -1);
    ck_assert_int_eq(http_status_parse("20", 2), -1);
    ck_assert_int_eq(http_status_parse("2000", 4), -1);
    ck_assert_int_eq(http_status_parse(" 200", 4), -1);
    ck_assert(HTTP_STATUS_VALID(404) && !HTTP_STATUS_VALID(99) && !HTTP_STATUS_VALID(600));
    http_response r;
    memset(&r, 0, sizeof r);
    int full = -1;
    for (int i = 0; i < HTTP_MAX_RESPONSE_HEADERS; i++) {
        http_header *h = http_response_new_header(&r, &full);
        ck_assert_ptr_nonnull(h);
        ck_assert_int_eq(full, 0);
        ck_assert_ptr_null(h->name);
        h->name = strdup("X");
        h->value = strdup("y");
    }
    ck_assert_ptr_null(http_response_new_header(&r, &full));
    ck_assert_int_eq(full, 1);
    ck_assert_uint_eq(r.n_headers, HTTP_MAX_RESPONSE_HEADERS);
    http_response_free(&r);
}
END_TEST

/* Interim responses (RFC 9110 15.2) are skipped, their headers with them,
 * however the bytes are split; 101 is final; a flood of them is malformed. */
START_TEST(interim_responses_skipped)
{
    static const char resp[] = "HTTP/1.1 100 Continue\r\n\r\n"
                               "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                               "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    for (size_t piece = 1; piece <= sizeof resp; piece++) {
        http_load_reader lr;
        ck_assert_int_eq(load_in_pieces(resp, sizeof resp - 1, piece, 0, &lr), 1);
        ck_assert_int_eq(lr.status, 200);
        http_reader r;
        http_reader_init(&r, 64);
        int rc = 0;
        for (size_t off = 0; off < sizeof resp - 1 && rc == 0; off += piece) {
            size_t take = sizeof resp - 1 - off < piece ? sizeof resp - 1 - off : piece;
            rc = http_reader_feed(&r, resp + off, take);
        }
        ck_assert_int_eq(rc, 1);
        http_response out;
        http_reader_take(&r, &out);
        http_reader_free(&r);
        ck_assert_int_eq(out.status, 200);
        ck_assert_ptr_null(http_response_header(&out, "Link"));
        ck_assert_str_eq(http_response_header(&out, "Content-Length"), "2");
        ck_assert_uint_eq(out.body_len, 2);
        http_response_free(&out);
    }
    /* 103 alone, then the close: no answer */
    static const char early[] = "HTTP/1.1 103 Early Hints\r\n\r\n";
    http_load_reader lr;
    ck_assert_int_eq(load_in_pieces(early, sizeof early - 1, 64, 1, &lr), -1);
    http_reader r;
    http_reader_init(&r, 64);
    ck_assert_int_eq(http_reader_feed(&r, early, sizeof early - 1), 0);
    ck_assert_int_eq(http_reader_eof(&r), -1);
    ck_assert_int_eq(r.resp.status, 0);
    http_reader_free(&r);
    /* 101 Switching Protocols is a final response */
    static const char up[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n";
    ck_assert_int_eq(load_in_pieces(up, sizeof up - 1, 64, 0, &lr), 1);
    ck_assert_int_eq(lr.status, 101);
    /* more than HTTP_MAX_INTERIM interim responses: malformed */
    char flood[64 * (HTTP_MAX_INTERIM + 2)] = "";
    for (int i = 0; i <= HTTP_MAX_INTERIM; i++)
        strcat(flood, "HTTP/1.1 100 Continue\r\n\r\n");
    strcat(flood, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    ck_assert_int_eq(load_in_pieces(flood, strlen(flood), 4096, 0, &lr), -1);
    http_reader_init(&r, 64);
    ck_assert_int_eq(http_reader_feed(&r, flood, strlen(flood)), -1);
    ck_assert_msg(strstr(r.error, "interim") != NULL, "%s", r.error);
    http_reader_free(&r);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, load_reader_delimiters);
    tcase_add_test(tc, load_reader_refuses_huge_headers);
    tcase_add_test(tc, reader_and_builder);
    tcase_add_test(tc, exchange_over_tcp);
    tcase_add_test(tc, interim_responses_skipped);
    tcase_add_test(tc, status_rule_and_header_slots);
    suite_add_tcase(s, tc);
    return s;
}
