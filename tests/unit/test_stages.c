/* load --stages: parsing, the ramp's value over time, and the open-loop
 * schedule: arrival k comes when the integrated rate reaches k. Also the
 * stage prefix of thresholds and the load path's response reader on long
 * header lines. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "http/http.h"
#include "load/load.h"
#include "load/output.h"

START_TEST(parse)
{
    load_stage st[LOAD_MAX_STAGES];
    int n, open;
    mp_err e;
    ck_assert_int_eq(load_stages_parse("10s:100/s,30s:800/s,10s:0/s", st, &n, &open, &e), 0);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(open, 1);
    ck_assert(st[1].duration_ns == 30000000000LL && st[1].target == 800);
    ck_assert_int_eq(load_stages_parse("1m:50,30s:200", st, &n, &open, &e), 0);
    ck_assert_int_eq(open, 0);
    ck_assert(st[0].duration_ns == 60000000000LL);
    ck_assert_int_eq(load_stages_total_ns(st, n), 90000000000LL);
    ck_assert_int_eq(load_stages_parse("1s:5,1s:5/s", st, &n, &open, &e), -1);
    ck_assert_int_eq(load_stages_parse("10s", st, &n, &open, &e), -1);
    ck_assert_int_eq(load_stages_parse("0s:5", st, &n, &open, &e), -1);
    ck_assert_int_eq(load_stages_parse("1s:-5", st, &n, &open, &e), -1);
    ck_assert_int_eq(load_stages_parse("", st, &n, &open, &e), -1);
}
END_TEST

START_TEST(ramp_and_schedule)
{
    load_stage st[LOAD_MAX_STAGES];
    int n, open;
    mp_err e;
    ck_assert_int_eq(load_stages_parse("10s:100/s,10s:100/s,10s:0/s", st, &n, &open, &e), 0);
    ck_assert(fabs(load_stages_target(st, n, 5000000000LL) - 50) < 1e-9);
    ck_assert(fabs(load_stages_target(st, n, 15000000000LL) - 100) < 1e-9);
    ck_assert(fabs(load_stages_target(st, n, 25000000000LL) - 50) < 1e-9);
    ck_assert_int_eq(load_stages_index(st, n, 9999999999LL), 0);
    ck_assert_int_eq(load_stages_index(st, n, 10000000000LL), 1);
    ck_assert_int_eq(load_stages_index(st, n, 40000000000LL), 3);
    /* the ramp 0 -> 100/s over 10 s holds 500 arrivals; the plateau 1000 */
    ck_assert(llabs(load_stages_arrival(st, n, 500) - 10000000000LL) < 1000);
    ck_assert(llabs(load_stages_arrival(st, n, 125) - 5000000000LL) < 1000); /* 100/20 * t^2 = 125 at 5 s */
    ck_assert(llabs(load_stages_arrival(st, n, 1000) - 15000000000LL) < 1000);
    ck_assert(llabs(load_stages_arrival(st, n, 2000) - 30000000000LL) < 1000);
    ck_assert_int_eq(load_stages_arrival(st, n, 2000.5), -1);
    /* arrivals come in order */
    int64_t last = -1;
    for (double k = 1; k < 2000; k += 7) {
        int64_t t = load_stages_arrival(st, n, k);
        ck_assert(t > last);
        last = t;
    }
}
END_TEST

START_TEST(stage_thresholds)
{
    load_threshold t;
    mp_err e;
    ck_assert_int_eq(load_threshold_parse("stage2.handshake.p99<50ms", &t, &e), 0);
    ck_assert_int_eq(t.stage, 2);
    ck_assert_str_eq(t.text, "stage2.handshake.p99<50ms");
    ck_assert_int_eq(load_threshold_parse("stage1.errors<1%", &t, &e), 0);
    ck_assert_int_eq(t.stage, 1);
    ck_assert_int_eq(load_threshold_parse("handshake.p99<50ms", &t, &e), 0);
    ck_assert_int_eq(t.stage, 0);
    ck_assert_int_eq(load_threshold_parse("stage0.errors<1%", &t, &e), -1);
    ck_assert_int_eq(load_threshold_parse("stage99.errors<1%", &t, &e), -1);
    /* a stage the run did not have cannot be judged */
    load_result r;
    memset(&r, 0, sizeof r);
    char obs[64];
    ck_assert_int_eq(load_threshold_parse("stage3.errors<1%", &t, &e), 0);
    ck_assert_int_eq(load_threshold_check(&t, &r, obs, sizeof obs), -1);
    ck_assert_str_eq(obs, "no stage 3");
}
END_TEST

START_TEST(load_reader_long_lines)
{
    http_load_reader r;
    http_load_reader_init(&r);
    char head[2048];
    char pad[1500];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nX-Long: %s\r\nContent-Length: 5\r\n\r\nhello", pad);
    /* fed a byte at a time: headers split anywhere */
    int rc = 0;
    for (size_t i = 0; i < strlen(head); i++)
        rc = http_load_reader_feed(&r, head + i, 1);
    ck_assert_int_eq(rc, 1);
    ck_assert_int_eq(r.status, 200);
    http_load_reader_init(&r);
    ck_assert_int_eq(http_load_reader_feed(&r, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", 46), 1);
    ck_assert_int_eq(r.keep_alive, 0);
    http_load_reader_init(&r);
    /* http-parser skips empty lines before a message (RFC 9112 2.2); this
     * one has no length, so its body lasts until the close */
    ck_assert_int_eq(http_load_reader_feed(&r, "\r\nHTTP/1.1 200 OK\r\n\r\n", 21), 0);
    ck_assert_int_eq(http_load_reader_eof(&r), 1);
    ck_assert_int_eq(r.status, 200);
    /* a head that never ends is refused, not buffered */
    http_load_reader_init(&r);
    ck_assert_int_eq(http_load_reader_feed(&r, "HTTP/1.1 200 OK\r\n", 17), 0);
    rc = 0;
    for (int i = 0; i < 200 && rc == 0; i++)
        rc = http_load_reader_feed(&r, head + 17, 1000 - 17); /* X-Long lines, no blank line */
    ck_assert_int_eq(rc, -1);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("stages");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, parse);
    tcase_add_test(tc, ramp_and_schedule);
    tcase_add_test(tc, stage_thresholds);
    tcase_add_test(tc, load_reader_long_lines);
    suite_add_tcase(s, tc);
    return s;
}
