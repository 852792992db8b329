/* The layer below the network: the scripted in-memory transport
 * (net/transport_mem.h) drives http_exchange, a scenario connection's
 * request (scn_conn_send) and its observation (scn_conn_observe), and the
 * run's control cache (scn_control_observe with a maker that counts), all
 * without a socket. The TLS handshake itself is not faked: the TLS outcome
 * a connection came to is set by hand where the observation reads it. */
#include <string.h>

#include "check_main.h"
#include "http/client.h"
#include "net/transport_mem.h"
#include "scenario/conn.h"
#include "util/str.h"

#define SECOND 1000000000LL

static const char REQ[] = "GET /x HTTP/1.1\r\nHost: gw\r\n\r\n";
static const char OK200[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

/* One exchange of REQ against a script; the response is freed. */
static int64_t first_byte;

static http_exchange_result exchange(const net_mem_step *steps, size_t n, size_t read_max, net_mem_peer *p,
                                     http_response *resp, char *err, size_t errlen)
{
    net_transport t;
    net_mem_transport(&t, p, steps, n);
    p->read_max = read_max;
    first_byte = -1;
    memset(resp, 0, sizeof *resp);
    return http_exchange(&t, REQ, strlen(REQ), SECOND, 1 << 20, resp, &first_byte, err, errlen);
}

START_TEST(exchange_response)
{
    /* the answer comes only after the whole request, in pieces of every size */
    net_mem_step steps[] = { { NET_MEM_SEND, OK200, strlen(OK200), strlen(REQ) }, { NET_MEM_STALL, 0, 0, 0 } };
    size_t pieces[] = { 0, 1, 3, 17 };
    for (size_t i = 0; i < 4; i++) {
        net_mem_peer p;
        http_response r;
        char err[200];
        ck_assert_int_eq(exchange(steps, 2, pieces[i], &p, &r, err, sizeof err), HTTP_X_OK);
        ck_assert_int_eq(r.status, 200);
        ck_assert_uint_eq(r.body_len, 5);
        ck_assert_mem_eq(r.body, "hello", 5);
        ck_assert_str_eq(err, "");
        ck_assert(first_byte > 0); /* when the first read returned */
        /* the peer saw exactly the request */
        ck_assert_uint_eq(p.n_written, strlen(REQ));
        ck_assert_str_eq(p.written, REQ);
        http_response_free(&r);
        net_mem_peer_free(&p);
    }
}
END_TEST

START_TEST(exchange_close_delimited)
{
    static const char resp[] = "HTTP/1.1 403 Forbidden\r\n\r\naccess denied";
    net_mem_step steps[] = { { NET_MEM_SEND, resp, strlen(resp), 1 }, { NET_MEM_CLOSE, 0, 0, 0 } };
    net_mem_peer p;
    http_response r;
    char err[200];
    ck_assert_int_eq(exchange(steps, 2, 4, &p, &r, err, sizeof err), HTTP_X_OK);
    ck_assert_int_eq(r.status, 403);
    ck_assert_uint_eq(r.body_len, strlen("access denied"));
    http_response_free(&r);
    net_mem_peer_free(&p);
}
END_TEST

/* Everything but a response: each one's result and its one line. */
START_TEST(exchange_failures)
{
    static const char half[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    static const char junk[] = "SSH-2.0-OpenSSH_9.2\r\n";
    struct {
        net_mem_step steps[2];
        size_t n;
        http_exchange_result want;
        const char *err; /* a substring of the error line */
        size_t written;  /* bytes the peer saw */
    } cases[] = {
        { { { NET_MEM_CLOSE, 0, 0, 0 } }, 1, HTTP_X_CLOSED, "closed before an HTTP response", sizeof REQ - 1 },
        { { { NET_MEM_RESET, 0, 0, 5 } }, 1, HTTP_X_FAILED, "connection reset", sizeof REQ - 1 },
        /* a reset before the client writes fails the write itself */
        { { { NET_MEM_RESET, 0, 0, 0 } }, 1, HTTP_X_FAILED, "connection reset", 0 },
        { { { NET_MEM_STALL, 0, 0, 0 } }, 1, HTTP_X_FAILED, "timed out", sizeof REQ - 1 },
        /* a response cut short by the close, or by a reset, is not an answer */
        { { { NET_MEM_SEND, half, sizeof half - 1, 0 }, { NET_MEM_CLOSE, 0, 0, 0 } }, 2, HTTP_X_MALFORMED, "",
          sizeof REQ - 1 },
        { { { NET_MEM_SEND, half, sizeof half - 1, 0 }, { NET_MEM_RESET, 0, 0, 0 } }, 2, HTTP_X_FAILED,
          "connection reset", sizeof REQ - 1 },
        { { { NET_MEM_SEND, half, sizeof half - 1, 0 }, { NET_MEM_STALL, 0, 0, 0 } }, 2, HTTP_X_FAILED,
          "timed out", sizeof REQ - 1 },
        { { { NET_MEM_SEND, junk, sizeof junk - 1, 0 }, { NET_MEM_STALL, 0, 0, 0 } }, 2, HTTP_X_MALFORMED, "",
          sizeof REQ - 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        net_mem_peer p;
        http_response r;
        char err[200];
        http_exchange_result rc = exchange(cases[i].steps, cases[i].n, 0, &p, &r, err, sizeof err);
        ck_assert_msg(rc == cases[i].want, "case %zu: %d, want %d (%s)", i, rc, cases[i].want, err);
        ck_assert_msg(strstr(err, cases[i].err) != NULL, "case %zu: '%s'", i, err);
        ck_assert_msg(err[0] != '\0', "case %zu: no error line", i);
        ck_assert_uint_eq(p.n_written, cases[i].written);
        ck_assert_int_eq(r.status, 0); /* nothing was taken as the response */
        net_mem_peer_free(&p);
    }
}
END_TEST

/* The transport's own contract, as the TCP kind keeps it: edge-gated reads,
 * a FIN as 0 for good, a reset as a failure for good. */
START_TEST(mem_contract)
{
    net_mem_step steps[] = { { NET_MEM_SEND, "abcdef", 6, 0 }, { NET_MEM_CLOSE, 0, 0, 0 } };
    net_mem_peer p;
    net_transport t;
    net_mem_transport(&t, &p, steps, 2);
    char b[4];
    net_xp_edge_reads(&t);
    ck_assert_int_eq(net_xp_read(&t, b, sizeof b), NET_XP_WANT_READ);
    net_xp_readable(&t);
    ck_assert_int_eq(net_xp_read(&t, b, sizeof b), 4);
    ck_assert_int_eq(net_xp_read(&t, b, sizeof b), 2); /* short: waits for the next edge */
    ck_assert_int_eq(net_xp_read(&t, b, sizeof b), NET_XP_WANT_READ);
    net_xp_peer_closed(&t);
    ck_assert_int_eq(net_xp_read(&t, b, sizeof b), 0);
    ck_assert_int_eq(net_xp_read(&t, b, sizeof b), 0);
    net_xp_close(&t, 1);
    ck_assert_int_eq(p.closes, 1);
    ck_assert_int_eq(p.close_rst, 1);

    net_mem_step rst[] = { { NET_MEM_RESET, 0, 0, 0 } };
    net_mem_transport(&t, &p, rst, 1);
    ck_assert_int_eq(net_xp_read(&t, b, sizeof b), NET_XP_FAILED);
    net_xp_failure f;
    net_xp_failure_of(&t, &f);
    ck_assert_int_eq(f.kind, NET_XP_F_RESET);
    ck_assert_int_eq(net_xp_write(&t, "x", 1), NET_XP_FAILED);
    net_mem_peer_free(&p);
}
END_TEST

/* ---- a scenario connection ---------------------------------------------- */

static scn_config cfg;
static scn_ctx ctx;

static void setup_ctx(void)
{
    memset(&cfg, 0, sizeof cfg);
    mp_err e;
    ck_assert_int_eq(net_url_parse("https://gw.test:8443/x", &cfg.target, &e), 0);
    cfg.timeout_ns = SECOND;
    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = &cfg;
}

/* A connection whose TLS handshake came to `hs`, over the scripted peer. */
static void conn_over(scn_conn *c, net_mem_peer *p, const net_mem_step *steps, size_t n, tls_result hs)
{
    memset(c, 0, sizeof *c);
    c->ctx = &ctx;
    c->net = NET_OK;
    c->conn.fd = -1;
    c->conn.out.result = hs;
    c->conn.out.alert_code = -1;
    str_copy(c->conn.out.version, sizeof c->conn.out.version, "TLSv1.3");
    net_mem_transport(&c->xp, p, steps, n);
}

START_TEST(conn_response_observed)
{
    setup_ctx();
    static const char resp[] = "HTTP/1.1 302 Found\r\nLocation: /login\r\nContent-Length: 13\r\n\r\naccess denied";
    net_mem_step steps[] = { { NET_MEM_SEND, resp, sizeof resp - 1, 1 }, { NET_MEM_STALL, 0, 0, 0 } };
    scn_conn c;
    net_mem_peer p;
    conn_over(&c, &p, steps, 2, TLS_R_OK);
    mp_err e;
    ck_assert_int_eq(scn_conn_default_request(&c, &e), 0);
    /* the run's default request went out, and is kept for the control */
    ck_assert(strncmp(p.written, "GET /x HTTP/1.1\r\n", 17) == 0);
    ck_assert(strstr(p.written, "gw.test:8443") != NULL);
    ck_assert_uint_eq(c.request_len, p.n_written);
    ck_assert_mem_eq(c.request, p.written, p.n_written);
    vd_obs o;
    scn_conn_observe(&c, &o);
    ck_assert_int_eq(o.kind, VD_ANSWER);
    ck_assert_int_eq(o.proto, PROTO_HTTP);
    ck_assert_int_eq(o.answer.code, 302);
    ck_assert_str_eq(o.answer.location, "/login");
    ck_assert_uint_eq(o.answer.body_len, 13);
    ck_assert_str_eq(o.answer.refusal_word, "denied");
    ck_assert_str_eq(o.version, "TLSv1.3");
    ck_assert_str_eq(o.text, "HTTP 302 to /login");
    scn_conn_release(&c);
    ck_assert_int_eq(p.closes, 1);
    net_mem_peer_free(&p);
}
END_TEST

/* A close after the handshake and the request is a refusal after the
 * handshake, worded by HTTP; a stall with the TLS layer still fine is a
 * failure, never a refusal or an answer. */
START_TEST(conn_close_and_stall_observed)
{
    setup_ctx();
    net_mem_step closes[] = { { NET_MEM_CLOSE, 0, 0, 1 } };
    scn_conn c;
    net_mem_peer p;
    conn_over(&c, &p, closes, 1, TLS_R_OK);
    scn_conn_send(&c, REQ, strlen(REQ));
    vd_obs o;
    scn_conn_observe(&c, &o);
    ck_assert_int_eq(o.kind, VD_REFUSED);
    ck_assert_int_eq(o.after_handshake, 1);
    ck_assert_int_eq(o.request_sent, 1);
    ck_assert_int_eq(o.alert_received, 0);
    ck_assert_str_eq(o.text, "connection closed before an HTTP response");
    scn_conn_release(&c);
    net_mem_peer_free(&p);

    net_mem_step stall[] = { { NET_MEM_STALL, 0, 0, 0 } };
    conn_over(&c, &p, stall, 1, TLS_R_OK);
    scn_conn_send(&c, REQ, strlen(REQ));
    scn_conn_observe(&c, &o);
    ck_assert_int_eq(o.kind, VD_FAILED);
    ck_assert(strstr(o.text, "timed out") != NULL);
    ck_assert_int_eq(c.responded, 0);
    scn_conn_release(&c);
    net_mem_peer_free(&p);
}
END_TEST

/* What the TLS layer recorded, with no request: each outcome's vd_obs. */
START_TEST(conn_handshake_outcomes_observed)
{
    setup_ctx();
    struct {
        tls_result r;
        int after_handshake;
        vd_kind kind;
        int alert_received;
    } cases[] = {
        { TLS_R_ALERT_RECEIVED, 0, VD_REFUSED, 1 }, { TLS_R_RESET, 0, VD_REFUSED, 0 },
        { TLS_R_CLOSED, 0, VD_REFUSED, 0 },         { TLS_R_TIMEOUT, 0, VD_TIMEOUT, 0 },
        { TLS_R_VERIFY_FAILED, 0, VD_FAILED, 0 },   { TLS_R_ERROR, 0, VD_FAILED, 0 },
        { TLS_R_ALERT_SENT, 0, VD_FAILED, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scn_conn c;
        net_mem_peer p;
        conn_over(&c, &p, NULL, 0, cases[i].r);
        c.conn.out.alert_code = cases[i].r == TLS_R_ALERT_RECEIVED ? 116 : -1;
        vd_obs o;
        scn_conn_observe(&c, &o);
        ck_assert_msg(o.kind == cases[i].kind, "case %zu: kind %d", i, o.kind);
        ck_assert_int_eq(o.alert_received, cases[i].alert_received);
        ck_assert_int_eq(o.after_handshake, 0);
        ck_assert_msg(o.text[0] != '\0', "case %zu: no text", i);
        /* no ServerHello was seen: wolfSSL's own version is no evidence */
        ck_assert_str_eq(o.version, "");
        if (cases[i].r == TLS_R_VERIFY_FAILED)
            ck_assert(strstr(o.text, "(check --ca, --sni)") != NULL);
        scn_conn_release(&c);
        net_mem_peer_free(&p);
    }
    /* not connected at all */
    scn_conn c;
    memset(&c, 0, sizeof c);
    c.net = NET_REFUSED;
    str_copy(c.net_error, sizeof c.net_error, "connection refused");
    vd_obs o;
    scn_conn_observe(&c, &o);
    ck_assert_int_eq(o.kind, VD_UNREACHABLE);
    ck_assert_str_eq(o.text, "connection refused");
}
END_TEST

/* ---- the control cache -------------------------------------------------- */

static int makes;
static scn_conn_spec made_spec;
static char made_request[512];

static int counting_maker(scn_ctx *c, const scn_conn_spec *spec, const char *request, size_t request_len,
                          vd_obs *out, mp_err *e)
{
    (void)c;
    makes++;
    made_spec = *spec;
    if (strcmp(spec->cert, "client/broken") == 0)
        return mp_fail(e, "unknown fixture '%s'", spec->cert);
    snprintf(made_request, sizeof made_request, "%.*s", (int)request_len, request);
    memset(out, 0, sizeof *out);
    out->kind = VD_ANSWER;
    out->answer.kind = PROTO_HTTP;
    out->answer.code = 200 + makes; /* tells one making from another */
    return 0;
}

START_TEST(control_cache)
{
    setup_ctx();
    cfg.controls = scn_controls_new_with(counting_maker);
    ck_assert_ptr_nonnull(cfg.controls);
    makes = 0;
    scn_conn c;
    memset(&c, 0, sizeof c);
    c.ctx = &ctx;
    str_copy(c.spec.cert, sizeof c.spec.cert, "client/expired");
    str_copy(c.spec.host, sizeof c.spec.host, "gw.test");
    c.spec.port = 8443;
    c.spec.version = TLS_V1_3;
    vd_obs o1, o2;
    mp_err e;

    /* a connection refused in its handshake sent nothing: the control
     * sends the run's default request, with the control identity */
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/valid", &o1, &e), 0);
    ck_assert_int_eq(makes, 1);
    ck_assert_str_eq(made_spec.cert, "client/valid");
    ck_assert_int_eq(made_spec.version, TLS_V1_3);
    ck_assert_str_eq(made_spec.host, "gw.test");
    ck_assert(strncmp(made_request, "GET /x HTTP/1.1\r\n", 17) == 0);
    char dflt[512];
    str_copy(dflt, sizeof dflt, made_request);

    /* the same conditions: from the cache, the same observation */
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/valid", &o2, &e), 0);
    ck_assert_int_eq(makes, 1);
    ck_assert_int_eq(o2.answer.code, o1.answer.code);

    /* a connection that sent the default request byte for byte shares it */
    c.requested = 1;
    c.request = dflt;
    c.request_len = strlen(dflt);
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/valid", &o2, &e), 0);
    ck_assert_int_eq(makes, 1);

    /* each condition it repeats makes another: the request, the identity,
     * the TLS version, SNI, ALPN, the address */
    char other[] = "GET /y HTTP/1.1\r\nHost: gw\r\n\r\n";
    c.request = other;
    c.request_len = strlen(other);
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/valid", &o2, &e), 0);
    ck_assert_int_eq(makes, 2);
    ck_assert_str_eq(made_request, other);
    ck_assert_int_ne(o2.answer.code, o1.answer.code);
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/other", &o2, &e), 0);
    ck_assert_int_eq(makes, 3);
    c.spec.version = TLS_V1_2;
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/valid", &o2, &e), 0);
    ck_assert_int_eq(makes, 4);
    c.spec.sni_set = 1;
    str_copy(c.spec.sni, sizeof c.spec.sni, "gw.test");
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/valid", &o2, &e), 0);
    ck_assert_int_eq(makes, 5);
    str_copy(c.spec.alpn, sizeof c.spec.alpn, "h2");
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/valid", &o2, &e), 0);
    ck_assert_int_eq(makes, 6);
    c.spec.port = 9443;
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/valid", &o2, &e), 0);
    ck_assert_int_eq(makes, 7);
    /* ... and each of those is then a hit */
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/valid", &o2, &e), 0);
    ck_assert_int_eq(makes, 7);
    ck_assert_int_eq(o2.answer.code, 207);

    /* a control that cannot be made is an error, and is not cached */
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/broken", &o2, &e), -1);
    ck_assert(strstr(e.msg, "client/broken") != NULL);
    ck_assert_int_eq(scn_control_observe(&ctx, &c, "client/broken", &o2, &e), -1);
    ck_assert_int_eq(makes, 9);
    scn_controls_free(cfg.controls);
    cfg.controls = NULL;
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("netxp");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, exchange_response);
    tcase_add_test(tc, exchange_close_delimited);
    tcase_add_test(tc, exchange_failures);
    tcase_add_test(tc, mem_contract);
    tcase_add_test(tc, conn_response_observed);
    tcase_add_test(tc, conn_close_and_stall_observed);
    tcase_add_test(tc, conn_handshake_outcomes_observed);
    tcase_add_test(tc, control_cache);
    suite_add_tcase(s, tc);
    return s;
}
