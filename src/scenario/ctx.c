/* The `t` API's judgements. A connection opened by t:connect{...}
 * (connobj.c) is judged here: t:expect_rejected, t:expect_accepted and
 * t:expect_mode compare it with a positive control made under the same
 * conditions (conn.c) and let the verdict module decide (verdict.c), so a
 * gateway that refuses everyone gets INCONCLUSIVE, never PASS. The other
 * expectations (status, alert, header) check one fact of one connection.
 * The suites' additions (audit.c, bypass.c) join through one table. */
#define _DEFAULT_SOURCE
#include "scenario/conn.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/script.h"
#include "util/str.h"

#define check_ctx scn_check_ctx
#define check_conn scn_check_conn

/* ---- the suites' additions ---------------------------------------------- */

static const scn_extension *const extensions[] = { &scn_audit_extension, &scn_bypass_extension };
#define N_EXTENSIONS (sizeof extensions / sizeof extensions[0])

void scn_extensions_register(lua_State *L, int ctx_methods, int conn_methods)
{
    for (size_t i = 0; i < N_EXTENSIONS; i++) {
        const luaL_Reg *m = ctx_methods ? extensions[i]->t_methods : conn_methods ? extensions[i]->conn_methods : NULL;
        int at = ctx_methods ? ctx_methods : conn_methods;
        if (!m)
            continue;
        lua_pushvalue(L, at);
        luaL_setfuncs(L, m, 0);
        lua_pop(L, 1);
    }
}

int scn_extensions_ctx_index(lua_State *L, scn_ctx *ctx, const char *key)
{
    for (size_t i = 0; i < N_EXTENSIONS; i++)
        if (extensions[i]->ctx_index && extensions[i]->ctx_index(L, ctx, key))
            return 1;
    return 0;
}

int scn_extensions_conn_index(lua_State *L, scn_conn *c, const char *key)
{
    for (size_t i = 0; i < N_EXTENSIONS; i++)
        if (extensions[i]->conn_index && extensions[i]->conn_index(L, c, key))
            return 1;
    return 0;
}

scn_ctx *scn_check_ctx(lua_State *L, int idx)
{
    return *(scn_ctx **)luaL_checkudata(L, idx, CTX_MT);
}

/* ---- one connection, without a control ---------------------------------- */

typedef enum { OUT_ACCEPTED, OUT_REJECTED, OUT_ERROR } outcome_kind;

typedef struct judged {
    outcome_kind kind;
    char text[400];
} judged;

/* The scenario made no request: make the run's default one, since a
 * refusal may come only with the response (TLS 1.3, HTTP). */
static void ensure_request(lua_State *L, scn_conn *c)
{
    if (!c->requested && c->net == NET_OK && c->conn.out.result == TLS_R_OK)
        scn_lua_request(L, c, 0);
}

/* What the gateway did with this connection on its own: served (2xx),
 * refused (a TLS ending, any other status), or the attempt failed. */
static judged plain(lua_State *L, scn_conn *c)
{
    judged j;
    ensure_request(L, c);
    vd_obs o;
    scn_conn_observe(c, &o);
    switch (o.kind) {
    case VD_ANSWER:
        /* HTTP: only 2xx serves here (no control to compare a redirect with) */
        j.kind = (o.answer.kind == PROTO_HTTP ? o.answer.code >= 200 && o.answer.code < 300
                                              : proto_answer_served(&o.answer)) ? OUT_ACCEPTED : OUT_REJECTED;
        snprintf(j.text, sizeof j.text, "%s: %.200s after handshake (%s)",
                 j.kind == OUT_REJECTED ? "rejected" : "accepted", o.answer.text, o.version);
        break;
    case VD_REFUSED:
        j.kind = OUT_REJECTED;
        if (o.after_handshake)
            snprintf(j.text, sizeof j.text, "rejected after handshake: %.300s (%s)", o.text, o.version);
        else
            snprintf(j.text, sizeof j.text, "rejected in handshake: %.300s", o.text);
        break;
    default:
        j.kind = OUT_ERROR;
        snprintf(j.text, sizeof j.text, "%s", o.text);
        break;
    }
    return j;
}

static void fill_evidence(scn_conn *c, res_evidence *ev)
{
    res_evidence_init(ev);
    if (c->net != NET_OK)
        return;
    ev->connect_ms = c->connect_ms;
    const tls_outcome *hs = &c->conn.out;
    ev->handshake_ms = (double)hs->handshake_ns / 1e6;
    snprintf(ev->tls_version, sizeof ev->tls_version, "%s", hs->version);
    snprintf(ev->cipher, sizeof ev->cipher, "%s", hs->cipher);
    snprintf(ev->group, sizeof ev->group, "%s", hs->group);
    snprintf(ev->alpn, sizeof ev->alpn, "%s", hs->alpn);
    ev->resumed = hs->resumed;
    ev->cert_requested = hs->cert_requested;
    const tls_outcome *last = c->requested ? &c->after : hs;
    if (last->alert_code >= 0) {
        ev->alert_code = last->alert_code;
        ev->alert_sent = last->alert_sent;
        snprintf(ev->alert_name, sizeof ev->alert_name, "%s", tls_alert_name(last->alert_code));
    }
    if (last->result == TLS_R_VERIFY_FAILED)
        snprintf(ev->verify_error, sizeof ev->verify_error, "%s", last->error_text);
    if (c->responded) {
        ev->http_status = c->answer.http_status;
        const char *server = http_response_header(&c->resp, "Server");
        snprintf(ev->http_server, sizeof ev->http_server, "%s", server ? server : "");
        ev->first_byte_ms = c->first_byte_ms;
    }
    /* Where the gateway ended the connection; an HTTP refusal is known only
     * next to a control, so the judgement sets "http" itself. */
    vd_obs o;
    scn_conn_observe(c, &o);
    if (o.kind == VD_REFUSED)
        snprintf(ev->rejected_in, sizeof ev->rejected_in, "%s", o.after_handshake ? "after-handshake" : "handshake");
}

/* The control an expectation was judged against, for the result. */
typedef struct control_note {
    const char *fixture;
    const vd_obs *obs;
    const char *rejected_in;  /* from the judgement */
} control_note;

/* Adds label + text as one detail line (best effort: out of memory only
 * loses the copy, the marked cut line stays). */
static void keep_whole(res_scenario *r, const char *label, const char *text)
{
    size_t n = strlen(label) + strlen(text) + 1;
    char *line = malloc(n);
    if (!line)
        return;
    snprintf(line, n, "%s%s", label, text);
    (void)res_scenario_add_detail(r, line);
    free(line);
}

/* Records one expectation. The first expectation that does not pass decides
 * expected/observed; among passing ones, the first is kept. */
static void record(scn_ctx *ctx, scn_level level, const char *expected, const char *observed,
                   const char *reason, scn_conn *c, const control_note *k)
{
    res_scenario *r = ctx->res;
    if (!ctx->decided || (int)level > ctx->worst) {
        /* A verdict line that does not fit says so, and the whole text
         * goes to the details: nothing is shortened silently. */
        if (res_copy_marked(r->expected, sizeof r->expected, expected))
            keep_whole(r, "expected (whole): ", expected);
        if (res_copy_marked(r->observed, sizeof r->observed, observed))
            keep_whole(r, "observed (whole): ", observed);
        if (c)
            fill_evidence(c, &r->ev);
        if (level == SCN_LV_ERROR || level == SCN_LV_INCONCLUSIVE) {
            const char *why = reason && reason[0] ? reason : observed;
            if (res_copy_marked(r->reason, sizeof r->reason, why) && why != observed)
                keep_whole(r, "reason (whole): ", why);
        } else {
            r->reason[0] = '\0';
        }
        r->has_control = k != NULL;
        if (k) {
            str_copy(r->control_fixture, sizeof r->control_fixture, k->fixture);
            r->control_served = vd_served(k->obs);
            r->control_status = k->obs->kind == VD_ANSWER ? k->obs->answer.http_status : 0;
            if (k->obs->version[0] && k->obs->kind != VD_UNREACHABLE)
                snprintf(r->control_observed, sizeof r->control_observed, "%.200s (%s)", k->obs->text,
                         k->obs->version);
            else
                snprintf(r->control_observed, sizeof r->control_observed, "%.200s", k->obs->text);
            if (k->rejected_in && k->rejected_in[0])
                str_copy(r->ev.rejected_in, sizeof r->ev.rejected_in, k->rejected_in);
        }
    }
    if ((int)level > ctx->worst)
        ctx->worst = (int)level;
    ctx->decided = 1;
}

static scn_level level_of(res_verdict v)
{
    switch (v) {
    case RES_INFO: return SCN_LV_INFO;
    case RES_PASS: return SCN_LV_PASS;
    case RES_FAIL: return SCN_LV_FAIL;
    case RES_INCONCLUSIVE: return SCN_LV_INCONCLUSIVE;
    default: return SCN_LV_ERROR;
    }
}

/* ---- judged against a control ------------------------------------------- */

typedef struct judgement {
    vd_obs o, ctl;
    vd_obs primary;          /* the run's control, when the scenario names its own */
    vd_names names;
    const char *control;
    char control_cas[1200];  /* the subjects of the CAs above the control */
} judgement;

/* The subjects of the CAs that issued fixture name, up to its root, "; "
 * between them, from the manifest. */
static void issuer_subjects(const pki_manifest *m, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    const pki_manifest_entry *x = pki_manifest_find(m, name);
    for (int depth = 0; x && x->issuer && depth < 8; depth++) {
        const pki_manifest_entry *ca = pki_manifest_find(m, x->issuer);
        if (!ca || ca == x || !ca->subject)
            break;
        size_t l = strlen(out);
        snprintf(out + l, n - l, "%s%s", l ? "; " : "", ca->subject);
        x = ca;
    }
}

/* Observes c (making the default request if needed) and its control. */
static void with_control(lua_State *L, scn_ctx *ctx, scn_conn *c, const char *control, judgement *j)
{
    if (!pki_manifest_find(ctx->cfg->fixtures, control)) {
        ctx->input_error = 1;
        luaL_error(L, "control fixture '%s' is not in %s/manifest.json", control, ctx->cfg->fixtures->dir);
    }
    ensure_request(L, c);
    scn_conn_observe(c, &j->o);
    mp_err e;
    if (scn_control_observe(ctx, c, control, &j->ctl, &e) != 0)
        luaL_error(L, "control %s: %s", control, e.msg);
    j->control = control;
    j->names.control = control;
    j->names.trust_bundle = ctx->cfg->fixtures->trust_bundle;
    j->names.path = ctx->cfg->target.path;
    issuer_subjects(ctx->cfg->fixtures, control, j->control_cas, sizeof j->control_cas);
    j->names.control_cas = j->control_cas;
    j->names.primary = NULL;
    j->names.primary_obs = NULL;
    /* A control of the scenario's own that was refused: was the run's own
     * served under the same conditions? Then the gateway refuses that CA. */
    const char *run_control = ctx->cfg->control_cert;
    if (!vd_served(&j->ctl) && run_control && strcmp(run_control, control) != 0 &&
        scn_control_observe(ctx, c, run_control, &j->primary, &e) == 0) {
        j->names.primary = run_control;
        j->names.primary_obs = &j->primary;
    }
}

/* The optional argument of the judged expectations: an expected text, or
 * { expected = TEXT, control = FIXTURE }. */
static const char *judged_args(lua_State *L, scn_ctx *ctx, const char *def_expected, const char **control)
{
    *control = ctx->cfg->control_cert;
    if (lua_type(L, 3) == LUA_TSTRING)
        return lua_tostring(L, 3);
    if (lua_type(L, 3) == LUA_TTABLE) {
        static const char *const known[] = { "expected", "control", NULL };
        scr_check_known_fields(L, 3, "expectation{}", known);
        *control = scr_field_string(L, 3, "expectation{}", "control", *control);
        return scr_field_string(L, 3, "expectation{}", "expected", def_expected);
    }
    if (!lua_isnoneornil(L, 3))
        luaL_error(L, "the expectation's third argument is an expected text or {expected=, control=}");
    return def_expected;
}

typedef enum { JUDGE_REJECT, JUDGE_ACCEPT, JUDGE_MODE } judge_kind;

static int expect_judged(lua_State *L, judge_kind kind)
{
    scn_ctx *ctx = check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    const char *control;
    const char *def = kind == JUDGE_REJECT ? "rejected" : kind == JUDGE_ACCEPT ? "accepted"
                      : ctx->cfg->expect_mtls ? "mode required" : "any mode (--expect-mtls=no)";
    const char *expected = judged_args(L, ctx, def, &control);
    judgement j;
    with_control(L, ctx, c, control, &j);
    vd_result r;
    if (kind == JUDGE_REJECT)
        vd_judge_reject(&j.o, &j.ctl, &j.names, &r);
    else if (kind == JUDGE_ACCEPT)
        vd_judge_accept(&j.o, &j.ctl, &j.names, &r);
    else
        vd_judge_mode(&j.o, &j.ctl, &j.names, ctx->cfg->expect_mtls, &r);
    control_note k = { control, &j.ctl, r.rejected_in };
    record(ctx, level_of(r.verdict), expected, r.observed, r.reason, c, &k);
    lua_pushboolean(L, r.verdict == RES_PASS);
    return 1;
}

static int l_expect_accepted(lua_State *L) { return expect_judged(L, JUDGE_ACCEPT); }
static int l_expect_rejected(lua_State *L) { return expect_judged(L, JUDGE_REJECT); }
static int l_expect_mode(lua_State *L) { return expect_judged(L, JUDGE_MODE); }

/* t:judge(c [, {control = FIXTURE}]) -> "accepted" | "rejected" |
 * "inconclusive" | "error", and a description naming the control's answer;
 * records nothing. */
static int l_judge(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    const char *control;
    judged_args(L, ctx, "", &control);
    judgement j;
    with_control(L, ctx, c, control, &j);
    if (!vd_served(&j.ctl) && j.o.kind != VD_UNREACHABLE && j.o.kind != VD_TIMEOUT && j.o.kind != VD_FAILED) {
        char hint[512];
        vd_control_hint(&j.ctl, &j.names, hint, sizeof hint);
        lua_pushstring(L, "inconclusive");
        lua_pushstring(L, hint);
        return 2;
    }
    char text[512], ri[24];
    vd_class cls = vd_compare(&j.o, &j.ctl, text, sizeof text, ri, sizeof ri);
    static const char *const names[] = { "accepted", "rejected", "inconclusive", "error" };
    lua_pushstring(L, names[cls]);
    lua_pushstring(L, text);
    return 2;
}

/* t:observe(c [, expected]): records what the gateway did, next to the
 * control, without judging it (ERROR only when the attempt failed). */
static int l_observe(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    const char *control;
    const char *expected = judged_args(L, ctx, "recorded", &control);
    judgement j;
    with_control(L, ctx, c, control, &j);
    char text[512], ri[24] = "";
    vd_class cls;
    if (vd_served(&j.ctl)) {
        cls = vd_compare(&j.o, &j.ctl, text, sizeof text, ri, sizeof ri);
    } else {
        judged p = plain(L, c);
        cls = p.kind == OUT_ERROR ? VD_ERRORED : VD_UNJUDGED;
        if (cls == VD_ERRORED)
            snprintf(text, sizeof text, "%s", p.text);
        else
            snprintf(text, sizeof text, "%.250s (the control %.100s was not served: %.120s)", p.text, control, j.ctl.text);
    }
    control_note k = { control, &j.ctl, ri };
    record(ctx, cls == VD_ERRORED ? SCN_LV_ERROR : SCN_LV_INFO, expected, text, NULL, c, &k);
    static const char *const names[] = { "accepted", "rejected", "inconclusive", "error" };
    lua_pushstring(L, names[cls]);
    return 1;
}

/* ---- one fact of one connection ----------------------------------------- */

static int l_expect_status(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    lua_Integer want = luaL_checkinteger(L, 3);
    judged j = plain(L, c);
    char exp[64], obs[420];
    snprintf(exp, sizeof exp, "HTTP %lld", (long long)want);
    int level;
    if (c->responded) {
        level = c->resp.status == want ? SCN_LV_PASS : SCN_LV_FAIL;
        snprintf(obs, sizeof obs, "HTTP %d", c->resp.status);
    } else {
        level = j.kind == OUT_ERROR ? SCN_LV_ERROR : SCN_LV_FAIL;
        snprintf(obs, sizeof obs, "%s", j.text);
    }
    record(ctx, (scn_level)level, exp, obs, NULL, c, NULL);
    lua_pushboolean(L, level == SCN_LV_PASS);
    return 1;
}

static int l_expect_alert(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    judged j = plain(L, c);
    const tls_outcome *last = c->requested ? &c->after : &c->conn.out;
    int want = -1;
    char exp[80];
    if (lua_type(L, 3) == LUA_TNUMBER) {
        want = (int)lua_tointeger(L, 3);
    } else {
        const char *name = luaL_checkstring(L, 3);
        for (int code = 0; code < 256; code++)
            if (strcmp(tls_alert_name(code), name) == 0)
                want = code;
        if (want < 0)
            return luaL_error(L, "t:expect_alert: unknown alert '%s'", name);
    }
    snprintf(exp, sizeof exp, "alert %s (%d) received", tls_alert_name(want), want);
    int got = last->result == TLS_R_ALERT_RECEIVED ? last->alert_code : -1;
    int level = got == want ? SCN_LV_PASS : j.kind == OUT_ERROR ? SCN_LV_ERROR : SCN_LV_FAIL;
    record(ctx, (scn_level)level, exp, j.text, NULL, c, NULL);
    lua_pushboolean(L, level == SCN_LV_PASS);
    return 1;
}

static int l_expect_header(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    const char *name = luaL_checkstring(L, 3);
    const char *pattern = luaL_optstring(L, 4, NULL);
    judged j = plain(L, c);
    char exp[300], obs[420];
    snprintf(exp, sizeof exp, "header %s%s%s", name, pattern ? " matching " : "", pattern ? pattern : "");
    int level;
    if (!c->responded) {
        level = j.kind == OUT_ERROR ? SCN_LV_ERROR : SCN_LV_FAIL;
        snprintf(obs, sizeof obs, "%s", j.text);
    } else {
        const char *v = http_response_header(&c->resp, name);
        if (!v) {
            level = SCN_LV_FAIL;
            snprintf(obs, sizeof obs, "no %s header (HTTP %d)", name, c->resp.status);
        } else {
            level = SCN_LV_PASS;
            if (pattern) {
                lua_getglobal(L, "string");
                lua_getfield(L, -1, "find");
                lua_pushstring(L, v);
                lua_pushstring(L, pattern);
                lua_call(L, 2, 1);
                level = lua_isnil(L, -1) ? SCN_LV_FAIL : SCN_LV_PASS;
                lua_pop(L, 2);
            }
            snprintf(obs, sizeof obs, "%s: %s", name, v);
        }
    }
    record(ctx, (scn_level)level, exp, obs, NULL, c, NULL);
    lua_pushboolean(L, level == SCN_LV_PASS);
    return 1;
}

static int l_skip(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    const char *why = luaL_checkstring(L, 2);
    ctx->skipped = 1;
    snprintf(ctx->res->reason, sizeof ctx->res->reason, "%s", why);
    snprintf(ctx->res->observed, sizeof ctx->res->observed, "skipped: %s", why);
    return 0;
}

/* t:pass(observed [, expected [, conn]]), t:fail(...), t:info(...),
 * t:error(observed [, conn]), t:inconclusive(reason [, conn]): verdicts
 * decided by the scenario itself; conn supplies the evidence. t:info
 * records a fact without judging it: INFO, never a PASS. */
static int l_verdict(lua_State *L, int level, const char *def_expected)
{
    scn_ctx *ctx = check_ctx(L, 1);
    const char *observed = luaL_checkstring(L, 2);
    int short_form = level == SCN_LV_ERROR || level == SCN_LV_INCONCLUSIVE;
    int conn_arg = short_form ? 3 : 4;
    const char *expected = short_form ? def_expected : luaL_optstring(L, 3, def_expected);
    scn_conn *c = lua_isnoneornil(L, conn_arg) ? NULL : check_conn(L, conn_arg);
    record(ctx, (scn_level)level, expected, observed, NULL, c, NULL);
    return 0;
}

static int l_pass(lua_State *L) { return l_verdict(L, SCN_LV_PASS, "pass"); }
static int l_info(lua_State *L) { return l_verdict(L, SCN_LV_INFO, "recorded"); }
static int l_fail(lua_State *L) { return l_verdict(L, SCN_LV_FAIL, "no failure"); }
static int l_error(lua_State *L) { return l_verdict(L, SCN_LV_ERROR, "to run"); }
static int l_inconclusive(lua_State *L) { return l_verdict(L, SCN_LV_INCONCLUSIVE, "a judgement"); }

/* t:outcome(c) -> "accepted" | "rejected" | "error", description; records
 * nothing and uses no control: accepted means HTTP 2xx. */
static int l_outcome(lua_State *L)
{
    check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    judged j = plain(L, c);
    lua_pushstring(L, j.kind == OUT_ACCEPTED ? "accepted" : j.kind == OUT_REJECTED ? "rejected" : "error");
    lua_pushstring(L, j.text);
    return 2;
}

static int l_fixture(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    const char *name = luaL_checkstring(L, 2);
    const pki_manifest_entry *f = pki_manifest_find(ctx->cfg->fixtures, name);
    if (!f) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 10);
    const char *k[] = { "name", "role", "expect", "severity", "defect", "spki_sha256", "subject",
                        "sha256", "serial", "issuer" };
    const char *v[] = { f->name, f->role, f->expect, f->severity, f->defect, f->spki_sha256, f->subject,
                        f->fingerprint, f->serial, f->issuer };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        if (v[i]) {
            lua_pushstring(L, v[i]);
            lua_setfield(L, -2, k[i]);
        }
    }
    return 1;
}

static int l_ctx_index(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    const char *k = luaL_checkstring(L, 2);
    const scn_config *cfg = ctx->cfg;
    if (strcmp(k, "tls_version") == 0) {
        lua_pushstring(L, tls_version_name(ctx->version));
    } else if (strcmp(k, "scheme") == 0) {
        lua_pushstring(L, net_scheme_name(cfg->target.scheme));
    } else if (strcmp(k, "target") == 0) {
        lua_createtable(L, 0, 6);
        lua_pushstring(L, net_scheme_name(cfg->target.scheme));
        lua_setfield(L, -2, "scheme");
        lua_pushstring(L, cfg->target.host);
        lua_setfield(L, -2, "host");
        lua_pushinteger(L, cfg->target.port);
        lua_setfield(L, -2, "port");
        lua_pushstring(L, cfg->target.path);
        lua_setfield(L, -2, "path");
        lua_pushstring(L, cfg->target.authority);
        lua_setfield(L, -2, "authority");
        lua_pushstring(L, cfg->sni);
        lua_setfield(L, -2, "sni");
    } else if (strcmp(k, "expect_mtls") == 0) {
        lua_pushboolean(L, cfg->expect_mtls);
    } else if (strcmp(k, "control_cert") == 0) {
        lua_pushstring(L, cfg->control_cert);
    } else if (scn_extensions_ctx_index(L, ctx, k)) {
        /* pushed by a suite's additions */
    } else {
        lua_getmetatable(L, 1);
        lua_getfield(L, -1, "__methods");
        lua_getfield(L, -1, k);
    }
    return 1;
}

void scn_push_context(lua_State *L, scn_ctx *ctx)
{
    if (luaL_newmetatable(L, CTX_MT)) {
        static const luaL_Reg methods[] = {
            { "connect", scn_l_connect }, { "expect_accepted", l_expect_accepted },
            { "expect_rejected", l_expect_rejected }, { "expect_mode", l_expect_mode },
            { "expect_status", l_expect_status }, { "expect_alert", l_expect_alert },
            { "expect_header", l_expect_header }, { "judge", l_judge }, { "observe", l_observe },
            { "skip", l_skip }, { "fail", l_fail }, { "pass", l_pass }, { "info", l_info }, { "error", l_error },
            { "inconclusive", l_inconclusive }, { "outcome", l_outcome }, { "fixture", l_fixture },
            { NULL, NULL },
        };
        luaL_newlib(L, methods);
        scn_extensions_register(L, lua_gettop(L), 0);
        lua_setfield(L, -2, "__methods");
        lua_pushcfunction(L, l_ctx_index);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    scn_conn_register(L);
    scn_ctx **u = lua_newuserdatauv(L, sizeof *u, 0);
    *u = ctx;
    luaL_setmetatable(L, CTX_MT);
}

void scn_finish(scn_ctx *ctx, int ok, const char *msg)
{
    res_scenario *r = ctx->res;
    if (!ok) {
        r->verdict = RES_ERROR;
        r->input_error = ctx->input_error;
        const char *why = msg ? msg : "scenario error";
        if (res_copy_marked(r->reason, sizeof r->reason, why))
            keep_whole(r, "error (whole): ", why);
        snprintf(r->observed, sizeof r->observed, "error: %.*s", (int)(sizeof r->observed - 8), r->reason);
        if (!r->expected[0])
            snprintf(r->expected, sizeof r->expected, "to run");
        return;
    }
    if (ctx->skipped) {
        r->verdict = RES_SKIP;
        return;
    }
    if (!ctx->decided) {
        r->verdict = RES_ERROR;
        snprintf(r->reason, sizeof r->reason, "the scenario recorded no expectation");
        snprintf(r->observed, sizeof r->observed, "no expectation recorded");
        return;
    }
    static const res_verdict by_level[] = { RES_INFO, RES_PASS, RES_INCONCLUSIVE, RES_FAIL, RES_ERROR };
    r->verdict = by_level[ctx->worst];
    res_scenario_fail_severity(r);
}
