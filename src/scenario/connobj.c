/* The connection object of the `t` API: t:connect{...} turns its options
 * into a scn_conn_spec and opens the connection (conn.c); c:request{...}
 * builds the request; the fields (c.result, c.alert, c.peer_chain, ...) read
 * what the connection recorded. Judging connections is ctx.c's job. */
#define _DEFAULT_SOURCE
#include "scenario/conn.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki/certsum.h"
#include "pki/der.h"
#include "pki/inspect.h"
#include "pki/key.h"
#include "script/script.h"
#include "util/str.h"
#include "util/timeutil.h"

#define check_ctx scn_check_ctx
#define check_conn scn_check_conn

typedef struct scn_session {
    tls_session *s;
} scn_session;

scn_conn *scn_check_conn(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, CONN_MT);
}

static void push_san(const char *san, void *arg)
{
    lua_State *L = arg;
    lua_pushstring(L, san);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
}

/* One certificate as a table { subject, issuer, not_before, not_after,
 * spki_sha256, sha256, sans = {...}, and the audit's fields }; nothing is
 * pushed when the DER does not parse (returns -1). */
int scn_push_cert(lua_State *L, const uint8_t *der, size_t len)
{
    der_cert_parts parts;
    if (der_cert_split(der, len, &parts) != 0)
        return -1;
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
    if (pki_inspect_validity(der, len, &nb, &na) == 0) {
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
    if (pki_cert_sha256(der, len, fp) == 0) {
        der_hex(fp, sizeof fp, 0, hex, sizeof hex);
        lua_pushstring(L, hex);
        lua_setfield(L, -2, "sha256");
    }
    lua_pushlstring(L, (const char *)der, len);
    lua_setfield(L, -2, "der");
    lua_newtable(L);
    pki_inspect_sans(der, len, push_san, L);
    lua_setfield(L, -2, "sans");
    scn_audit_cert_fields(L, der, len);
    return 0;
}

/* c.peer_chain: { cert, ... }, leaf first (scn_push_cert). */
static void push_chain(lua_State *L, scn_conn *c)
{
    lua_createtable(L, c->n_chain, 0);
    for (int i = 0; i < c->n_chain; i++)
        if (scn_push_cert(L, c->chain[i], c->chain_len[i]) == 0)
            lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
}

/* ---- connect ------------------------------------------------------------ */

static const char *opt_string(lua_State *L, int idx, const char *field, const char *def)
{
    return scr_field_string(L, idx, "t:connect{}", field, def);
}

static void copy_opt(lua_State *L, const char *field, char *dst, size_t n, const char *def)
{
    const char *v = opt_string(L, 2, field, def);
    if (v && strlen(v) >= n)
        luaL_error(L, "t:connect{}: %s is longer than %d characters", field, (int)(n - 1));
    str_copy(dst, n, v ? v : "");
}

int scn_l_connect(lua_State *L)
{
    scn_ctx *ctx = check_ctx(L, 1);
    const scn_config *cfg = ctx->cfg;
    if (lua_isnoneornil(L, 2))
        lua_newtable(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    static const char *const known[] = { "cert", "tls", "sni", "alpn", "ciphers", "groups", "sigalgs",
                                         "session", "connect_to", "verify", "ocsp", "ticket",
                                         "renegotiation", "post_handshake_auth", "early_data", NULL };
    scr_check_known_fields(L, 2, "t:connect{}", known);

    scn_conn_spec s;
    memset(&s, 0, sizeof s);
    s.verify = scr_field_bool(L, 2, "t:connect{}", "verify", cfg->verify_peer);
    s.version = ctx->version;
    const char *v = opt_string(L, 2, "tls", NULL);
    if (v && tls_version_parse(v, &s.version) != 0)
        return luaL_error(L, "t:connect{}: tls must be \"1.0\", \"1.1\", \"1.2\", \"1.3\" or \"any\"");
    const char *cert = opt_string(L, 2, "cert", NULL);
    if (cert) {
        const pki_manifest_entry *f = pki_manifest_find(cfg->fixtures, cert);
        if (!f) {
            ctx->input_error = 1;
            return luaL_error(L, "t:connect{}: unknown fixture '%s' (not in %s/manifest.json)",
                              cert, cfg->fixtures->dir);
        }
        copy_opt(L, "cert", s.cert, sizeof s.cert, NULL);
    }
    copy_opt(L, "ciphers", s.ciphers, sizeof s.ciphers, NULL);
    copy_opt(L, "groups", s.groups, sizeof s.groups, NULL);
    copy_opt(L, "sigalgs", s.sigalgs, sizeof s.sigalgs, NULL);
    copy_opt(L, "early_data", s.early_data, sizeof s.early_data, NULL);
    /* gRPC runs over HTTP/2: offered unless the scenario says otherwise */
    copy_opt(L, "alpn", s.alpn, sizeof s.alpn, proto_for(cfg->target.scheme)->alpn);
    s.ocsp = scr_field_bool(L, 2, "t:connect{}", "ocsp", 0);
    s.no_ticket = !scr_field_bool(L, 2, "t:connect{}", "ticket", 1);
    s.renegotiation = scr_field_bool(L, 2, "t:connect{}", "renegotiation", 0);
    s.post_handshake_auth = scr_field_bool(L, 2, "t:connect{}", "post_handshake_auth", 0);
    int t = scr_rawfield(L, 2, "sni");
    if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
        s.sni_set = 0;
    } else if (t == LUA_TSTRING) {
        s.sni_set = 1;
        str_copy(s.sni, sizeof s.sni, lua_tostring(L, -1));
    } else if (t == LUA_TNIL) {
        s.sni_set = cfg->sni[0] != '\0';
        str_copy(s.sni, sizeof s.sni, cfg->sni);
    } else {
        return luaL_error(L, "t:connect{}: sni must be a name or false");
    }
    lua_pop(L, 1);
    tls_session *resume = NULL;
    if (scr_rawfield(L, 2, "session") != LUA_TNIL) {
        scn_session *u = luaL_testudata(L, -1, SESSION_MT);
        if (!u)
            return luaL_error(L, "t:connect{}: session must come from c:session()");
        resume = u->s;
    }
    lua_pop(L, 1);
    s.port = cfg->connect_port;
    str_copy(s.host, sizeof s.host, cfg->connect_host);
    const char *to_addr = opt_string(L, 2, "connect_to", NULL);
    mp_err e;
    if (to_addr && net_hostport_parse(to_addr, s.host, sizeof s.host, &s.port, &e) != 0)
        return luaL_error(L, "t:connect{}: connect_to: %s", e.msg);

    scn_conn *c = lua_newuserdatauv(L, sizeof *c, 1);
    memset(c, 0, sizeof *c);
    c->conn.fd = -1;
    luaL_setmetatable(L, CONN_MT);
    if (scn_conn_open(c, ctx, &s, resume, &e) != 0)
        return luaL_error(L, "t:connect{}: %s", e.msg);
    return 1;
}

/* ---- request ------------------------------------------------------------ */

/* The headers of one c:request{}, held in a userdata so that a luaL_error
 * raised while they are built (a bad header, out of memory) cannot leak
 * them: the collector frees what the error left. */
#define HLIST_MT "mtlsprobe.headers"
typedef struct hlist {
    http_header *v;
    size_t n;
} hlist;

static void hlist_clear(hlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].value);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int l_hlist_gc(lua_State *L)
{
    hlist_clear(luaL_checkudata(L, 1, HLIST_MT));
    return 0;
}

/* Appends h, taking its strings; raises (h freed) when out of memory. */
static void hlist_add(lua_State *L, hlist *l, http_header h)
{
    http_header *nv = h.name && h.value ? realloc(l->v, (l->n + 1) * sizeof *nv) : NULL;
    if (!nv) {
        free(h.name);
        free(h.value);
        luaL_error(L, "out of memory");
        return;
    }
    l->v = nv;
    l->v[l->n++] = h;
}

static int add_headers(lua_State *L, int idx, hlist *l)
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
        hlist_add(L, l, h);
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
    /* Every header in order, repeats kept (Set-Cookie): { { name, value } }. */
    lua_createtable(L, (int)r->n_headers, 0);
    for (size_t i = 0; i < r->n_headers; i++) {
        if (!r->headers[i].name)
            continue;
        lua_createtable(L, 2, 0);
        lua_pushstring(L, r->headers[i].name);
        lua_rawseti(L, -2, 1);
        lua_pushstring(L, r->headers[i].value ? r->headers[i].value : "");
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    }
    lua_setfield(L, -2, "header_list");
    lua_pushlstring(L, r->body ? r->body : "", r->body_len);
    lua_setfield(L, -2, "body");
}

/* Builds the request from c:request{} options (opts: their stack index, 0
 * for the run's default request) and sends it. */
void scn_lua_request(lua_State *L, scn_conn *c, int opts)
{
    mp_err e;
    if (!opts) {
        if (scn_conn_default_request(c, &e) != 0)
            luaL_error(L, "request: %s", e.msg);
        return;
    }
    const scn_config *cfg = c->ctx->cfg;
    if (cfg->target.scheme != NET_SCHEME_HTTPS)
        luaL_error(L, "c:request{} builds an HTTP request, and the target is %s://: use c:exchange() "
                      "(t.scheme says which protocol the target speaks)", net_scheme_name(cfg->target.scheme));
    const char *method = "GET", *path = cfg->target.path, *host = cfg->target.authority;
    size_t body_len = 0;
    const char *body = NULL;
    static const char *const known[] = { "method", "path", "headers", "body", "host", NULL };
    scr_check_known_fields(L, opts, "c:request{}", known);
    method = scr_field_string(L, opts, "c:request{}", "method", method);
    path = scr_field_string(L, opts, "c:request{}", "path", path);
    host = scr_field_string(L, opts, "c:request{}", "host", host);
    if (scr_rawfield(L, opts, "body") == LUA_TSTRING)
        body = lua_tolstring(L, -1, &body_len);
    lua_pop(L, 1);
    hlist *hl = lua_newuserdatauv(L, sizeof *hl, 0);
    memset(hl, 0, sizeof *hl);
    luaL_setmetatable(L, HLIST_MT);
    for (size_t i = 0; i < cfg->n_headers; i++)
        hlist_add(L, hl, (http_header){ strdup(cfg->headers[i].name), strdup(cfg->headers[i].value) });
    if (scr_field_table(L, opts, "c:request{}", "headers")) {
        add_headers(L, lua_gettop(L), hl);
        lua_pop(L, 1);
    }
    char *req;
    size_t req_len;
    int rc = http_request_build(method, path, host, hl->v, hl->n, body, body_len, &req, &req_len, &e);
    hlist_clear(hl);
    lua_pop(L, 1);
    if (rc != 0)
        luaL_error(L, "c:request{}: %s", e.msg);
    scn_conn_send(c, req, req_len);
    free(req);
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
    scn_lua_request(L, c, opts);
    if (!c->responded) {
        lua_pushnil(L);
        lua_pushstring(L, c->app_error);
        return 2;
    }
    scn_push_response(L, &c->resp);
    return 1;
}

/* The application's answer: { protocol, code, text, served, http_status }. */
static void push_answer(lua_State *L, const proto_answer *a)
{
    lua_createtable(L, 0, 5);
    lua_pushstring(L, proto_kind_name(a->kind));
    lua_setfield(L, -2, "protocol");
    lua_pushinteger(L, a->code);
    lua_setfield(L, -2, "code");
    lua_pushstring(L, a->text);
    lua_setfield(L, -2, "text");
    lua_pushboolean(L, proto_answer_served(a));
    lua_setfield(L, -2, "served");
    if (a->http_status) {
        lua_pushinteger(L, a->http_status);
        lua_setfield(L, -2, "http_status");
    }
}

/* c:exchange() -> answer, or nil and why: the run's default request in the
 * target's protocol (GET for https://, CONNECT for mqtts://, the gRPC call,
 * --send for tls://) and its answer. */
static int l_exchange(lua_State *L)
{
    scn_conn *c = check_conn(L, 1);
    if (c->net != NET_OK || c->conn.out.result != TLS_R_OK) {
        lua_pushnil(L);
        lua_pushstring(L, "not connected");
        return 2;
    }
    scn_lua_request(L, c, 0);
    if (!c->responded) {
        lua_pushnil(L);
        lua_pushstring(L, c->app_error);
        return 2;
    }
    push_answer(L, &c->answer);
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
        else if (c->app_error[0])
            lua_pushstring(L, c->app_error);
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
        if (c->responded && c->answer.kind == PROTO_HTTP)
            scn_push_response(L, &c->resp);
        else
            lua_pushnil(L);
    } else if (strcmp(k, "answer") == 0) {
        if (c->responded)
            push_answer(L, &c->answer);
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
    } else if (strcmp(k, "scheme") == 0) {
        lua_pushstring(L, net_scheme_name(c->ctx->cfg->target.scheme));
    } else if (strcmp(k, "fixture") == 0) {
        lua_pushstring(L, c->fixture);
    } else if (strcmp(k, "peer_chain") == 0) {
        push_chain(L, c);
    } else if (scn_extensions_conn_index(L, c, k)) {
        /* pushed by a suite's additions */
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
    if (c->net != NET_OK || c->conn.out.result != TLS_R_OK || !tls_conn_has_tls(&c->conn)) {
        lua_pushnil(L);
        return 1;
    }
    tls_session *s = tls_conn_session(&c->conn);
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
    if (c->xp.ops)
        net_xp_close(&c->xp, lua_toboolean(L, 2));
    return 0;
}

static int l_conn_gc(lua_State *L)
{
    scn_conn_release(check_conn(L, 1));
    return 0;
}

static int l_session_gc(lua_State *L)
{
    scn_session *s = luaL_checkudata(L, 1, SESSION_MT);
    tls_session_free(s->s);
    s->s = NULL;
    return 0;
}

void scn_conn_register(lua_State *L)
{
    if (luaL_newmetatable(L, CONN_MT)) {
        static const luaL_Reg methods[] = {
            { "request", l_request }, { "exchange", l_exchange }, { "session", l_conn_session },
            { "close", l_conn_close },
            { NULL, NULL },
        };
        luaL_newlib(L, methods);
        scn_extensions_register(L, 0, lua_gettop(L));
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
    if (luaL_newmetatable(L, HLIST_MT)) {
        lua_pushcfunction(L, l_hlist_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
}
