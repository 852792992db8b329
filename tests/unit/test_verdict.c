/* scenario/verdict: the differential judgement over a table of cases. Each
 * row is an attempt, the control made under the same conditions, and the
 * verdict a reject-expected, an accept-expected and a mode scenario must
 * get, with a word the observed text or reason must contain. */
#include <string.h>

#include "check_main.h"
#include "scenario/verdict.h"

static vd_obs http(int status, const char *location, const char *body)
{
    vd_obs o;
    memset(&o, 0, sizeof o);
    o.kind = VD_ANSWER;
    o.proto = PROTO_HTTP;
    o.cert_requested = 1;
    http_response r;
    memset(&r, 0, sizeof r);
    r.status = status;
    http_header loc = { (char *)"Location", (char *)location };
    if (location) {
        r.headers = &loc;
        r.n_headers = 1;
    }
    r.body = (char *)body;
    r.body_len = strlen(body);
    proto_answer_http(&r, &o.answer);
    snprintf(o.version, sizeof o.version, "TLSv1.3");
    snprintf(o.text, sizeof o.text, "%s", o.answer.text);
    return o;
}

static vd_obs refused(int cert_requested, int after, const char *text)
{
    vd_obs o;
    memset(&o, 0, sizeof o);
    o.kind = VD_REFUSED;
    o.cert_requested = cert_requested;
    o.after_handshake = after;
    o.alert_received = strncmp(text, "alert ", 6) == 0 && strstr(text, "received") != NULL;
    o.request_sent = after;
    snprintf(o.text, sizeof o.text, "%s", text);
    return o;
}

static vd_obs other(vd_kind k, const char *text)
{
    vd_obs o;
    memset(&o, 0, sizeof o);
    o.kind = k;
    snprintf(o.text, sizeof o.text, "%s", text);
    return o;
}

static vd_obs no_request(vd_obs o)
{
    o.cert_requested = 0;
    return o;
}

typedef struct row {
    const char *name;
    vd_obs o, ctl;
    res_verdict reject, accept, mode; /* mode judged with require_mode = 1 */
    const char *word;                 /* in observed or reason of the reject judgement */
    const char *rejected_in;          /* of the reject judgement */
} row;

static const vd_names names = { "client/valid", "/fx/trust.pem", "/api", NULL, NULL, NULL };

START_TEST(table)
{
    const row rows[] = {
        { "alert in handshake after CertificateRequest", refused(1, 0, "alert unknown_ca (48) received"),
          http(200, NULL, "ok"), RES_PASS, RES_FAIL, RES_PASS, "control got HTTP 200", "handshake" },
        { "TLS 1.3 alert on the first read", refused(1, 1, "alert certificate_required (116) received"),
          http(200, NULL, "ok"), RES_PASS, RES_FAIL, RES_PASS, "after handshake", "after-handshake" },
        { "reset before any CertificateRequest", refused(0, 0, "connection reset"), http(200, NULL, "ok"),
          RES_INCONCLUSIVE, RES_FAIL, RES_INCONCLUSIVE, "before asking", "" },
        { "401 against a control of 200", http(401, NULL, "no"), http(200, NULL, "ok"), RES_PASS, RES_FAIL,
          RES_PASS, "HTTP 401, control got HTTP 200", "http" },
        { "403 against a control of 200", http(403, NULL, "no"), http(200, NULL, "ok"), RES_PASS, RES_FAIL,
          RES_PASS, "HTTP 403", "http" },
        { "404 against a control of 200", http(404, NULL, ""), http(200, NULL, "ok"), RES_PASS, RES_FAIL,
          RES_PASS, "HTTP 404", "http" },
        { "302 to a login page against 200", http(302, "/login", ""), http(200, NULL, "ok"), RES_PASS,
          RES_FAIL, RES_PASS, "to /login", "http" },
        { "302 to the same place as the control", http(302, "/app", ""), http(302, "/app", ""), RES_FAIL,
          RES_PASS, RES_FAIL, "like the control", "" },
        { "302 elsewhere than the control's", http(302, "/login", ""), http(302, "/app", ""), RES_PASS,
          RES_FAIL, RES_PASS, "control got HTTP 302 to /app", "http" },
        { "200 like the control", http(200, NULL, "ok"), http(200, NULL, "ok"), RES_FAIL, RES_PASS, RES_FAIL,
          "accepted", "" },
        { "200 with another body", http(200, NULL, "hello CN=x"), http(200, NULL, "hello CN=valid"), RES_FAIL,
          RES_PASS, RES_FAIL, "like the control (TLSv1.3)", "" },
        { "200 whose body speaks of refusal", http(200, NULL, "{\"error\":\"Access Denied\"}"),
          http(200, NULL, "ok"), RES_FAIL, RES_PASS, RES_FAIL, "body says \"denied\"", "" },
        { "served, never asked for a certificate", no_request(http(200, NULL, "ok")),
          no_request(http(200, NULL, "ok")), RES_FAIL, RES_PASS, RES_FAIL, "accepted", "" },
        { "control refused in the handshake (trust)", refused(1, 0, "alert unknown_ca (48) received"),
          refused(1, 0, "alert unknown_ca (48) received"), RES_INCONCLUSIVE, RES_INCONCLUSIVE,
          RES_INCONCLUSIVE, "trust.pem", "" },
        { "control answered 403 (everyone refused)", http(403, NULL, ""), http(403, NULL, ""),
          RES_INCONCLUSIVE, RES_INCONCLUSIVE, RES_INCONCLUSIVE, "is the path /api right", "" },
        { "not a gateway: closed before any request", refused(0, 0, "closed without an alert"),
          refused(0, 0, "closed without an alert"), RES_INCONCLUSIVE, RES_INCONCLUSIVE, RES_INCONCLUSIVE,
          "TLS gateway", "" },
        { "timeout", other(VD_TIMEOUT, "timed out during the handshake"), http(200, NULL, "ok"), RES_ERROR,
          RES_ERROR, RES_ERROR, "timed out", "" },
        { "control timed out", refused(1, 0, "alert bad_certificate (42) received"),
          other(VD_TIMEOUT, "timed out waiting for the response"), RES_INCONCLUSIVE, RES_INCONCLUSIVE,
          RES_INCONCLUSIVE, "timed out", "" },
        { "unreachable", other(VD_UNREACHABLE, "connection refused"),
          other(VD_UNREACHABLE, "connection refused"), RES_ERROR, RES_ERROR, RES_ERROR, "connection refused",
          "" },
        { "our verification of the gateway failed", other(VD_FAILED, "certificate did not verify"),
          http(200, NULL, "ok"), RES_ERROR, RES_ERROR, RES_ERROR, "did not verify", "" },
        { "500 against a control of 200", http(500, NULL, ""), http(200, NULL, "ok"), RES_PASS, RES_FAIL,
          RES_PASS, "HTTP 500, control got HTTP 200", "http" },
        { "204 against a control of 200", http(204, NULL, ""), http(200, NULL, "ok"), RES_FAIL, RES_PASS,
          RES_FAIL, "control got HTTP 200", "" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *w = &rows[i];
        vd_result r;
        vd_judge_reject(&w->o, &w->ctl, &names, &r);
        ck_assert_msg(r.verdict == w->reject, "%s: reject-expected gave %s (%s; %s)", w->name,
                      res_verdict_name(r.verdict), r.observed, r.reason);
        ck_assert_msg(strstr(r.observed, w->word) || strstr(r.reason, w->word),
                      "%s: '%s' not in '%s' / '%s'", w->name, w->word, r.observed, r.reason);
        ck_assert_msg(strcmp(r.rejected_in, w->rejected_in) == 0, "%s: rejected_in '%s'", w->name,
                      r.rejected_in);
        if (r.verdict == RES_INCONCLUSIVE || r.verdict == RES_ERROR)
            ck_assert_msg(r.reason[0], "%s: no reason", w->name);
        vd_judge_accept(&w->o, &w->ctl, &names, &r);
        ck_assert_msg(r.verdict == w->accept, "%s: accept-expected gave %s (%s)", w->name,
                      res_verdict_name(r.verdict), r.observed);
        vd_judge_mode(&w->o, &w->ctl, &names, 1, &r);
        ck_assert_msg(r.verdict == w->mode, "%s: mode gave %s (%s)", w->name, res_verdict_name(r.verdict),
                      r.observed);
    }
}
END_TEST

START_TEST(modes)
{
    vd_result r;
    vd_obs ok = http(200, NULL, "ok");
    vd_judge_mode(&ok, &ok, &names, 1, &r);
    ck_assert_str_eq(r.observed, "mode optional (accepted: HTTP 200 like the control (TLSv1.3))");
    vd_obs denied = http(401, NULL, "");
    vd_judge_mode(&denied, &ok, &names, 1, &r);
    ck_assert_ptr_nonnull(strstr(r.observed, "mode required over HTTP, optional in TLS"));
    vd_obs alert = refused(1, 1, "alert certificate_required (116) received");
    vd_judge_mode(&alert, &ok, &names, 1, &r);
    ck_assert_ptr_nonnull(strstr(r.observed, "mode required ("));
    /* nginx `return 444`: the handshake completes without a certificate, and
     * the answer to the request is a close with no alert: an HTTP-level refusal */
    vd_obs closed444 = refused(1, 1, "connection closed without an alert");
    vd_judge_mode(&closed444, &ok, &names, 1, &r);
    ck_assert_ptr_nonnull(strstr(r.observed, "mode required over HTTP, optional in TLS"));
    ck_assert_int_eq(r.verdict, RES_PASS);
    /* the same close before the request went out is a TLS refusal */
    closed444.request_sent = 0;
    vd_judge_mode(&closed444, &ok, &names, 1, &r);
    ck_assert_ptr_nonnull(strstr(r.observed, "mode required ("));
    vd_obs hs = refused(1, 0, "alert handshake_failure (40) received");
    vd_judge_mode(&hs, &ok, &names, 1, &r);
    ck_assert_ptr_nonnull(strstr(r.observed, "mode required ("));
    vd_obs none = no_request(http(200, NULL, "ok"));
    vd_judge_mode(&none, &ok, &names, 1, &r);
    ck_assert_ptr_nonnull(strstr(r.observed, "mode none"));
    ck_assert_int_eq(r.verdict, RES_FAIL);
    vd_judge_mode(&none, &ok, &names, 0, &r); /* --expect-mtls no: any observed mode passes */
    ck_assert_int_eq(r.verdict, RES_PASS);
    vd_obs closed = refused(0, 0, "closed without an alert");
    vd_judge_mode(&closed, &closed, &names, 0, &r); /* no handshake, no mode */
    ck_assert_int_eq(r.verdict, RES_INCONCLUSIVE);
    ck_assert_ptr_null(strstr(r.observed, "mode none"));
}
END_TEST

/* Why a control was not served, from what was seen: one row per cause. */
START_TEST(reasons)
{
    const char *cas = "CN=mtlsprobe Test Intermediate CA,O=mtlsprobe fixtures; CN=mtlsprobe Test Root CA,"
                      "O=mtlsprobe fixtures";
    vd_names n = { "client/valid", "/fx/trust.pem", "/api", cas, NULL, NULL };
    vd_obs plain = other(VD_FAILED, "the port speaks plain HTTP, not TLS (it answered the ClientHello with "
                                    "\"HTTP/1.1 400 Bad Request\")");
    plain.not_tls = 2;
    vd_obs closed = refused(1, 1, "connection closed without an alert");
    vd_obs other_ca = refused(1, 0, "alert unknown_ca (48) received");
    snprintf(other_ca.ca_names, sizeof other_ca.ca_names, "CN=Acme Issuing CA, O=Acme; CN=Acme Root, O=Acme");
    vd_obs our_ca = other_ca;
    snprintf(our_ca.ca_names, sizeof our_ca.ca_names, "CN=Acme Root, O=Acme; O=mtlsprobe fixtures, "
                                                      "CN=mtlsprobe Test Root CA");
    vd_obs unlisted = other_ca;
    unlisted.ca_names[0] = '\0';
    const struct {
        const char *name;
        vd_obs ctl;
        const char *word;
    } rows[] = {
        { "a plaintext HTTP port", plain, "speaks plain HTTP, not TLS" },
        { "a plaintext HTTP port: where to point", plain, "TLS port" },
        { "handshake done, closed on the request", closed, "handshake with the control client/valid succeeded, "
                                                           "then the peer closed on the HTTP request" },
        { "CertificateRequest lists other CAs", other_ca, "asked for certificates from CN=Acme Issuing CA" },
        { "... and says ours are not among them", other_ca, "are not among them: deploy /fx/trust.pem" },
        { "our root listed, in another order: not blamed on the list", our_ca, "does it trust /fx/trust.pem" },
        { "no CA names listed: the trust question", unlisted, "does it trust /fx/trust.pem" },
    };
    vd_obs bad = refused(1, 0, "alert bad_certificate (42) received");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        vd_result r;
        vd_judge_reject(&bad, &rows[i].ctl, &n, &r);
        ck_assert_msg(r.verdict == RES_INCONCLUSIVE, "%s: %s", rows[i].name, res_verdict_name(r.verdict));
        ck_assert_msg(strstr(r.reason, rows[i].word), "%s: '%s' not in '%s'", rows[i].name, rows[i].word,
                      r.reason);
    }
    /* A control of its own (client/name-constrained-valid) refused while the
     * run's control was served: the gateway refuses the whole CA. */
    vd_obs served = http(200, NULL, "ok");
    vd_names nc = { "client/name-constrained-valid", "/fx/trust.pem", "/api", cas, "client/valid", &served };
    vd_result r;
    vd_judge_reject(&bad, &bad, &nc, &r);
    ck_assert_int_eq(r.verdict, RES_INCONCLUSIVE);
    ck_assert_ptr_nonnull(strstr(r.reason, "refuses every chain under that CA, including the valid one"));
    ck_assert_ptr_nonnull(strstr(r.reason, "while it served client/valid"));
    /* the run's control refused too: back to the trust question */
    vd_obs refused_too = bad;
    nc.primary_obs = &refused_too;
    vd_judge_reject(&bad, &bad, &nc, &r);
    ck_assert_ptr_null(strstr(r.reason, "every chain under that CA"));
    ck_assert(vd_name_listed("CN=x, O=y", "O=a; o=Y,cn=X"));
    ck_assert(!vd_name_listed("CN=x, O=y", "CN=x; O=y"));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("verdict");
    TCase *tc = tcase_create("verdict");
    tcase_add_test(tc, table);
    tcase_add_test(tc, modes);
    tcase_add_test(tc, reasons);
    suite_add_tcase(s, tc);
    return s;
}
