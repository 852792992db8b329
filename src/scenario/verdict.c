/* Differential judgement. A refusal means something only next to a control
 * that was served under the same conditions: a gateway that refuses
 * everyone (wrong trust, wrong path, not a gateway at all) must never turn
 * "this certificate was refused" into PASS. So the control is looked at
 * first, a TLS ending counts against a certificate only after the gateway
 * asked for one, and an HTTP answer counts as a refusal only when it
 * differs from the control's. */
#include "scenario/verdict.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "util/str.h"

int vd_served(const vd_obs *c)
{
    return c->kind == VD_ANSWER && proto_answer_served(&c->answer);
}

static int is_error(const vd_obs *o)
{
    return o->kind == VD_UNREACHABLE || o->kind == VD_TIMEOUT || o->kind == VD_FAILED;
}

/* The answer in its protocol's words: "HTTP 302 to /login", "CONNACK 0x05
 * not authorized", "grpc-status 16 UNAUTHENTICATED, HTTP 200". */
static void answer_text(const vd_obs *o, char *out, size_t n)
{
    snprintf(out, n, "%.230s", o->answer.text);
}

/* "http", "mqtt", "grpc", "tls": where an answer refused. */
static const char *answer_place(const vd_obs *o)
{
    static const char *const p[] = { "http", "tls", "mqtt", "grpc" };
    return o->answer.kind >= PROTO_HTTP && o->answer.kind <= PROTO_GRPC ? p[o->answer.kind] : "http";
}

static void version_suffix(const vd_obs *o, char *out, size_t n)
{
    if (o->version[0])
        snprintf(out, n, " (%s)", o->version);
    else
        out[0] = '\0';
}

vd_class vd_compare(const vd_obs *o, const vd_obs *ctl, char *text, size_t textlen,
                    char *rejected_in, size_t rilen)
{
    char mine[240], theirs[240], ver[24];
    rejected_in[0] = '\0';
    version_suffix(o, ver, sizeof ver);
    if (ctl->kind == VD_ANSWER)
        answer_text(ctl, theirs, sizeof theirs);
    else
        snprintf(theirs, sizeof theirs, "%.200s", ctl->text);
    if (is_error(o)) {
        snprintf(text, textlen, "%s", o->text);
        return VD_ERRORED;
    }
    if (o->kind == VD_REFUSED) {
        const char *where = o->after_handshake ? "after handshake" : "in handshake";
        if (!o->cert_requested) {
            snprintf(text, textlen, "ended the connection %s before asking for a client certificate: "
                     "%.200s%s", where, o->text, ver);
            return VD_UNJUDGED;
        }
        str_copy(rejected_in, rilen, o->after_handshake ? "after-handshake" : "handshake");
        snprintf(text, textlen, "rejected %s: %.200s%s; control got %s", where, o->text, ver, theirs);
        return VD_REJECTED;
    }
    const proto_answer *a = &o->answer, *c = &ctl->answer;
    answer_text(o, mine, sizeof mine);
    if (!proto_answer_same(a, c)) {
        str_copy(rejected_in, rilen, answer_place(o));
        snprintf(text, textlen, "rejected: %s, control got %s%s", mine, theirs, ver);
        return VD_REJECTED;
    }
    if (a->code == c->code && (a->kind != PROTO_TLS || strcmp(a->text, c->text) == 0))
        snprintf(text, textlen, "accepted: %s like the control%s", mine, ver);
    else
        snprintf(text, textlen, "accepted: %s, control got %s%s", mine, theirs, ver);
    /* Bodies differ for many reasons (the identity echoed, a request id);
     * one that speaks of refusal where the control's does not matters. */
    if (a->kind == PROTO_HTTP && a->body_hash != c->body_hash && a->refusal_word[0] &&
        strcmp(a->refusal_word, c->refusal_word) != 0) {
        size_t l = strlen(text);
        snprintf(text + l, textlen - l, "; but its body says \"%s\" where the control's does not (%zu bytes, "
                 "control %zu)", a->refusal_word, a->body_len, c->body_len);
    }
    return VD_ACCEPTED;
}

/* A name's attributes, trimmed and lower-cased, sorted, joined by ','. */
static void name_key(const char *name, size_t len, char *out, size_t outlen)
{
    char parts[16][128];
    int n = 0;
    const char *p = name, *end = name + len;
    while (p < end && n < 16) {
        while (p < end && (*p == ' ' || *p == ',' || *p == '/'))
            p++;
        const char *q = p;
        while (q < end && *q != ',' && !(*q == '/' && q + 1 < end && strchr(q + 1, '=')))
            q++;
        const char *e = q;
        while (e > p && e[-1] == ' ')
            e--;
        if (e > p) {
            size_t l = (size_t)(e - p) < sizeof parts[0] - 1 ? (size_t)(e - p) : sizeof parts[0] - 1;
            for (size_t i = 0; i < l; i++)
                parts[n][i] = (char)tolower((unsigned char)p[i]);
            parts[n][l] = '\0';
            n++;
        }
        p = q;
    }
    for (int i = 1; i < n; i++) /* insertion sort: a handful of attributes */
        for (int j = i; j > 0 && strcmp(parts[j - 1], parts[j]) > 0; j--) {
            char t[128];
            memcpy(t, parts[j], sizeof t);
            memcpy(parts[j], parts[j - 1], sizeof t);
            memcpy(parts[j - 1], t, sizeof t);
        }
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < n && o < outlen; i++)
        o += (size_t)snprintf(out + o, outlen - o, "%s%s", i ? "," : "", parts[i]);
}

int vd_name_listed(const char *name, const char *list)
{
    char want[1024], have[1024];
    name_key(name, strlen(name), want, sizeof want);
    for (const char *p = list; p && *p;) {
        const char *sep = strstr(p, "; ");
        size_t l = sep ? (size_t)(sep - p) : strlen(p);
        name_key(p, l, have, sizeof have);
        if (want[0] && strcmp(want, have) == 0)
            return 1;
        p = sep ? sep + 2 : NULL;
    }
    return 0;
}

/* A TLS ending after the handshake with no alert, once our request was
 * out: the TLS layer let the client in, and the answer to the request was
 * a close. */
static int closed_on_request(const vd_obs *o)
{
    return o->kind == VD_REFUSED && o->after_handshake && !o->alert_received && o->request_sent;
}

/* None of the control's CAs is among the CA names the gateway asked for. */
static int cas_not_asked(const vd_obs *c, const vd_names *n)
{
    if (!c->ca_names[0] || !n->control_cas || !n->control_cas[0])
        return 0;
    for (const char *p = n->control_cas; *p;) {
        const char *sep = strstr(p, "; ");
        size_t l = sep ? (size_t)(sep - p) : strlen(p);
        char one[512];
        snprintf(one, sizeof one, "%.*s", (int)l, p);
        if (vd_name_listed(one, c->ca_names))
            return 0;
        if (!sep)
            break;
        p = sep + 2;
    }
    return 1;
}

void vd_control_hint(const vd_obs *c, const vd_names *n, char *out, size_t outlen)
{
    const char *who = n->control && n->control[0] ? n->control : "the control identity";
    const char *bundle = n->trust_bundle ? n->trust_bundle : "the fixtures' trust bundle";
    const char *path = n->path && n->path[0] ? n->path : "/";
    int other_served = n->primary && n->primary_obs && strcmp(n->primary, who) != 0 && vd_served(n->primary_obs);
    if (other_served && (c->kind == VD_ANSWER || c->kind == VD_REFUSED) && c->cert_requested) {
        snprintf(out, outlen, "the gateway refused %s (%.150s), a valid certificate under its own CA, while it "
                 "served %s under the same conditions: it refuses every chain under that CA, including the "
                 "valid one, so a refusal of the defective one says nothing", who, c->text, n->primary);
        return;
    }
    if ((c->kind == VD_ANSWER || c->kind == VD_REFUSED) && c->cert_requested && cas_not_asked(c, n)) {
        snprintf(out, outlen, "the gateway refused the control %s (%.120s); it asked for certificates from "
                 "%.200s, and the fixtures' CAs (%.150s) are not among them: deploy %s as the gateway's "
                 "client CA (or give your own with --identity)", who, c->text, c->ca_names, n->control_cas,
                 bundle);
        return;
    }
    switch (c->kind) {
    case VD_ANSWER: {
        char h[240];
        answer_text(c, h, sizeof h);
        if (c->answer.kind == PROTO_HTTP)
            snprintf(out, outlen, "the gateway did not serve the control %s either (%s): is the path %s "
                     "right, and does the gateway let %s through?", who, h, path, who);
        else if (c->answer.kind == PROTO_MQTT)
            snprintf(out, outlen, "the broker did not accept the control %s either (%s): does its ACL or "
                     "authentication let %s connect (--username, --password, --client-id)?", who, h, who);
        else if (c->answer.kind == PROTO_GRPC)
            snprintf(out, outlen, "the service did not answer the control %s with OK either (%s): is the method "
                     "%s right, and does the gateway let %s call it?", who, h, path, who);
        else
            snprintf(out, outlen, "the control %s did not get what --expect asks for (%s)", who, h);
        return;
    }
    case VD_REFUSED:
        if (closed_on_request(c) && c->proto == PROTO_HTTP)
            snprintf(out, outlen, "the TLS handshake with the control %s succeeded, then the peer closed on the "
                     "HTTP request (%.150s): not an HTTP gateway? (an MQTT broker or a raw TLS service does "
                     "this: give a mqtts:// or tls:// target)", who, c->text);
        else if (c->after_handshake && !c->alert_received && c->proto == PROTO_TLS)
            snprintf(out, outlen, "the TLS handshake with the control %s succeeded, then the server closed the "
                     "connection (%.150s): a service that waits for the client to speak first needs --send "
                     "(and --expect for what it answers)", who, c->text);
        else if (c->after_handshake && !c->alert_received && c->proto != PROTO_HTTP)
            snprintf(out, outlen, "the TLS handshake with the control %s succeeded, then the peer closed the "
                     "connection (%.150s) before a %s answer: does the service speak %s on this port?", who,
                     c->text, proto_kind_name(c->proto), proto_kind_name(c->proto));
        else if (c->cert_requested)
            snprintf(out, outlen, "the gateway refused the control %s too (%.200s): does it trust %s "
                     "for client certificates?", who, c->text, bundle);
        else
            snprintf(out, outlen, "the gateway ended the control connection before asking for a client "
                     "certificate (%.200s): is the target a TLS gateway, and are --sni and the TLS "
                     "version right?", c->text);
        return;
    case VD_TIMEOUT:
        snprintf(out, outlen, "the control connection with %s timed out (%.200s)", who, c->text);
        return;
    default:
        if (c->not_tls)
            snprintf(out, outlen, "%.250s: point --target at the gateway's TLS port", c->text);
        else
            snprintf(out, outlen, "the control connection with %s failed (%.200s)", who, c->text);
        return;
    }
}

static void set(vd_result *r, res_verdict v, vd_class cls, const char *observed, const char *reason)
{
    r->verdict = v;
    r->cls = cls;
    str_copy(r->observed, sizeof r->observed, observed);
    str_copy(r->reason, sizeof r->reason, reason ? reason : "");
}

/* The cases every judgement shares: the attempt failed (ERROR), or the
 * control was not served (INCONCLUSIVE). Returns 1 when r is decided. */
static int open_cases(const vd_obs *o, const vd_obs *ctl, const vd_names *n, vd_result *r)
{
    memset(r, 0, sizeof *r);
    if (is_error(o)) {
        set(r, RES_ERROR, VD_ERRORED, o->text, o->text);
        return 1;
    }
    if (!vd_served(ctl)) {
        char hint[512];
        vd_control_hint(ctl, n, hint, sizeof hint);
        char obs[512], ver[24], h[240];
        const char *who = n->control && n->control[0] ? n->control : "identity";
        version_suffix(o, ver, sizeof ver);
        if (o->kind == VD_ANSWER) {
            answer_text(o, h, sizeof h);
            snprintf(obs, sizeof obs, "%s%s; not judged: the control %.100s was not served either", h, ver, who);
        } else {
            snprintf(obs, sizeof obs, "rejected %s: %.200s%s; not judged: the control %.100s was not served either",
                     o->after_handshake ? "after handshake" : "in handshake", o->text, ver, who);
        }
        set(r, RES_INCONCLUSIVE, VD_UNJUDGED, obs, hint);
        return 1;
    }
    return 0;
}

/* A certificate that must be refused (must_refuse) or accepted. */
static void judge(const vd_obs *o, const vd_obs *ctl, const vd_names *n, int must_refuse, vd_result *r)
{
    if (open_cases(o, ctl, n, r))
        return;
    char text[512];
    vd_class cls = vd_compare(o, ctl, text, sizeof text, r->rejected_in, sizeof r->rejected_in);
    if (cls == VD_ERRORED) {
        set(r, RES_ERROR, cls, text, text);
    } else if (cls == VD_UNJUDGED && must_refuse) {
        set(r, RES_INCONCLUSIVE, cls, text, "the gateway ended the connection before it asked for a "
                                            "client certificate, so the refusal says nothing about the certificate");
    } else if (cls == VD_UNJUDGED) { /* served the control, but ended this one: refused either way */
        set(r, RES_FAIL, VD_REJECTED, text, NULL);
    } else {
        set(r, (cls == VD_REJECTED) == must_refuse ? RES_PASS : RES_FAIL, cls, text, NULL);
    }
}

void vd_judge_reject(const vd_obs *o, const vd_obs *ctl, const vd_names *n, vd_result *r)
{
    judge(o, ctl, n, 1, r);
}

void vd_judge_accept(const vd_obs *o, const vd_obs *ctl, const vd_names *n, vd_result *r)
{
    judge(o, ctl, n, 0, r);
}

void vd_judge_mode(const vd_obs *o, const vd_obs *ctl, const vd_names *n, int require_mode, vd_result *r)
{
    if (open_cases(o, ctl, n, r))
        return;
    char text[512], obs[600];
    vd_class cls = vd_compare(o, ctl, text, sizeof text, r->rejected_in, sizeof r->rejected_in);
    const char *mode;
    int ok;
    if (cls == VD_ERRORED) {
        set(r, RES_ERROR, cls, text, text);
        return;
    }
    if (cls == VD_UNJUDGED) {
        set(r, RES_INCONCLUSIVE, cls, text, "no mode observed: the gateway ended the connection before "
                                            "a CertificateRequest");
        return;
    }
    if (!o->cert_requested) {
        mode = "none";
        ok = 0;
    } else if (cls == VD_REJECTED && o->kind == VD_REFUSED && !closed_on_request(o)) {
        mode = "required";
        ok = 1;
    } else if (cls == VD_REJECTED) { /* an answer, or a close with none after the request */
        static const char *const over[] = { "required over HTTP, optional in TLS",
                                            "required after the handshake, optional in TLS",
                                            "required over MQTT, optional in TLS",
                                            "required by the service, optional in TLS" };
        mode = over[o->proto >= PROTO_HTTP && o->proto <= PROTO_GRPC ? o->proto : 0];
        ok = 1;
    } else {
        mode = "optional";
        ok = 0;
    }
    snprintf(obs, sizeof obs, "mode %s (%s)", mode, text);
    set(r, !require_mode || ok ? RES_PASS : RES_FAIL, cls, obs, NULL);
}
