#define _GNU_SOURCE
/* proto/proto: each scheme's exchange over the scripted in-memory transport
 * (what it sends, how it reads the answer, how an ending without one is
 * told), and the answers' "served" and "same as the control" rules; then
 * the verdict over MQTT, gRPC and raw TLS answers, in the form
 * test_verdict.c uses for HTTP. */
#include <string.h>

#include "check_main.h"
#include "net/transport_mem.h"
#include "proto/grpc.h"
#include "proto/mqtt.h"
#include "proto/proto.h"
#include "scenario/verdict.h"
#include "util/timeutil.h"

#define SECOND 1000000000LL

static net_url target(const char *url)
{
    net_url u;
    mp_err e;
    ck_assert_int_eq(net_url_parse(url, &u, &e), 0);
    return u;
}

/* Runs the scheme's default request and exchange against the script. */
static proto_result exchange(const char *url, const proto_config *pc, const net_mem_step *steps, size_t n,
                             proto_answer *a, net_mem_peer *p, char *err, size_t errlen)
{
    net_url u = target(url);
    const proto_handler *h = proto_for(u.scheme);
    char *req = NULL;
    size_t len = 0;
    mp_err e;
    ck_assert_int_eq(h->default_request(&u, NULL, 0, pc, &req, &len, &e), 0);
    net_transport t;
    memset(p, 0, sizeof *p);
    net_mem_transport(&t, p, steps, n);
    http_response resp;
    memset(&resp, 0, sizeof resp);
    int64_t fb = 0;
    err[0] = '\0';
    proto_result r = h->exchange(&t, &u, pc, req, len, tm_mono_ns() + SECOND, 1 << 20, a, &resp, &fb, err, errlen);
    http_response_free(&resp);
    net_xp_close(&t, 0);
    free(req);
    return r;
}

START_TEST(mqtt_exchange)
{
    proto_config pc = { .mqtt_version = MQTT_V311, .client_id = "dev-1", .username = "u",
                        .password = (const uint8_t *)"pw", .password_len = 2 };
    static const char accepted[] = { 0x20, 0x02, 0x00, 0x00 }, refused[] = { 0x20, 0x02, 0x00, 0x05 };
    net_mem_step ok[] = { { NET_MEM_SEND, accepted, 4, 1 }, { NET_MEM_STALL, 0, 0, 0 } };
    proto_answer a;
    net_mem_peer p;
    char err[200];
    ck_assert_int_eq(exchange("mqtts://broker.test", &pc, ok, 2, &a, &p, err, sizeof err), PROTO_X_ANSWER);
    ck_assert_int_eq(a.kind, PROTO_MQTT);
    ck_assert_int_eq(a.code, 0);
    ck_assert_str_eq(a.text, "CONNACK 0x00 accepted");
    ck_assert(proto_answer_served(&a));
    /* the CONNECT carried the client id, user name and password, then a DISCONNECT */
    ck_assert_int_eq((unsigned char)p.written[0], 0x10);
    ck_assert(memmem(p.written, p.n_written, "dev-1", 5) != NULL);
    ck_assert(memmem(p.written, p.n_written, "pw", 2) != NULL);
    ck_assert_int_eq((unsigned char)p.written[p.n_written - 2], 0xe0);
    net_mem_peer_free(&p);

    net_mem_step no[] = { { NET_MEM_SEND, refused, 4, 1 }, { NET_MEM_CLOSE, 0, 0, 0 } };
    ck_assert_int_eq(exchange("mqtts://broker.test", &pc, no, 2, &a, &p, err, sizeof err), PROTO_X_ANSWER);
    ck_assert_int_eq(a.code, 5);
    ck_assert_str_eq(a.text, "CONNACK 0x05 not authorized");
    ck_assert(!proto_answer_served(&a));
    net_mem_peer_free(&p);

    /* a close before any CONNACK is no answer */
    net_mem_step closes[] = { { NET_MEM_CLOSE, 0, 0, 1 } };
    ck_assert_int_eq(exchange("mqtts://broker.test", &pc, closes, 1, &a, &p, err, sizeof err), PROTO_X_CLOSED);
    ck_assert(strstr(err, "before a CONNACK") != NULL);
    net_mem_peer_free(&p);

    /* another packet first, or a broken length, is malformed */
    static const char pingresp[] = { (char)0xd0, 0x00 }, broken[] = { 0x20, (char)0xff, (char)0xff,
                                                                      (char)0xff, (char)0xff, 0x01 };
    net_mem_step other[] = { { NET_MEM_SEND, pingresp, 2, 1 }, { NET_MEM_STALL, 0, 0, 0 } };
    ck_assert_int_eq(exchange("mqtts://broker.test", &pc, other, 2, &a, &p, err, sizeof err), PROTO_X_MALFORMED);
    ck_assert(strstr(err, "before its CONNACK") != NULL);
    net_mem_peer_free(&p);
    net_mem_step bad[] = { { NET_MEM_SEND, broken, 6, 1 }, { NET_MEM_STALL, 0, 0, 0 } };
    ck_assert_int_eq(exchange("mqtts://broker.test", &pc, bad, 2, &a, &p, err, sizeof err), PROTO_X_MALFORMED);
    net_mem_peer_free(&p);

    /* MQTT 5: the reason code, and a stall is no answer either */
    pc.mqtt_version = MQTT_V5;
    static const char v5[] = { 0x20, 0x03, 0x00, (char)0x87, 0x00 };
    net_mem_step five[] = { { NET_MEM_SEND, v5, 5, 1 }, { NET_MEM_STALL, 0, 0, 0 } };
    ck_assert_int_eq(exchange("mqtts://broker.test", &pc, five, 2, &a, &p, err, sizeof err), PROTO_X_ANSWER);
    ck_assert_int_eq(a.code, 0x87);
    ck_assert_int_eq((unsigned char)p.written[8], MQTT_V5); /* the protocol level byte */
    net_mem_peer_free(&p);
    net_mem_step stall[] = { { NET_MEM_STALL, 0, 0, 0 } };
    ck_assert_int_eq(exchange("mqtts://broker.test", &pc, stall, 1, &a, &p, err, sizeof err), PROTO_X_FAILED);
    net_mem_peer_free(&p);
}
END_TEST

START_TEST(tls_exchange)
{
    proto_answer a;
    net_mem_peer p;
    char err[200];
    proto_config none = { 0 };
    /* nothing sent, the connection stays open through the window: served */
    net_mem_step stall[] = { { NET_MEM_STALL, 0, 0, 0 } };
    ck_assert_int_eq(exchange("tls://svc.test:5000", &none, stall, 1, &a, &p, err, sizeof err), PROTO_X_ANSWER);
    ck_assert_int_eq(a.kind, PROTO_TLS);
    ck_assert(proto_answer_served(&a));
    ck_assert_str_eq(a.text, "connection open 500 ms after the handshake");
    ck_assert_uint_eq(p.n_written, 0);
    net_mem_peer_free(&p);
    /* a close with nothing said: no answer (a refusal after the handshake) */
    net_mem_step closes[] = { { NET_MEM_CLOSE, 0, 0, 0 } };
    ck_assert_int_eq(exchange("tls://svc.test:5000", &none, closes, 1, &a, &p, err, sizeof err), PROTO_X_CLOSED);
    net_mem_peer_free(&p);
    /* a banner, then a close: that was the answer */
    net_mem_step banner[] = { { NET_MEM_SEND, "220 ready\r\n", 11, 0 }, { NET_MEM_CLOSE, 0, 0, 0 } };
    ck_assert_int_eq(exchange("tls://svc.test:5000", &none, banner, 2, &a, &p, err, sizeof err), PROTO_X_ANSWER);
    ck_assert_str_eq(a.text, "11 bytes, then the server closed the connection");
    ck_assert(proto_answer_served(&a));
    net_mem_peer_free(&p);
    /* a reset is a failure of the transport */
    net_mem_step reset[] = { { NET_MEM_RESET, 0, 0, 0 } };
    ck_assert_int_eq(exchange("tls://svc.test:5000", &none, reset, 1, &a, &p, err, sizeof err), PROTO_X_FAILED);
    net_mem_peer_free(&p);

    /* --send and --expect, the bytes split over reads */
    proto_config pc = { .send = (const uint8_t *)"PING\r\n", .send_len = 6,
                        .expect = (const uint8_t *)"PONG", .expect_len = 4 };
    net_mem_step pong[] = { { NET_MEM_SEND, "+PO", 3, 6 }, { NET_MEM_SEND, "NG\r\n", 4, 6 }, { NET_MEM_STALL, 0, 0, 0 } };
    ck_assert_int_eq(exchange("tls://svc.test:5000", &pc, pong, 3, &a, &p, err, sizeof err), PROTO_X_ANSWER);
    ck_assert_str_eq(p.written, "PING\r\n");
    ck_assert_int_eq(a.expected, 1);
    ck_assert(proto_answer_served(&a));
    net_mem_peer_free(&p);
    net_mem_step wrong[] = { { NET_MEM_SEND, "-ERR\r\n", 6, 6 }, { NET_MEM_STALL, 0, 0, 0 } };
    ck_assert_int_eq(exchange("tls://svc.test:5000", &pc, wrong, 2, &a, &p, err, sizeof err), PROTO_X_ANSWER);
    ck_assert_int_eq(a.expected, 0);
    ck_assert(!proto_answer_served(&a));
    net_mem_peer_free(&p);
    /* with --expect, a close before the bytes is no answer */
    net_mem_step gone[] = { { NET_MEM_SEND, "-ERR\r\n", 6, 6 }, { NET_MEM_CLOSE, 0, 0, 0 } };
    ck_assert_int_eq(exchange("tls://svc.test:5000", &pc, gone, 2, &a, &p, err, sizeof err), PROTO_X_CLOSED);
    net_mem_peer_free(&p);
}
END_TEST

START_TEST(http_exchange_and_answers)
{
    proto_answer a;
    net_mem_peer p;
    char err[200];
    static const char resp[] = "HTTP/1.1 302 Found\r\nLocation: /login\r\nContent-Length: 6\r\n\r\ndenied";
    net_mem_step steps[] = { { NET_MEM_SEND, resp, sizeof resp - 1, 1 }, { NET_MEM_STALL, 0, 0, 0 } };
    ck_assert_int_eq(exchange("https://gw.test/p", NULL, steps, 2, &a, &p, err, sizeof err), PROTO_X_ANSWER);
    ck_assert(strncmp(p.written, "GET /p HTTP/1.1\r\n", 17) == 0);
    ck_assert_int_eq(a.code, 302);
    ck_assert_str_eq(a.text, "HTTP 302 to /login");
    ck_assert_str_eq(a.refusal_word, "denied");
    ck_assert(proto_answer_served(&a));
    net_mem_peer_free(&p);

    /* the same answer: per protocol */
    proto_answer h200 = { .kind = PROTO_HTTP, .code = 200 }, h204 = { .kind = PROTO_HTTP, .code = 204 };
    proto_answer h401 = { .kind = PROTO_HTTP, .code = 401 };
    ck_assert(proto_answer_same(&h200, &h204));
    ck_assert(!proto_answer_same(&h200, &h401));
    proto_answer g0 = { .kind = PROTO_GRPC, .code = 0, .http_status = 200 };
    proto_answer g16 = { .kind = PROTO_GRPC, .code = GRPC_UNAUTHENTICATED, .http_status = 200 };
    ck_assert(proto_answer_served(&g0));
    ck_assert(!proto_answer_served(&g16)); /* HTTP 200, but refused */
    ck_assert(!proto_answer_same(&g0, &g16));
    proto_answer m0 = { .kind = PROTO_MQTT, .code = 0 };
    ck_assert(!proto_answer_same(&m0, &g0)); /* different kinds never match */

    uint8_t out[16];
    size_t n;
    ck_assert_int_eq(proto_unescape("a\\r\\n\\x41\\\\\\0", out, sizeof out, &n), 0);
    ck_assert_uint_eq(n, 6);
    ck_assert_mem_eq(out, "a\r\nA\\\0", 6);
    ck_assert_int_eq(proto_unescape("\\q", out, sizeof out, &n), -1);
    ck_assert_int_eq(proto_unescape("\\x4", out, sizeof out, &n), -1);
    ck_assert_int_eq(proto_unescape("toolong", out, 3, &n), -1);
}
END_TEST

/* ---- the verdict over non-HTTP answers ---------------------------------- */

static vd_obs answer(proto_kind k, int code, const char *text)
{
    vd_obs o;
    memset(&o, 0, sizeof o);
    o.kind = VD_ANSWER;
    o.proto = k;
    o.cert_requested = 1;
    o.answer.kind = k;
    o.answer.code = code;
    o.answer.expected = -1;
    o.answer.http_status = k == PROTO_GRPC ? 200 : 0;
    snprintf(o.answer.text, sizeof o.answer.text, "%s", text);
    snprintf(o.text, sizeof o.text, "%s", text);
    snprintf(o.version, sizeof o.version, "TLSv1.3");
    return o;
}

static vd_obs closed_after(proto_kind k, int alert)
{
    vd_obs o;
    memset(&o, 0, sizeof o);
    o.kind = VD_REFUSED;
    o.proto = k;
    o.cert_requested = 1;
    o.after_handshake = 1;
    o.alert_received = alert;
    o.request_sent = 1;
    snprintf(o.text, sizeof o.text, "%s", alert ? "alert certificate_required (116) received" : "connection closed");
    snprintf(o.version, sizeof o.version, "TLSv1.3");
    return o;
}

typedef struct row {
    const char *name;
    vd_obs o, ctl;
    res_verdict reject, mode;
    const char *word; /* in observed or reason of the reject judgement, or of the mode */
    const char *rejected_in;
} row;

START_TEST(verdicts_per_protocol)
{
    const vd_names names = { "client/valid", "/fx/trust.pem", "/grpc.health.v1.Health/Check", NULL, NULL, NULL };
    vd_obs m_ok = answer(PROTO_MQTT, 0, "CONNACK 0x00 accepted");
    vd_obs g_ok = answer(PROTO_GRPC, 0, "grpc-status 0 OK, HTTP 200");
    vd_obs t_ok = answer(PROTO_TLS, 0, "connection open 500 ms after the handshake");
    const row rows[] = {
        { "CONNACK not authorized against an accepted control", answer(PROTO_MQTT, 5, "CONNACK 0x05 not authorized"),
          m_ok, RES_PASS, RES_PASS, "required over MQTT", "mqtt" },
        { "CONNACK accepted like the control", m_ok, m_ok, RES_FAIL, RES_FAIL, "optional", "" },
        { "MQTT: a close after CONNECT", closed_after(PROTO_MQTT, 0), m_ok, RES_PASS, RES_PASS, "required over MQTT",
          "after-handshake" },
        { "MQTT: the control refused in its CONNACK", answer(PROTO_MQTT, 5, "CONNACK 0x05 not authorized"),
          answer(PROTO_MQTT, 5, "CONNACK 0x05 not authorized"), RES_INCONCLUSIVE, RES_INCONCLUSIVE, "--username",
          "" },
        { "gRPC UNAUTHENTICATED in HTTP 200", answer(PROTO_GRPC, 16, "grpc-status 16 UNAUTHENTICATED, HTTP 200"),
          g_ok, RES_PASS, RES_PASS, "required by the service", "grpc" },
        { "gRPC OK like the control", g_ok, g_ok, RES_FAIL, RES_FAIL, "optional", "" },
        { "gRPC: the control PERMISSION_DENIED", answer(PROTO_GRPC, 7, "grpc-status 7 PERMISSION_DENIED, HTTP 200"),
          answer(PROTO_GRPC, 7, "grpc-status 7 PERMISSION_DENIED, HTTP 200"), RES_INCONCLUSIVE, RES_INCONCLUSIVE,
          "method", "" },
        { "TLS: an alert after the handshake", closed_after(PROTO_TLS, 1), t_ok, RES_PASS, RES_PASS, "mode required (",
          "after-handshake" },
        { "TLS: open like the control", t_ok, t_ok, RES_FAIL, RES_FAIL, "optional", "" },
        { "TLS: the control closed with nothing said", closed_after(PROTO_TLS, 1), closed_after(PROTO_TLS, 0),
          RES_INCONCLUSIVE, RES_INCONCLUSIVE, "--send", "" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *w = &rows[i];
        vd_result r;
        vd_judge_reject(&w->o, &w->ctl, &names, &r);
        ck_assert_msg(r.verdict == w->reject, "%s: reject %s (%s / %s)", w->name, res_verdict_name(r.verdict),
                      r.observed, r.reason);
        if (w->reject != RES_INCONCLUSIVE)
            ck_assert_msg(strcmp(r.rejected_in, w->rejected_in) == 0, "%s: rejected_in '%s'", w->name, r.rejected_in);
        vd_result m;
        vd_judge_mode(&w->o, &w->ctl, &names, 1, &m);
        ck_assert_msg(m.verdict == w->mode, "%s: mode %s (%s)", w->name, res_verdict_name(m.verdict), m.observed);
        const char *where = w->reject == RES_INCONCLUSIVE ? r.reason : m.observed;
        ck_assert_msg(strstr(where, w->word) != NULL, "%s: '%s' not in '%s'", w->name, w->word, where);
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("proto");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, mqtt_exchange);
    tcase_add_test(tc, tls_exchange);
    tcase_add_test(tc, http_exchange_and_answers);
    tcase_add_test(tc, verdicts_per_protocol);
    suite_add_tcase(s, tc);
    return s;
}
