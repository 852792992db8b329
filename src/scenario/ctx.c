/* The `t` API. A connection is opened by t:connect{...} and used by
 * c:request{...}; expectations (t:expect_accepted, ...) classify what the
 * gateway did. A gateway refuses a client certificate either in the
 * handshake (an alert, a reset), right after it (TLS 1.3: the alert arrives
 * on the first read), or by HTTP status (nginx: 400; others 403, 495, 496);
 * all count as rejected, and the evidence records which. The audit's
 * additions to t and to connections live in audit.c. */
#define _DEFAULT_SOURCE
#include "scenario/conn.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <wolfssl/wolfcrypt/sha256.h>

#include "pki/der.h"
#include "pki/inspect.h"
#include "pki/key.h"
#include "script/script.h"
#include "util/str.h"
#include "util/timeutil.h"

#define MAX_BODY (1024 * 1024)

int scn_status_is_rejection(int status)
{
    return status == 400 || status == 403 || status == 495 || status == 496;
}

/* Keeps copies of the server's chain: the connection may be closed before
 * the scenario looks at it. */
static void capture_chain(scn_conn *c)
{
    WOLFSSL_X509_CHAIN *ch = c->conn.ssl ? wolfSSL_get_peer_chain(c->conn.ssl) : NULL;
    int n = ch ? wolfSSL_get_chain_count(ch) : 0;
    for (int i = 0; i < n && c->n_chain < 8; i++) {
        int len = wolfSSL_get_chain_length(ch, i);
        unsigned char *der = wolfSSL_get_chain_cert(ch, i);
        if (!der || len <= 0)
            continue;
        uint8_t *copy = malloc((size_t)len);
        if (!copy)
            return;
        memcpy(copy, der, (size_t)len);
        c->chain[c->n_chain] = copy;
        c->chain_len[c->n_chain] = (size_t)len;
        c->n_chain++;
    }
}

static void push_san(const char *san, void *arg)
{
    lua_State *L = arg;
    lua_pushstring(L, san);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
}

/* c.peer_chain: { { subject, issuer, not_before, not_after, spki_sha256,
 * sha256, sans = {...} }, ... }, leaf first. */
static void push_chain(lua_State *L, scn_conn *c)
{
    lua_createtable(L, c->n_chain, 0);
    for (int i = 0; i < c->n_chain; i++) {
        der_cert_parts parts;
        if (der_cert_split(c->chain[i], c->chain_len[i], &parts) != 0)
            continue;
        lua_createtable(L, 0, 7);
        char name[1024], pin[45], iso[21], hex[65];
        if (der_name_string(parts.subject, name, sizeof name) == 0) {
            lua_pushstring(L, name);
            lua_setfield(L, -2, "subject");
        }
        if (der_name_string(parts.issuer, name, sizeof name) == 0) {
            lua_pushstring(L, name);
            lua_setfield(L, -2, "issuer");
        }
        int64_t nb, na;
        if (pki_inspect_validity(c->chain[i], c->chain_len[i], &nb, &na) == 0) {
            tm_format_iso(nb, iso);
            lua_pushstring(L, iso);
            lua_setfield(L, -2, "not_before");
            tm_format_iso(na, iso);
            lua_pushstring(L, iso);
            lua_setfield(L, -2, "not_after");
        }
        if (pki_spki_pin(parts.spki.p, parts.spki.len, pin, NULL) == 0) {
            lua_pushstring(L, pin);
            lua_setfield(L, -2, "spki_sha256");
        }
        uint8_t fp[32];
        wc_Sha256Hash(c->chain[i], (word32)c->chain_len[i], fp);
        der_hex(fp, sizeof fp, 0, hex, sizeof hex);
        lua_pushstring(L, hex);
        lua_setfield(L, -2, "sha256");
        lua_newtable(L);
        pki_inspect_sans(c->chain[i], c->chain_len[i], push_san, L);
        lua_setfield(L, -2, "sans");
        scn_audit_cert_fields(L, c->chain[i], c->chain_len[i]);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    }
}

typedef struct scn_session {
    WOLFSSL_SESSION *s;
} scn_session;

scn_ctx *scn_check_ctx(lua_State *L, int idx)
{
    return *(scn_ctx **)luaL_checkudata(L, idx, CTX_MT);
}

scn_conn *scn_check_conn(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, CONN_MT);
}

/* Short names for this file's many callers. */
#define check_ctx scn_check_ctx
#define check_conn scn_check_conn

static double ms_since(int64_t t0)
{
    return (double)(tm_mono_ns() - t0) / 1e6;
}

/* ---- connect ------------------------------------------------------------ */

static const char *opt_string(lua_State *L, int idx, const char *field, const char *def)
{
    return scr_field_string(L, idx, "t:connect{}", field, def);
}

static int l_connect(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    const scn_config *cfg = ctx->cfg;
    if (lua_isnoneornil(L, 2))
        lua_newtable(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    static const char *const known[] = { "cert", "tls", "sni", "alpn", "ciphers", "groups",
                                         "session", "connect_to", "verify", "ocsp", "ticket",
                                         "renegotiation", "post_handshake_auth", NULL };
    scr_check_known_fields(L, 2, "t:connect{}", known);

    scn_conn *c = lua_newuserdatauv(L, sizeof *c, 1);
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
    c->net = NET_ERROR;
    c->conn.fd = -1;
    luaL_setmetatable(L, CONN_MT);
    int conn_idx = lua_gettop(L);

    tls_client_opts to = { 0 };
    to.ca_file = cfg->ca_file;
    to.verify_peer = scr_field_bool(L, 2, "t:connect{}", "verify", cfg->verify_peer);
    to.version = ctx->version;
    const char *v = opt_string(L, 2, "tls", NULL);
    if (v && tls_version_parse(v, &to.version) != 0)
        return luaL_error(L, "t:connect{}: tls must be \"1.0\", \"1.1\", \"1.2\", \"1.3\" or \"any\"");
    const char *cert = opt_string(L, 2, "cert", NULL);
    if (cert) {
        const pki_manifest_entry *f = pki_manifest_find(cfg->fixtures, cert);
        if (!f) {
            ctx->input_error = 1;
            return luaL_error(L, "t:connect{}: unknown fixture '%s' (not in %s/manifest.json)",
                              cert, cfg->fixtures->dir);
        }
        if (!f->chain)
            return luaL_error(L, "t:connect{}: fixture '%s' is a %s, not a client or server "
                                 "certificate", cert, f->role ? f->role : "CA");
        to.chain_file = f->chain;
        to.key_file = f->key;
        snprintf(c->fixture, sizeof c->fixture, "%s", cert);
    }
    to.ciphers = opt_string(L, 2, "ciphers", NULL);
    to.groups = opt_string(L, 2, "groups", NULL);
    to.ocsp_stapling = scr_field_bool(L, 2, "t:connect{}", "ocsp", 0);
    to.no_ticket = !scr_field_bool(L, 2, "t:connect{}", "ticket", 1);
    to.secure_renegotiation = scr_field_bool(L, 2, "t:connect{}", "renegotiation", 0);
    to.post_handshake_auth = scr_field_bool(L, 2, "t:connect{}", "post_handshake_auth", 0);

    tls_conn_opts co = { 0 };
    int t = scr_rawfield(L, 2, "sni");
    if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1))
        co.sni = NULL;
    else if (t == LUA_TSTRING)
        co.sni = lua_tostring(L, -1);
    else if (t == LUA_TNIL)
        co.sni = cfg->sni[0] ? cfg->sni : NULL;
    else
        return luaL_error(L, "t:connect{}: sni must be a name or false");
    lua_pop(L, 1);
    co.alpn = opt_string(L, 2, "alpn", NULL);
    co.capture = &c->capture;
    if (scr_rawfield(L, 2, "session") != LUA_TNIL) {
        scn_session *s = luaL_testudata(L, -1, SESSION_MT);
        if (!s)
            return luaL_error(L, "t:connect{}: session must come from c:session()");
        co.resume = s->s;
    }
    lua_pop(L, 1);

    char host[256];
    int port = cfg->connect_port;
    snprintf(host, sizeof host, "%s", cfg->connect_host);
    const char *to_addr = opt_string(L, 2, "connect_to", NULL);
    mp_err e;
    if (to_addr && net_hostport_parse(to_addr, host, sizeof host, &port, &e) != 0)
        return luaL_error(L, "t:connect{}: connect_to: %s", e.msg);

    if (tls_client_init(&c->client, &to, &e) != 0)
        return luaL_error(L, "t:connect{}: %s", e.msg);
    c->have_tls = 1;

    net_addr addr;
    if (net_resolve(host, port, &addr, &e) != 0) {
        c->net = NET_ERROR;
        str_copy(c->net_error, sizeof c->net_error, e.msg);
        lua_settop(L, conn_idx);
        return 1;
    }
    snprintf(c->addr, sizeof c->addr, "%s", addr.text);
    int64_t t0 = tm_mono_ns();
    int fd;
    c->net = net_connect(&addr, t0 + cfg->timeout_ns, &fd, &e);
    c->connect_ms = ms_since(t0);
    if (c->net != NET_OK) {
        str_copy(c->net_error, sizeof c->net_error, e.msg);
        lua_settop(L, conn_idx);
        return 1;
    }
    if (tls_conn_init(&c->conn, &c->client, fd, &co, &e) != 0) {
        tls_conn_close(&c->conn, 1);
        return luaL_error(L, "t:connect{}: %s", e.msg);
    }
    tls_conn_handshake(&c->conn, tm_mono_ns() + cfg->timeout_ns);
    tls_audit_finish(&c->conn);
    c->after = c->conn.out;
    capture_chain(c);
    lua_settop(L, conn_idx);
    return 1;
}

/* ---- request ------------------------------------------------------------ */

static int add_headers(lua_State *L, int idx, http_header **hs, size_t *n)
{
    /* Either { ["Name"] = "value" } or { "Name: value", ... }. */
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        http_header h;
        mp_err e;
        if (lua_type(L, -2) == LUA_TSTRING) {
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "c:request{}: header '%s' must have a string value",
                                  lua_tostring(L, -2));
            lua_pushfstring(L, "%s: %s", lua_tostring(L, -2), lua_tostring(L, -1));
        } else if (lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, -1);
        } else {
            return luaL_error(L, "c:request{}: headers must be {Name = \"value\"} or {\"Name: value\"}");
        }
        if (http_header_parse(lua_tostring(L, -1), &h, &e) != 0)
            return luaL_error(L, "c:request{}: %s", e.msg);
        lua_pop(L, 2);
        http_header *nh = realloc(*hs, (*n + 1) * sizeof *nh);
        if (!nh)
            return luaL_error(L, "out of memory");
        *hs = nh;
        (*hs)[(*n)++] = h;
    }
    return 0;
}

void scn_push_response(lua_State *L, const http_response *r)
{
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, r->status);
    lua_setfield(L, -2, "status");
    lua_createtable(L, 0, (int)r->n_headers);
    for (size_t i = 0; i < r->n_headers; i++) {
        if (!r->headers[i].name)
            continue;
        char lower[256];
        snprintf(lower, sizeof lower, "%s", r->headers[i].name);
        for (char *p = lower; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        lua_pushstring(L, r->headers[i].value ? r->headers[i].value : "");
        lua_setfield(L, -2, lower);
    }
    lua_setfield(L, -2, "headers");
    lua_pushlstring(L, r->body ? r->body : "", r->body_len);
    lua_setfield(L, -2, "body");
}

/* Sends one request and reads its response; results land in c. */
static int do_request(lua_State *L, scn_conn *c, int opts)
{
    const scn_config *cfg = c->ctx->cfg;
    const char *method = "GET", *path = cfg->target.path, *host = cfg->target.authority;
    size_t body_len = 0;
    const char *body = NULL;
    http_header *hs = NULL;
    size_t n = 0;
    if (opts) {
        static const char *const known[] = { "method", "path", "headers", "body", "host", NULL };
        scr_check_known_fields(L, opts, "c:request{}", known);
        method = scr_field_string(L, opts, "c:request{}", "method", method);
        path = scr_field_string(L, opts, "c:request{}", "path", path);
        host = scr_field_string(L, opts, "c:request{}", "host", host);
        if (scr_rawfield(L, opts, "body") == LUA_TSTRING)
            body = lua_tolstring(L, -1, &body_len);
        lua_pop(L, 1);
    }
    for (size_t i = 0; i < cfg->n_headers; i++) {
        http_header *nh = realloc(hs, (n + 1) * sizeof *nh);
        if (!nh)
            return luaL_error(L, "out of memory");
        hs = nh;
        hs[n].name = strdup(cfg->headers[i].name);
        hs[n].value = strdup(cfg->headers[i].value);
        n++;
    }
    if (opts && scr_field_table(L, opts, "c:request{}", "headers")) {
        add_headers(L, lua_gettop(L), &hs, &n);
        lua_pop(L, 1);
    }
    char *req;
    size_t req_len;
    mp_err e;
    int rc = http_request_build(method, path, host, hs, n, body, body_len, &req, &req_len, &e);
    for (size_t i = 0; i < n; i++) {
        free(hs[i].name);
        free(hs[i].value);
    }
    free(hs);
    if (rc != 0)
        return luaL_error(L, "c:request{}: %s", e.msg);

    http_response_free(&c->resp);
    c->requested = 1;
    c->responded = 0;
    c->http_error[0] = '\0';
    int64_t t0 = tm_mono_ns(), deadline = t0 + cfg->timeout_ns;
    if (tls_conn_write(&c->conn, req, req_len, deadline) != 0) {
        free(req);
        c->after = c->conn.out;
        tls_outcome_describe(&c->after, c->http_error, sizeof c->http_error);
        return 0;
    }
    free(req);
    http_reader rd;
    http_reader_init(&rd, MAX_BODY);
    char buf[16384];
    int first = 1, state = 0;
    while (state == 0) {
        ssize_t got = tls_conn_read(&c->conn, buf, sizeof buf, deadline);
        if (first && got >= 0) {
            c->first_byte_ms = ms_since(t0);
            first = 0;
        }
        if (got > 0) {
            state = http_reader_feed(&rd, buf, (size_t)got);
        } else if (got == 0) {
            state = http_reader_eof(&rd);
            if (state < 0 && rd.resp.status == 0)
                state = -2; /* closed before any response */
        } else {
            state = -3; /* TLS-level failure: alert, reset, timeout */
        }
    }
    c->after = c->conn.out;
    if (state == 1) {
        http_reader_take(&rd, &c->resp);
        c->responded = 1;
    } else if (state == -3) {
        tls_outcome_describe(&c->after, c->http_error, sizeof c->http_error);
    } else if (state == -2) {
        c->after.result = TLS_R_CLOSED;
        snprintf(c->http_error, sizeof c->http_error, "connection closed before an HTTP response");
    } else {
        snprintf(c->http_error, sizeof c->http_error, "%s", rd.error);
    }
    http_reader_free(&rd);
    return 0;
}

static int l_request(lua_State *L)
{
    scn_conn *c = check_conn(L, 1);
    int opts = 0;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        opts = 2;
    }
    if (c->net != NET_OK || c->conn.out.result != TLS_R_OK) {
        lua_pushnil(L);
        lua_pushstring(L, "not connected");
        return 2;
    }
    do_request(L, c, opts);
    if (!c->responded) {
        lua_pushnil(L);
        lua_pushstring(L, c->http_error);
        return 2;
    }
    scn_push_response(L, &c->resp);
    return 1;
}

/* ---- classification ----------------------------------------------------- */

typedef enum { OUT_ACCEPTED, OUT_REJECTED, OUT_ERROR } outcome_kind;

typedef struct judged {
    outcome_kind kind;
    char text[400];
} judged;

static int is_refusal(tls_result r)
{
    return r == TLS_R_ALERT_RECEIVED || r == TLS_R_RESET || r == TLS_R_CLOSED;
}

/* What the gateway did with this connection; makes the default request if
 * the scenario made none, since rejection may come only with the response. */
static judged judge(lua_State *L, scn_conn *c)
{
    judged j;
    char d[300];
    if (c->net != NET_OK) {
        j.kind = OUT_ERROR;
        snprintf(j.text, sizeof j.text, "%s", c->net_error);
        return j;
    }
    const tls_outcome *hs = &c->conn.out;
    if (hs->result != TLS_R_OK && !c->requested) {
        tls_outcome_describe(hs, d, sizeof d);
        if (is_refusal(hs->result)) {
            j.kind = OUT_REJECTED;
            snprintf(j.text, sizeof j.text, "rejected in handshake: %s", d);
        } else {
            j.kind = OUT_ERROR;
            if (hs->result == TLS_R_VERIFY_FAILED)
                snprintf(j.text, sizeof j.text, "%s (check --ca, --sni)", d);
            else
                snprintf(j.text, sizeof j.text, "%s", d);
        }
        return j;
    }
    if (!c->requested)
        do_request(L, c, 0);
    if (c->responded) {
        int st = c->resp.status;
        j.kind = scn_status_is_rejection(st) ? OUT_REJECTED : OUT_ACCEPTED;
        snprintf(j.text, sizeof j.text, "%s: HTTP %d after handshake (%s)",
                 j.kind == OUT_REJECTED ? "rejected" : "accepted", st, hs->version);
        return j;
    }
    if (is_refusal(c->after.result)) {
        tls_outcome_describe(&c->after, d, sizeof d);
        j.kind = OUT_REJECTED;
        snprintf(j.text, sizeof j.text, "rejected after handshake: %s (%s)", d, hs->version);
        return j;
    }
    j.kind = OUT_ERROR;
    snprintf(j.text, sizeof j.text, "%s", c->http_error[0] ? c->http_error : "no response");
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
        ev->http_status = c->resp.status;
        ev->first_byte_ms = c->first_byte_ms;
    }
    if (hs->result != TLS_R_OK && !hs->after_handshake)
        snprintf(ev->rejected_in, sizeof ev->rejected_in, "handshake");
    else if (c->responded && scn_status_is_rejection(c->resp.status))
        snprintf(ev->rejected_in, sizeof ev->rejected_in, "http");
    else if (c->requested && !c->responded && is_refusal(c->after.result))
        snprintf(ev->rejected_in, sizeof ev->rejected_in, "after-handshake");
}

/* Records one expectation. The first expectation that does not pass decides
 * expected/observed; among passing ones, the first is kept. */
static void record(scn_ctx *ctx, int level, const char *expected, const char *observed,
                   scn_conn *c)
{
    res_scenario *r = ctx->res;
    if (!ctx->decided || level > ctx->worst) {
        snprintf(r->expected, sizeof r->expected, "%s", expected);
        snprintf(r->observed, sizeof r->observed, "%s", observed);
        if (c)
            fill_evidence(c, &r->ev);
        if (level == 2)
            snprintf(r->reason, sizeof r->reason, "%s", observed);
    }
    if (level > ctx->worst)
        ctx->worst = level;
    ctx->decided = 1;
}

/* t:expect_accepted / t:expect_rejected: PASS when the gateway did `want`,
 * FAIL when it did the other, ERROR when the attempt itself failed. */
static int expect_kind(lua_State *L, outcome_kind want, const char *def_expected)
{
    scn_ctx *ctx = check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    judged j = judge(L, c);
    record(ctx, j.kind == want ? 0 : j.kind == OUT_ERROR ? 2 : 1,
           luaL_optstring(L, 3, def_expected), j.text, c);
    lua_pushboolean(L, j.kind == want);
    return 1;
}

static int l_expect_accepted(lua_State *L) { return expect_kind(L, OUT_ACCEPTED, "accepted"); }
static int l_expect_rejected(lua_State *L) { return expect_kind(L, OUT_REJECTED, "rejected"); }

static int l_observe(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    judged j = judge(L, c);
    record(ctx, j.kind == OUT_ERROR ? 2 : 0, luaL_optstring(L, 3, "recorded"),
           j.text, c);
    lua_pushstring(L, j.kind == OUT_ACCEPTED ? "accepted" : j.kind == OUT_REJECTED ? "rejected" : "error");
    return 1;
}

static int l_expect_status(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    lua_Integer want = luaL_checkinteger(L, 3);
    judged j = judge(L, c);
    char exp[64], obs[420];
    snprintf(exp, sizeof exp, "HTTP %lld", (long long)want);
    int level;
    if (c->responded) {
        level = c->resp.status == want ? 0 : 1;
        snprintf(obs, sizeof obs, "HTTP %d", c->resp.status);
    } else {
        level = j.kind == OUT_ERROR ? 2 : 1;
        snprintf(obs, sizeof obs, "%s", j.text);
    }
    record(ctx, level, exp, obs, c);
    lua_pushboolean(L, level == 0);
    return 1;
}

static int l_expect_alert(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    judged j = judge(L, c);
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
    int level = got == want ? 0 : j.kind == OUT_ERROR ? 2 : 1;
    record(ctx, level, exp, j.text, c);
    lua_pushboolean(L, level == 0);
    return 1;
}

static int l_expect_header(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    const char *name = luaL_checkstring(L, 3);
    const char *pattern = luaL_optstring(L, 4, NULL);
    judged j = judge(L, c);
    char exp[300], obs[420];
    snprintf(exp, sizeof exp, "header %s%s%s", name, pattern ? " matching " : "", pattern ? pattern : "");
    int level;
    if (!c->responded) {
        level = j.kind == OUT_ERROR ? 2 : 1;
        snprintf(obs, sizeof obs, "%s", j.text);
    } else {
        const char *v = http_response_header(&c->resp, name);
        if (!v) {
            level = 1;
            snprintf(obs, sizeof obs, "no %s header (HTTP %d)", name, c->resp.status);
        } else {
            level = 0;
            if (pattern) {
                lua_getglobal(L, "string");
                lua_getfield(L, -1, "find");
                lua_pushstring(L, v);
                lua_pushstring(L, pattern);
                lua_call(L, 2, 1);
                level = lua_isnil(L, -1) ? 1 : 0;
                lua_pop(L, 2);
            }
            snprintf(obs, sizeof obs, "%s: %s", name, v);
        }
    }
    record(ctx, level, exp, obs, c);
    lua_pushboolean(L, level == 0);
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

/* t:pass(observed [, expected [, conn]]), t:fail(...), t:error(observed [, conn]):
 * verdicts decided by the scenario itself; conn supplies the evidence. */
static int l_verdict(lua_State *L, int level, const char *def_expected)
{
    scn_ctx *ctx = check_ctx(L, 1);
    const char *observed = luaL_checkstring(L, 2);
    int conn_arg = level == 2 ? 3 : 4;
    const char *expected = level == 2 ? def_expected : luaL_optstring(L, 3, def_expected);
    scn_conn *c = lua_isnoneornil(L, conn_arg) ? NULL : check_conn(L, conn_arg);
    record(ctx, level, expected, observed, c);
    return 0;
}

static int l_pass(lua_State *L) { return l_verdict(L, 0, "pass"); }
static int l_fail(lua_State *L) { return l_verdict(L, 1, "no failure"); }
static int l_error(lua_State *L) { return l_verdict(L, 2, "to run"); }

/* t:outcome(c) -> "accepted" | "rejected" | "error", description; records nothing. */
static int l_outcome(lua_State *L)
{
    check_ctx(L, 1);
    scn_conn *c = check_conn(L, 2);
    judged j = judge(L, c);
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
    } else if (strcmp(k, "target") == 0) {
        lua_createtable(L, 0, 5);
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
    } else if (scn_audit_ctx_index(L, ctx, k)) {
        /* pushed by the audit additions */
    } else if (scn_bypass_ctx_index(L, ctx, k)) {
        /* pushed by the bypass additions */
    } else {
        lua_getmetatable(L, 1);
        lua_getfield(L, -1, "__methods");
        lua_getfield(L, -1, k);
    }
    return 1;
}

/* ---- connection object -------------------------------------------------- */

static int l_conn_index(lua_State *L)
{
    scn_conn *c = check_conn(L, 1);
    const char *k = luaL_checkstring(L, 2);
    const tls_outcome *hs = &c->conn.out;
    const tls_outcome *last = c->requested ? &c->after : hs;
    if (strcmp(k, "connected") == 0) {
        lua_pushboolean(L, c->net == NET_OK);
    } else if (strcmp(k, "handshake_ok") == 0) {
        lua_pushboolean(L, c->net == NET_OK && (hs->result == TLS_R_OK || hs->after_handshake));
    } else if (strcmp(k, "result") == 0) {
        lua_pushstring(L, c->net != NET_OK ? net_status_name(c->net) : tls_result_name(last->result));
    } else if (strcmp(k, "error") == 0) {
        if (c->net != NET_OK)
            lua_pushstring(L, c->net_error);
        else if (c->http_error[0])
            lua_pushstring(L, c->http_error);
        else if (hs->result != TLS_R_OK) {
            char d[300];
            tls_outcome_describe(hs, d, sizeof d);
            lua_pushstring(L, d);
        } else
            lua_pushnil(L);
    } else if (strcmp(k, "alert") == 0) {
        if (last->alert_code < 0) {
            lua_pushnil(L);
        } else {
            lua_createtable(L, 0, 3);
            lua_pushstring(L, tls_alert_name(last->alert_code));
            lua_setfield(L, -2, "name");
            lua_pushinteger(L, last->alert_code);
            lua_setfield(L, -2, "code");
            lua_pushstring(L, last->alert_sent ? "sent" : "received");
            lua_setfield(L, -2, "direction");
        }
    } else if (strcmp(k, "version") == 0) {
        lua_pushstring(L, hs->version);
    } else if (strcmp(k, "cipher") == 0) {
        lua_pushstring(L, hs->cipher);
    } else if (strcmp(k, "group") == 0) {
        lua_pushstring(L, hs->group);
    } else if (strcmp(k, "alpn") == 0) {
        lua_pushstring(L, hs->alpn);
    } else if (strcmp(k, "resumed") == 0) {
        lua_pushboolean(L, hs->resumed);
    } else if (strcmp(k, "cert_requested") == 0) {
        lua_pushboolean(L, hs->cert_requested);
    } else if (strcmp(k, "response") == 0) {
        if (c->responded)
            scn_push_response(L, &c->resp);
        else
            lua_pushnil(L);
    } else if (strcmp(k, "timings") == 0) {
        lua_createtable(L, 0, 3);
        lua_pushnumber(L, c->connect_ms);
        lua_setfield(L, -2, "connect_ms");
        lua_pushnumber(L, (double)hs->handshake_ns / 1e6);
        lua_setfield(L, -2, "handshake_ms");
        if (c->responded) {
            lua_pushnumber(L, c->first_byte_ms);
            lua_setfield(L, -2, "first_byte_ms");
        }
    } else if (strcmp(k, "fixture") == 0) {
        lua_pushstring(L, c->fixture);
    } else if (strcmp(k, "peer_chain") == 0) {
        push_chain(L, c);
    } else if (scn_audit_conn_index(L, c, k)) {
        /* pushed by the audit additions */
    } else {
        lua_getmetatable(L, 1);
        lua_getfield(L, -1, "__methods");
        lua_getfield(L, -1, k);
    }
    return 1;
}

static int l_conn_session(lua_State *L)
{
    scn_conn *c = check_conn(L, 1);
    if (c->net != NET_OK || c->conn.out.result != TLS_R_OK || !c->conn.ssl) {
        lua_pushnil(L);
        return 1;
    }
    WOLFSSL_SESSION *s = tls_conn_session(&c->conn);
    if (!s) {
        lua_pushnil(L);
        return 1;
    }
    scn_session *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->s = s;
    luaL_setmetatable(L, SESSION_MT);
    return 1;
}

static int l_conn_close(lua_State *L)
{
    scn_conn *c = check_conn(L, 1);
    if (c->conn.ssl || c->conn.fd >= 0)
        tls_conn_close(&c->conn, lua_toboolean(L, 2));
    return 0;
}

static int l_conn_gc(lua_State *L)
{
    scn_conn *c = check_conn(L, 1);
    if (c->conn.ssl || c->conn.fd >= 0)
        tls_conn_close(&c->conn, 0);
    if (c->have_tls)
        tls_client_free(&c->client);
    c->have_tls = 0;
    http_response_free(&c->resp);
    for (int i = 0; i < c->n_chain; i++)
        free(c->chain[i]);
    c->n_chain = 0;
    return 0;
}

static int l_session_gc(lua_State *L)
{
    scn_session *s = luaL_checkudata(L, 1, SESSION_MT);
    if (s->s)
        wolfSSL_SESSION_free(s->s);
    s->s = NULL;
    return 0;
}

void scn_push_context(lua_State *L, scn_ctx *ctx)
{
    if (luaL_newmetatable(L, CTX_MT)) {
        static const luaL_Reg methods[] = {
            { "connect", l_connect }, { "expect_accepted", l_expect_accepted },
            { "expect_rejected", l_expect_rejected }, { "expect_status", l_expect_status },
            { "expect_alert", l_expect_alert }, { "expect_header", l_expect_header },
            { "observe", l_observe }, { "skip", l_skip }, { "fail", l_fail }, { "pass", l_pass },
            { "error", l_error }, { "outcome", l_outcome },
            { "fixture", l_fixture }, { NULL, NULL },
        };
        luaL_newlib(L, methods);
        scn_audit_register(L, lua_gettop(L), 0);
        scn_bypass_register(L, lua_gettop(L), 0);
        lua_setfield(L, -2, "__methods");
        lua_pushcfunction(L, l_ctx_index);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, CONN_MT)) {
        static const luaL_Reg methods[] = {
            { "request", l_request }, { "session", l_conn_session }, { "close", l_conn_close },
            { NULL, NULL },
        };
        luaL_newlib(L, methods);
        scn_audit_register(L, 0, lua_gettop(L));
        scn_bypass_register(L, 0, lua_gettop(L));
        lua_setfield(L, -2, "__methods");
        lua_pushcfunction(L, l_conn_index);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_conn_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, l_conn_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, SESSION_MT)) {
        lua_pushcfunction(L, l_session_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
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
        snprintf(r->reason, sizeof r->reason, "%s", msg ? msg : "scenario error");
        snprintf(r->observed, sizeof r->observed, "error: %.490s", r->reason);
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
    r->verdict = ctx->worst == 0 ? RES_PASS : ctx->worst == 1 ? RES_FAIL : RES_ERROR;
}
