/* The bypass and upstream suites' additions to `t`: the hosts and paths a
 * run was told about (--mtls-host, --public-host, --echo, --revocation,
 * --upstream-prefix, --upstream-client-cert, --ocsp-responder,
 * --other-mtls-host, --other-client-cert), JSON decoding for the echo
 * upstream's reports, plain HTTP to serve's helpers (the plain-TCP
 * transport under the client that run's gateway requests use), and a
 * severity a scenario may raise or lower from what it observed (a
 * fail-open revocation check is high under pci-dss-4 and informational
 * elsewhere). */
#define _DEFAULT_SOURCE
#include "scenario/conn.h"

#include <jansson.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/h2.h"
#include "script/script.h"
#include "util/str.h"
#include "util/timeutil.h"

#define MAX_BODY (1024 * 1024)

static void push_json(lua_State *L, json_t *v, int depth)
{
    if (depth > 32) {
        lua_pushnil(L);
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        lua_createtable(L, 0, (int)json_object_size(v));
        json_object_foreach(v, k, x) {
            push_json(L, x, depth + 1);
            lua_setfield(L, -2, k);
        }
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        lua_createtable(L, (int)json_array_size(v), 0);
        json_array_foreach(v, i, x) {
            push_json(L, x, depth + 1);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    }
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(v));
        break;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(v));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        lua_pushboolean(L, json_is_true(v));
        break;
    default:
        lua_pushnil(L);
    }
}

/* t:json_decode(text) -> value, or nil and why */
static int l_json_decode(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 2, &len);
    json_error_t je;
    json_t *v = json_loadb(s, len, JSON_DECODE_ANY, &je);
    if (!v) {
        lua_pushnil(L);
        lua_pushfstring(L, "not JSON: %s (line %d)", je.text, je.line);
        return 2;
    }
    push_json(L, v, 0);
    json_decref(v);
    return 1;
}

/* t:set_severity(level): this run's severity, decided from what it saw. */
static int l_set_severity(lua_State *L)
{
    scn_ctx *ctx = scn_check_ctx(L, 1);
    const char *sev = luaL_checkstring(L, 2);
    if (strcmp(sev, "critical") && strcmp(sev, "high") && strcmp(sev, "medium") &&
        strcmp(sev, "low") && strcmp(sev, "info"))
        return luaL_error(L, "t:set_severity: critical, high, medium, low or info, not '%s'", sev);
    str_copy(ctx->res->severity, sizeof ctx->res->severity, sev);
    return 0;
}

/* ---- HTTP/2 ------------------------------------------------------------- */

/* c:h2_request{ method, path, authority, headers } -> response, or nil and
 * why; the connection must have negotiated ALPN h2. */
static int l_h2_request(lua_State *L)
{
    scn_conn *c = scn_check_conn(L, 1);
    const scn_config *cfg = c->ctx->cfg;
    if (lua_isnoneornil(L, 2))
        lua_newtable(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const known[] = { "method", "path", "authority", "headers", NULL };
    scr_check_known_fields(L, 2, "c:h2_request{}", known);
    if (c->net != NET_OK || c->conn.out.result != TLS_R_OK) {
        lua_pushnil(L);
        lua_pushstring(L, "not connected");
        return 2;
    }
    if (strcmp(c->conn.out.alpn, "h2") != 0) {
        lua_pushnil(L);
        lua_pushstring(L, "HTTP/2 was not negotiated (connect with alpn = \"h2\")");
        return 2;
    }
    http_h2_request q = {
        .method = scr_field_string(L, 2, "c:h2_request{}", "method", "GET"),
        .scheme = "https",
        .authority = scr_field_string(L, 2, "c:h2_request{}", "authority", cfg->target.authority),
        .path = scr_field_string(L, 2, "c:h2_request{}", "path", cfg->target.path),
    };
    http_header hs[32];
    size_t n = 0;
    if (scr_field_table(L, 2, "c:h2_request{}", "headers")) {
        lua_pushnil(L);
        while (lua_next(L, -2) && n < 32) {
            if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
                hs[n].name = (char *)lua_tostring(L, -2);
                hs[n].value = (char *)lua_tostring(L, -1);
                n++;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    q.headers = hs;
    q.n_headers = n;
    http_response r;
    mp_err e;
    c->requested = 1;
    if (http_h2_exchange_xp(&c->xp, &q, MAX_BODY, tm_mono_ns() + cfg->timeout_ns, &r, &e) != 0) {
        c->after = c->conn.out;
        lua_pushnil(L);
        lua_pushstring(L, e.msg);
        return 2;
    }
    c->after = c->conn.out;
    scn_push_response(L, &r);
    http_response_free(&r);
    return 1;
}

/* ---- plain HTTP to helper servers --------------------------------------- */

/* t:http_request{ url = "http://host:port/path", method, body } -> response,
 * or nil and why: one request over plain TCP, for the helpers of `mtlsprobe
 * serve` (the OCSP responder's control paths), never the gateway. */
static int l_http_request(lua_State *L)
{
    scn_ctx *ctx = scn_check_ctx(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const known[] = { "url", "method", "body", NULL };
    scr_check_known_fields(L, 2, "t:http_request{}", known);
    const char *url = scr_field_string(L, 2, "t:http_request{}", "url", NULL);
    const char *method = scr_field_string(L, 2, "t:http_request{}", "method", "GET");
    size_t body_len = 0;
    const char *body = NULL;
    if (scr_rawfield(L, 2, "body") == LUA_TSTRING)
        body = lua_tolstring(L, -1, &body_len);
    lua_pop(L, 1);
    if (!url || strncmp(url, "http://", 7) != 0)
        return luaL_error(L, "t:http_request{}: url must start with http://");
    char https[1100];
    snprintf(https, sizeof https, "https://%s", url + 7);
    net_url u;
    mp_err e;
    if (net_url_parse(https, &u, &e) != 0)
        return luaL_error(L, "t:http_request{}: %s", e.msg);
    if (!strchr(u.authority[0] == '[' ? strchr(u.authority, ']') : u.authority, ':'))
        u.port = 80;
    char *req;
    size_t req_len;
    if (http_request_build(method, u.path, u.authority, NULL, 0, body, body_len, &req, &req_len, &e) != 0)
        return luaL_error(L, "t:http_request{}: %s", e.msg);
    int64_t deadline = tm_mono_ns() + ctx->cfg->timeout_ns;
    net_addr addr;
    int fd = -1;
    http_response r;
    http_exchange_result rc = HTTP_X_FAILED;
    if (net_resolve(u.host, u.port, &addr, &e) == 0 && net_connect(&addr, deadline, &fd, &e) == NET_OK) {
        net_transport xp;
        net_tcp_transport(&xp, fd);
        int64_t first_byte;
        rc = http_exchange(&xp, req, req_len, deadline, MAX_BODY, &r, &first_byte, e.msg, sizeof e.msg);
        net_xp_failure f;
        net_xp_failure_of(&xp, &f);
        if (rc == HTTP_X_FAILED && f.kind == NET_XP_F_TIMEOUT)
            snprintf(e.msg, sizeof e.msg, "no answer from %s", addr.text);
        net_xp_close(&xp, 0);
    }
    free(req);
    if (rc != HTTP_X_OK) {
        lua_pushnil(L);
        lua_pushstring(L, e.msg);
        return 2;
    }
    scn_push_response(L, &r);
    http_response_free(&r);
    return 1;
}

static int bypass_ctx_index(lua_State *L, scn_ctx *ctx, const char *key)
{
    const scn_config *cfg = ctx->cfg;
    static const char *const keys[] = { "mtls_host", "public_host", "echo_path", "revocation",
                                        "upstream_prefix", "upstream_client_cert", "ocsp_responder",
                                        "other_mtls_host", "other_client_cert" };
    const char *vals[] = { cfg->mtls_host, cfg->public_host, cfg->echo_path, cfg->revocation,
                           cfg->upstream_prefix, cfg->upstream_client_cert, cfg->ocsp_responder,
                           cfg->other_mtls_host, cfg->other_client_cert };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(key, keys[i]) == 0) {
            if (vals[i])
                lua_pushstring(L, vals[i]);
            else
                lua_pushnil(L);
            return 1;
        }
    }
    return 0;
}

static const luaL_Reg bypass_t_methods[] = {
    { "json_decode", l_json_decode }, { "set_severity", l_set_severity },
    { "http_request", l_http_request }, { NULL, NULL },
};
static const luaL_Reg bypass_conn_methods[] = { { "h2_request", l_h2_request }, { NULL, NULL } };

const scn_extension scn_bypass_extension = { bypass_t_methods, bypass_conn_methods, bypass_ctx_index, NULL };
