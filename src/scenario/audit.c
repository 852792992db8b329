/* The audit's part of the `t` API (docs/scenarios.md, "Audit API"): the
 * candidate cipher suites, chain verification (the hand-built probes are
 * in probe.c), the profile, details and controls on the result, and the
 * connection fields that describe the server's own TLS. The checks
 * themselves are Lua (scenarios/audit/, scenarios/lib/audit.lua): C only
 * says what the server did, Lua judges it against the profile. */
#define _DEFAULT_SOURCE
#include "scenario/conn.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki/certsum.h"
#include "pki/inspect.h"
#include "script/script.h"
#include "tls/hello.h"
#include "util/str.h"
#include "util/timeutil.h"


static void append_str(lua_State *L, const char *v)
{
    lua_pushstring(L, v);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
}

/* ---- t methods ---------------------------------------------------------- */

static void push_suite(const char *name, const char *iana, void *arg)
{
    lua_State *L = arg;
    lua_createtable(L, 0, 2);
    scr_set_str(L, "name", name);
    scr_set_str(L, "iana", iana);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
}

/* t:cipher_suites("1.2" | "1.3") -> { {name, iana}, ... } that wolfSSL offers. */
static int l_cipher_suites(lua_State *L)
{
    scn_check_ctx(L, 1);
    tls_version v;
    if (tls_version_parse(luaL_checkstring(L, 2), &v) != 0 || v == TLS_ANY)
        return luaL_error(L, "t:cipher_suites: version must be \"1.0\" .. \"1.3\"");
    lua_newtable(L);
    tls_cipher_suites(v == TLS_V1_3 ? TLS_V1_3 : TLS_V1_2, push_suite, L);
    return 1;
}

/* t:hello_suites() -> { {id, name, iana}, ... } probed by t:hello only. */
static int l_hello_suites(lua_State *L)
{
    scn_check_ctx(L, 1);
    size_t n;
    const tls_suite_name *s = tls_legacy_suites(&n);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_createtable(L, 0, 3);
        scr_set_int(L, "id", s[i].id);
        scr_set_str(L, "name", s[i].openssl);
        scr_set_str(L, "iana", s[i].iana);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* t:verify_chain(c [, check_time]) -> true | false, reason */
static int l_verify_chain(lua_State *L)
{
    scn_ctx *ctx = scn_check_ctx(L, 1);
    int check_time = lua_toboolean(L, 3);
    const uint8_t *der[8];
    size_t len[8];
    int n = 0;
    if (lua_istable(L, 2)) { /* a chain as read by t:hello{flight = true}: { { der = ... }, ... } */
        int m = (int)lua_rawlen(L, 2);
        for (int i = 1; i <= m && n < 8; i++) {
            lua_rawgeti(L, 2, i);
            if (lua_istable(L, -1)) {
                if (lua_getfield(L, -1, "der") == LUA_TSTRING) {
                    /* stays alive after the pops: the chain table holds it */
                    der[n] = (const uint8_t *)lua_tolstring(L, -1, &len[n]);
                    n++;
                }
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
    } else {
        scn_conn *c = scn_check_conn(L, 2);
        for (int i = 0; i < c->n_chain; i++) {
            der[n] = c->chain[i];
            len[n++] = c->chain_len[i];
        }
    }
    if (n == 0) {
        lua_pushboolean(L, 0);
        lua_pushstring(L, "the server sent no certificate");
        return 2;
    }
    char err[300] = "";
    int rc = tls_verify_chain(der, len, n, ctx->cfg->ca_file, check_time, err, sizeof err);
    if (rc < 0)
        return luaL_error(L, "t:verify_chain: %s", err);
    lua_pushboolean(L, rc == 1);
    if (rc == 1)
        lua_pushnil(L);
    else
        lua_pushstring(L, err);
    return 2;
}

/* t:detail(line): one line under the verdict, in the JSON's details. */
static int l_detail(lua_State *L)
{
    scn_ctx *ctx = scn_check_ctx(L, 1);
    const char *line = luaL_checkstring(L, 2);
    if (res_scenario_add_detail(ctx->res, line) != 0)
        return luaL_error(L, "t:detail: out of memory");
    return 0;
}

/* t:finding{ id, severity, profile, rule, observed, expected, controls,
 * cve, cwe, items }: one structured finding in the result's "findings";
 * the lists are lists of strings and are kept whole. A finding without a
 * severity takes the scenario's; a FAIL's severity becomes the worst of its
 * findings' when the run ends (res_scenario_fail_severity). */
static int l_finding(lua_State *L)
{
    scn_ctx *ctx = scn_check_ctx(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const strs[] = { "id", "severity", "profile", "rule", "observed", "expected", NULL };
    static const char *const lists[] = { "controls", "cve", "cwe", "items", NULL };
    static const char *const known[] = { "id", "severity", "profile", "rule", "observed", "expected",
                                         "controls", "cve", "cwe", "items", NULL };
    scr_check_known_fields(L, 2, "t:finding{}", known);
    json_t *o = json_object();
    if (!o)
        return luaL_error(L, "t:finding: out of memory");
    for (const char *const *k = strs; *k; k++) {
        lua_getfield(L, 2, *k);
        if (lua_isstring(L, -1) && strcmp(*k, "severity") == 0 && res_severity_rank(lua_tostring(L, -1)) < 0)
            return json_decref(o), luaL_error(L, "t:finding{}: severity must be critical, high, medium, low or "
                                              "info, not '%s'", lua_tostring(L, -1));
        if (lua_isstring(L, -1))
            json_object_set_new(o, *k, json_string(lua_tostring(L, -1)));
        else if (!lua_isnil(L, -1))
            return json_decref(o), luaL_error(L, "t:finding{}: %s must be a string", *k);
        else if (strcmp(*k, "id") == 0)
            return json_decref(o), luaL_error(L, "t:finding{}: id is required");
        else if (strcmp(*k, "severity") == 0)
            json_object_set_new(o, *k, json_string(ctx->res->severity));
        lua_pop(L, 1);
    }
    for (const char *const *k = lists; *k; k++) {
        json_t *a = json_array();
        lua_getfield(L, 2, *k);
        if (lua_istable(L, -1)) {
            lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, -1, i);
                if (!lua_isstring(L, -1))
                    return json_decref(a), json_decref(o),
                           luaL_error(L, "t:finding{}: %s must be a list of strings", *k);
                json_array_append_new(a, json_string(lua_tostring(L, -1)));
                lua_pop(L, 1);
            }
        } else if (!lua_isnil(L, -1)) {
            return json_decref(a), json_decref(o), luaL_error(L, "t:finding{}: %s must be a list", *k);
        }
        lua_pop(L, 1);
        json_object_set_new(o, *k, a);
    }
    if (res_scenario_add_finding(ctx->res, o) != 0)
        return luaL_error(L, "t:finding: out of memory");
    return 0;
}

/* t:control(id): adds a control id this run evidences (once). */
static int l_control(lua_State *L)
{
    scn_ctx *ctx = scn_check_ctx(L, 1);
    const char *id = luaL_checkstring(L, 2);
    res_scenario *r = ctx->res;
    for (int i = 0; i < r->n_controls; i++)
        if (strcmp(r->controls[i], id) == 0)
            return 0;
    if (r->n_controls >= RES_MAX_CONTROLS)
        return luaL_error(L, "t:control: more than %d controls", RES_MAX_CONTROLS);
    str_copy(r->controls[r->n_controls++], sizeof r->controls[0], id);
    return 0;
}

/* ---- connection methods ------------------------------------------------- */

/* c:renegotiate() -> "completed" | "refused" | "error", description */
static int l_renegotiate(lua_State *L)
{
    scn_conn *c = scn_check_conn(L, 1);
    char how[300];
    int rc = c->net == NET_OK
                 ? tls_conn_renegotiate(&c->conn, tm_mono_ns() + c->ctx->cfg->timeout_ns, how, sizeof how)
                 : (snprintf(how, sizeof how, "not connected"), -1);
    lua_pushstring(L, rc == 1 ? "completed" : rc == 0 ? "refused" : "error");
    lua_pushstring(L, how);
    return 2;
}

/* ---- t fields ----------------------------------------------------------- */

static int audit_ctx_index(lua_State *L, scn_ctx *ctx, const char *key)
{
    const scn_config *cfg = ctx->cfg;
    if (strcmp(key, "profile") == 0) {
        if (!cfg->profile_name) {
            lua_pushnil(L);
            return 1;
        }
        mp_err e;
        if (scn_profile_push(L, cfg, &e) != 0)
            return luaL_error(L, "profile: %s", e.msg);
        return 1;
    }
    if (strcmp(key, "profile_name") == 0) {
        if (cfg->profile_name)
            lua_pushstring(L, cfg->profile_name);
        else
            lua_pushnil(L);
        return 1;
    }
    if (strcmp(key, "pins") == 0) {
        lua_createtable(L, (int)cfg->n_pins, 0);
        for (size_t i = 0; i < cfg->n_pins; i++)
            append_str(L, cfg->pins[i]);
        return 1;
    }
    if (strcmp(key, "expiry_warn_days") == 0) {
        lua_pushnumber(L, (double)cfg->expiry_warn_s / 86400.0);
        return 1;
    }
    if (strcmp(key, "now") == 0) {
        lua_pushinteger(L, (lua_Integer)time(NULL));
        return 1;
    }
    return 0;
}

/* ---- connection fields -------------------------------------------------- */

static int has_ext(const tls_capture *cap, uint16_t type)
{
    for (int i = 0; i < cap->n_extensions; i++)
        if (cap->extensions[i] == type)
            return 1;
    return 0;
}

static void push_cert_request(lua_State *L, const scn_conn *c)
{
    const tls_capture *cap = &c->capture;
    if (!cap->cert_request_seen && !c->conn.out.cert_requested) {
        lua_pushnil(L);
        return;
    }
    lua_createtable(L, 0, 3);
    if (cap->n_sig_algs) {
        lua_createtable(L, cap->n_sig_algs, 0);
        for (int i = 0; i < cap->n_sig_algs; i++) {
            const char *n = tls_sigalg_name(cap->sig_algs[i]);
            char hex[8];
            snprintf(hex, sizeof hex, "0x%04x", cap->sig_algs[i]);
            append_str(L, n ? n : hex);
        }
        lua_setfield(L, -2, "sig_algs");
    }
    if (cap->ca_names_known) {
        lua_createtable(L, cap->n_ca_names, 0);
        for (int i = 0; i < cap->n_ca_names; i++)
            append_str(L, cap->ca_names[i]);
        lua_setfield(L, -2, "ca_names");
    }
}

static void push_ocsp(lua_State *L, const scn_conn *c)
{
    const tls_capture *cap = &c->capture;
    lua_createtable(L, 0, 4);
    scr_set_bool(L, "stapled", cap->ocsp_received);
    if (cap->ocsp_received) {
        scr_set_int(L, "length", (lua_Integer)cap->ocsp_len);
        scr_set_bool(L, "valid", cap->ocsp_error == 0);
        if (cap->ocsp_error) {
            char buf[TLS_ERROR_TEXT_MAX];
            tls_error_text(cap->ocsp_error, buf, sizeof buf);
            scr_set_str(L, "error", buf);
        }
    }
}

static int audit_conn_index(lua_State *L, scn_conn *c, const char *key)
{
    const tls_capture *cap = &c->capture;
    if (strcmp(key, "early_data") == 0) {
        /* { sent = bytes, status = "accepted" | "rejected" | "not sent" } */
        lua_createtable(L, 0, 2);
        scr_set_int(L, "sent", c->conn.out.early_data_sent);
        scr_set_str(L, "status", c->conn.out.early_data_status == 2 ? "accepted"
                             : c->conn.out.early_data_status == 1 ? "rejected" : "not sent");
    } else if (strcmp(key, "cipher_iana") == 0) {
        const char *iana = c->conn.out.cipher[0] ? tls_cipher_iana(c->conn.out.cipher) : NULL;
        if (iana)
            lua_pushstring(L, iana);
        else
            lua_pushnil(L);
    } else if (strcmp(key, "server_hello") == 0) {
        if (!cap->server_hello_seen) {
            lua_pushnil(L);
            return 1;
        }
        lua_createtable(L, 0, 6);
        scr_set_int(L, "compression", cap->compression);
        const char *openssl = NULL, *iana = tls_suite_iana_name(cap->suite, &openssl);
        if (iana)
            scr_set_str(L, "suite", iana);
        scr_set_bool(L, "renegotiation_info", has_ext(cap, 0xff01));
        scr_set_bool(L, "session_ticket", has_ext(cap, 0x0023));
        scr_set_bool(L, "status_request", has_ext(cap, 0x0005));
        lua_createtable(L, cap->n_extensions, 0);
        for (int i = 0; i < cap->n_extensions; i++) {
            lua_pushinteger(L, cap->extensions[i]);
            lua_rawseti(L, -2, i + 1);
        }
        lua_setfield(L, -2, "extensions");
    } else if (strcmp(key, "cert_request") == 0) {
        push_cert_request(L, c);
    } else if (strcmp(key, "ocsp") == 0) {
        push_ocsp(L, c);
    } else if (strcmp(key, "secure_renegotiation") == 0) {
        lua_pushboolean(L, tls_secure_renegotiation(&c->conn));
    } else if (strcmp(key, "ticket") == 0) {
        /* TLS 1.2: a NewSessionTicket arrived; TLS 1.3 tickets come after
         * the handshake, so make a request first. */
        lua_pushboolean(L, cap->ticket_received || tls_conn_session_has_ticket(&c->conn));
    } else if (strcmp(key, "max_early_data") == 0) {
        lua_pushinteger(L, (lua_Integer)tls_conn_session_max_early_data(&c->conn));
    } else {
        return 0;
    }
    return 1;
}

/* ---- certificate fields ------------------------------------------------- */

/* The hash in a signature algorithm's name ("sha256WithRSAEncryption",
 * "ecdsa-with-SHA384", "RSA-PSS"...), lower case; "" when none shows. */
static void sig_hash(const char *alg, char *out, size_t n)
{
    static const char *const hashes[] = { "sha512", "sha384", "sha256", "sha224", "sha1",
                                          "md5", "md2", NULL };
    char lower[128];
    size_t i;
    for (i = 0; alg[i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)tolower((unsigned char)alg[i]);
    lower[i] = '\0';
    out[0] = '\0';
    for (const char *const *h = hashes; *h; h++) {
        if (strstr(lower, *h)) {
            str_copy(out, n, *h);
            return;
        }
    }
}

static const luaL_Reg audit_t_methods[] = {
    { "cipher_suites", l_cipher_suites }, { "hello_suites", l_hello_suites },
    { "hello", scn_l_hello }, { "sslv2", scn_l_sslv2 }, { "verify_chain", l_verify_chain }, { "detail", l_detail },
    { "finding", l_finding }, { "control", l_control }, { "insecure_renegotiation", scn_l_insecure_renegotiation },
    { "secure_renegotiation", scn_l_secure_renegotiation }, { "ticketbleed", scn_l_ticketbleed },
    { "robot", scn_l_robot }, { NULL, NULL },
};
static const luaL_Reg audit_conn_methods[] = { { "renegotiate", l_renegotiate }, { NULL, NULL } };

const scn_extension scn_audit_extension = { audit_t_methods, audit_conn_methods, audit_ctx_index,
                                            audit_conn_index };

static void push_revocation_uri(const char *kind, const char *uri, void *arg)
{
    lua_State *L = arg;
    lua_getfield(L, -1, kind);
    append_str(L, uri);
    lua_pop(L, 1);
}

void scn_audit_cert_fields(lua_State *L, const uint8_t *der, size_t len)
{
    int64_t nb, na;
    if (pki_inspect_validity(der, len, &nb, &na) == 0) {
        scr_set_int(L, "not_before_unix", nb);
        scr_set_int(L, "not_after_unix", na);
    }
    pki_cert_info info;
    int inspected = pki_inspect(der, len, &info) == 0;
    if (inspected) {
        scr_set_bool(L, "is_ca", info.is_ca);
        scr_set_bool(L, "self_issued", info.self_issued);
        lua_newtable(L);
        if (info.eku_server_auth)
            append_str(L, "serverAuth");
        if (info.eku_client_auth)
            append_str(L, "clientAuth");
        if (info.eku_any)
            append_str(L, "anyExtendedKeyUsage");
        lua_setfield(L, -2, "eku");
        scr_set_bool(L, "has_eku", info.has_eku);
    }
    int must_staple = 0, scts = 0;
    lua_newtable(L); /* revocation = { crl = {...}, ocsp = {...}, ca_issuers = {...}, must_staple, scts } */
    lua_newtable(L);
    lua_setfield(L, -2, "crl");
    lua_newtable(L);
    lua_setfield(L, -2, "ocsp");
    lua_newtable(L);
    lua_setfield(L, -2, "ca_issuers");
    if (pki_inspect_revocation(der, len, push_revocation_uri, L, &must_staple, &scts) == 0) {
        scr_set_bool(L, "must_staple", must_staple);
        scr_set_bool(L, "scts", scts);
    }
    lua_setfield(L, -2, "revocation");
    /* wolfSSL gives no EVP key for Ed25519: the SPKI's OID says it. */
    if (inspected && info.key_alg && strcmp(info.key_alg, "ed25519") == 0) {
        scr_set_str(L, "key_type", "Ed25519");
        scr_set_int(L, "key_bits", 256);
    }
    pki_cert_summary sum;
    if (pki_cert_summarize(der, len, &sum) != 0)
        return;
    if (sum.key_type) {
        scr_set_str(L, "key_type", sum.key_type);
        scr_set_int(L, "key_bits", sum.key_bits);
    }
    const char *alg = sum.sig_alg;
    if (alg) {
        char h[16];
        scr_set_str(L, "sig_alg", alg);
        sig_hash(alg, h, sizeof h);
        /* wolfSSL names ECDSA with SHA-1 "shaWithECDSA": the OID decides. */
        if (inspected && (info.sig_sha1 || info.sig_md5))
            str_copy(h, sizeof h, info.sig_sha1 ? "sha1" : "md5");
        scr_set_str(L, "sig_hash", h);
    }
}
