/* The audit's hand-built probes in the `t` API (docs/scenarios.md, "Audit
 * API"): t:hello (SSL 3.0 to TLS 1.3 ClientHellos, the first flight, the
 * Heartbleed and CCS injection records, TLS 1.3 groups), t:sslv2,
 * t:insecure_renegotiation and t:secure_renegotiation, t:ticketbleed and
 * t:robot. Each opens its own connection to the target
 * and closes it with a reset before returning: a probe never holds a
 * connection while another is made. What the server answered is returned
 * as data; the audit scenarios judge it. */
#define _DEFAULT_SOURCE
#include "scenario/conn.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/script.h"
#include "tls/hello.h"
#include "tls/reneg.h"
#include "tls/robot.h"
#include "util/timeutil.h"


static void push_hello(lua_State *L, const tls_hello_result *rp);

static const struct { const char *name; uint16_t id; } hello_groups[] = {
    { "P-256", 0x0017 }, { "P-384", 0x0018 }, { "P-521", 0x0019 }, { "X25519", 0x001d }, { "X448", 0x001e },
    { "ffdhe2048", 0x0100 }, { "ffdhe3072", 0x0101 }, { "ffdhe4096", 0x0102 }, { "ffdhe6144", 0x0103 },
    { "ffdhe8192", 0x0104 },
};

static const char *group_name(int id)
{
    for (size_t i = 0; i < sizeof hello_groups / sizeof hello_groups[0]; i++)
        if (hello_groups[i].id == id)
            return hello_groups[i].name;
    return NULL;
}

/* The groups = { "ffdhe2048", ... } of t:hello{}, into ids; the number. */
static int hello_group_ids(lua_State *L, uint16_t *ids, int max)
{
    if (!scr_field_table(L, 2, "t:hello{}", "groups"))
        return 0;
    int n = (int)lua_rawlen(L, -1);
    if (n > max)
        return luaL_error(L, "t:hello{}: at most %d groups", max);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        const char *name = luaL_checkstring(L, -1);
        size_t k = 0;
        while (k < sizeof hello_groups / sizeof hello_groups[0] && strcmp(hello_groups[k].name, name) != 0)
            k++;
        if (k == sizeof hello_groups / sizeof hello_groups[0])
            return luaL_error(L, "t:hello{}: unknown group '%s'", name);
        ids[i - 1] = hello_groups[k].id;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return n;
}

/* A TCP connection to the target for one probe, or -1 with why in e. */
static int probe_connect(const scn_config *cfg, int64_t deadline, int *fd, mp_err *e)
{
    net_addr addr;
    if (net_resolve(cfg->connect_host, cfg->connect_port, &addr, e) != 0 ||
        net_connect(&addr, deadline, fd, e) != NET_OK)
        return -1;
    return 0;
}

/* t:hello{ tls, suites, fallback_scsv, deflate, sni, flight, heartbeat,
 * after, groups } -> what the server answered a hand-built ClientHello;
 * with flight = true also its certificates (certs, leaf first), dh_bits
 * and ecdh_group; with after = "heartbeat" | "ccs" the answer to that
 * record (after = { result, type, length, alert }); with tls = "1.3" the
 * HelloRetryRequest's group (hrr, group). */
int scn_l_hello(lua_State *L)
{
    scn_ctx *ctx = scn_check_ctx(L, 1);
    const scn_config *cfg = ctx->cfg;
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const known[] = { "tls", "suites", "fallback_scsv", "deflate", "sni", "flight",
                                         "heartbeat", "after", "groups", NULL };
    scr_check_known_fields(L, 2, "t:hello{}", known);
    tls_hello_opts o = { .version = TLS_V1_2 };
    const char *v = scr_field_string(L, 2, "t:hello{}", "tls", "1.2");
    if (strcmp(v, "ssl3") == 0) {
        o.ssl3 = 1;
        o.version = TLS_V1_0;
    } else if (tls_version_parse(v, &o.version) != 0 || o.version == TLS_ANY) {
        return luaL_error(L, "t:hello{}: tls must be \"ssl3\", \"1.0\", \"1.1\", \"1.2\" or \"1.3\"");
    }
    o.heartbeat = scr_field_bool(L, 2, "t:hello{}", "heartbeat", 0);
    const char *after = scr_field_string(L, 2, "t:hello{}", "after", "");
    if (strcmp(after, "heartbeat") == 0)
        o.after = TLS_HELLO_AFTER_HEARTBEAT;
    else if (strcmp(after, "ccs") == 0)
        o.after = TLS_HELLO_AFTER_CCS;
    else if (*after)
        return luaL_error(L, "t:hello{}: after must be \"heartbeat\" or \"ccs\"");
    uint16_t groups[64];
    o.n_groups = (size_t)hello_group_ids(L, groups, 64);
    o.groups = groups;
    o.read_flight = scr_field_bool(L, 2, "t:hello{}", "flight", 0);
    o.fallback_scsv = scr_field_bool(L, 2, "t:hello{}", "fallback_scsv", 0);
    o.offer_deflate = scr_field_bool(L, 2, "t:hello{}", "deflate", 0);
    o.sni = scr_field_string(L, 2, "t:hello{}", "sni", cfg->sni[0] ? cfg->sni : NULL);
    uint16_t suites[TLS_HELLO_MAX_SUITES];
    int n = 0;
    if (!scr_field_table(L, 2, "t:hello{}", "suites")) {
        if (o.version != TLS_V1_3)
            return luaL_error(L, "t:hello{}: suites = { \"NAME\" or id, ... } is required");
        lua_newtable(L); /* TLS 1.3: its five suites */
    }
    n = (int)lua_rawlen(L, -1);
    if ((n < 1 && o.version != TLS_V1_3) || n > TLS_HELLO_MAX_SUITES)
        return luaL_error(L, "t:hello{}: offer 1 to %d suites", TLS_HELLO_MAX_SUITES);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        if (lua_type(L, -1) == LUA_TNUMBER) {
            suites[i - 1] = (uint16_t)lua_tointeger(L, -1);
        } else if (tls_suite_id(luaL_checkstring(L, -1), &suites[i - 1]) != 0) {
            return luaL_error(L, "t:hello{}: unknown cipher suite '%s'", lua_tostring(L, -1));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    o.suites = suites;
    o.n_suites = (size_t)n;

    lua_newtable(L);
    mp_err e;
    int fd;
    int64_t deadline = tm_mono_ns() + cfg->timeout_ns;
    if (probe_connect(cfg, deadline, &fd, &e) != 0) {
        scr_set_str(L, "result", "unreachable");
        scr_set_str(L, "error", e.msg);
        return 1;
    }
    /* Lua's own memory: push_hello may raise (out of memory), and the
     * collector then frees it, where a malloc'd copy would leak. */
    tls_hello_result *rp = lua_newuserdatauv(L, sizeof *rp, 0);
    int rc = tls_hello_probe(fd, &o, deadline, rp, &e);
    net_close_rst(fd);
    if (rc != 0)
        return luaL_error(L, "t:hello{}: %s", e.msg);
    lua_insert(L, -2); /* the result table on top, the userdata below it */
    push_hello(L, rp);
    return 1;
}

static void push_hello(lua_State *L, const tls_hello_result *r)
{
    static const char *const kinds[] = { "server_hello", "alert", "closed", "timeout", "garbage" };
    scr_set_str(L, "result", kinds[r->kind]);
    if (r->kind == TLS_HELLO_SERVER_HELLO) {
        const char *openssl = NULL, *iana = tls_suite_iana_name(r->suite, &openssl);
        char hex[8];
        snprintf(hex, sizeof hex, "0x%04X", r->suite);
        scr_set_str(L, "suite", iana ? iana : hex);
        scr_set_str(L, "suite_name", openssl ? openssl : hex);
        scr_set_int(L, "suite_id", r->suite);
        const char *version = tls_wire_version_name(r->version);
        scr_set_str(L, "version", version ? version : "other");
        scr_set_bool(L, "hrr", r->hrr);
        if (r->selected_group >= 0) {
            const char *g = group_name(r->selected_group);
            char hexg[16];
            snprintf(hexg, sizeof hexg, "0x%04X", (unsigned)r->selected_group & 0xffffu);
            scr_set_str(L, "group", g ? g : hexg);
        }
        if (r->after_sent) {
            static const char *const akinds[] = { "answered", "alert", "closed", "timeout", "other" };
            lua_createtable(L, 0, 4);
            scr_set_str(L, "result", akinds[r->after_kind]);
            scr_set_int(L, "type", r->after_type);
            scr_set_int(L, "length", (lua_Integer)r->after_len);
            if (r->after_alert >= 0) {
                scr_set_str(L, "alert", tls_alert_name(r->after_alert));
                scr_set_int(L, "alert_code", r->after_alert);
            }
            lua_setfield(L, -2, "after");
        }
        if (r->dh_bits)
            scr_set_int(L, "dh_bits", r->dh_bits);
        if (r->ecdh_group >= 0)
            scr_set_int(L, "ecdh_group", r->ecdh_group);
        scr_set_bool(L, "flight_complete", r->flight_complete);
        lua_createtable(L, r->n_certs, 0);
        for (int i = 0; i < r->n_certs; i++)
            if (scn_push_cert(L, r->certs + r->cert_off[i], r->cert_len[i]) == 0)
                lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_setfield(L, -2, "certs");
        scr_set_int(L, "compression", r->compression);
        lua_createtable(L, r->n_extensions, 0);
        for (int i = 0; i < r->n_extensions; i++) {
            lua_pushinteger(L, r->extensions[i]);
            lua_rawseti(L, -2, i + 1);
        }
        lua_setfield(L, -2, "extensions");
    } else if (r->kind == TLS_HELLO_ALERT) {
        lua_createtable(L, 0, 2);
        scr_set_str(L, "name", tls_alert_name(r->alert_code));
        scr_set_int(L, "code", r->alert_code);
        lua_setfield(L, -2, "alert");
    }
}

/* t:sslv2() -> { result = "server_hello" | "alert" | "closed" | ..., ciphers = N } */
int scn_l_sslv2(lua_State *L)
{
    scn_ctx *ctx = scn_check_ctx(L, 1);
    const scn_config *cfg = ctx->cfg;
    lua_newtable(L);
    mp_err e;
    int fd;
    int64_t deadline = tm_mono_ns() + cfg->timeout_ns;
    if (probe_connect(cfg, deadline, &fd, &e) != 0) {
        scr_set_str(L, "result", "unreachable");
        scr_set_str(L, "error", e.msg);
        return 1;
    }
    int accepted = 0, n = 0;
    tls_hello_kind kind = TLS_HELLO_CLOSED;
    int rc = tls_sslv2_probe(fd, deadline, &accepted, &n, &kind, &e);
    net_close_rst(fd);
    if (rc != 0) {
        scr_set_str(L, "result", "closed");
        scr_set_str(L, "error", e.msg);
        return 1;
    }
    static const char *const kinds[] = { "server_hello", "alert", "closed", "timeout", "garbage" };
    scr_set_str(L, "result", kinds[kind]);
    if (accepted)
        scr_set_int(L, "ciphers", n);
    return 1;
}

/* Opens a connection to the target; 0, or pushes nothing and fills e. */
static int renegotiation(lua_State *L, int rfc5746, const char *fn)
{
    scn_ctx *ctx = scn_check_ctx(L, 1);
    const scn_config *cfg = ctx->cfg;
    lua_newtable(L);
    mp_err e;
    int fd;
    int64_t deadline = tm_mono_ns() + cfg->timeout_ns;
    if (probe_connect(cfg, deadline, &fd, &e) != 0) {
        scr_set_str(L, "result", "unreachable");
        scr_set_str(L, "why", e.msg);
        return 1;
    }
    tls_reneg_result r;
    int rc = tls_reneg_probe(fd, cfg->sni[0] ? cfg->sni : NULL, rfc5746, deadline, &r, &e);
    net_close_rst(fd);
    if (rc != 0)
        return luaL_error(L, "%s: %s", fn, e.msg);
    static const char *const kinds[] = { "completed", "refused", "timeout", "not tried" };
    scr_set_str(L, "result", kinds[r.kind]);
    scr_set_str(L, "why", r.why);
    scr_set_bool(L, "server_ri", r.server_ri);
    if (r.alert_code >= 0) {
        scr_set_str(L, "alert", tls_alert_name(r.alert_code));
        scr_set_int(L, "alert_code", r.alert_code);
    }
    return 1;
}

/* t:insecure_renegotiation() -> { result = "completed" | "refused" |
 * "timeout" | "not tried" | "unreachable", alert, server_ri, why }: a
 * client without RFC 5746 renegotiates (tls/reneg.h). */
int scn_l_insecure_renegotiation(lua_State *L)
{
    return renegotiation(L, 0, "t:insecure_renegotiation");
}

/* t:secure_renegotiation() -> the same table: a client with RFC 5746
 * sends a second ClientHello; "completed" means the server answered it
 * with a handshake record (the second handshake is not finished). */
int scn_l_secure_renegotiation(lua_State *L)
{
    return renegotiation(L, 1, "t:secure_renegotiation");
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

/* t:ticketbleed() -> { result = "probed" | "no ticket" | "unreachable",
 * why, ticket_length, sent (hex of the 1-byte session id), resumed,
 * echoed (hex of the ServerHello's session id), echoed_length }: a TLS 1.2
 * session ticket is fetched by a full handshake (tls/reneg.h), then offered
 * on a new connection with a 1-byte session id; a server with the
 * Ticketbleed bug (CVE-2016-9244) echoes 32 bytes, the 31 after ours
 * being its memory. */
int scn_l_ticketbleed(lua_State *L)
{
    scn_ctx *ctx = scn_check_ctx(L, 1);
    const scn_config *cfg = ctx->cfg;
    lua_newtable(L);
    mp_err e;
    int fd;
    int64_t deadline = tm_mono_ns() + cfg->timeout_ns;
    const char *sni = cfg->sni[0] ? cfg->sni : NULL;
    if (probe_connect(cfg, deadline, &fd, &e) != 0) {
        scr_set_str(L, "result", "unreachable");
        scr_set_str(L, "why", e.msg);
        return 1;
    }
    uint8_t ticket[2048];
    size_t tl = 0;
    char why[200] = "";
    int rc = tls_ticket_fetch(fd, sni, deadline, ticket, sizeof ticket, &tl, why, sizeof why, &e);
    net_close_rst(fd);
    if (rc != 0)
        return luaL_error(L, "t:ticketbleed: %s", e.msg);
    scr_set_str(L, "why", why);
    scr_set_int(L, "ticket_length", (lua_Integer)tl);
    if (tl == 0) {
        scr_set_str(L, "result", "no ticket");
        return 1;
    }
    deadline = tm_mono_ns() + cfg->timeout_ns;
    if (probe_connect(cfg, deadline, &fd, &e) != 0) {
        scr_set_str(L, "result", "unreachable");
        scr_set_str(L, "why", e.msg);
        return 1;
    }
    static const uint16_t suites[] = { 0xc02b, 0xc02f };
    static const uint8_t sid[1] = { 0x5a };
    tls_hello_opts o = { .version = TLS_V1_2, .read_flight = 1, .suites = suites, .n_suites = 2, .sni = sni,
                         .ticket = ticket, .ticket_len = tl, .session_id = sid, .session_id_len = sizeof sid };
    tls_hello_result *r = malloc(sizeof *r);
    if (!r) {
        net_close_rst(fd);
        return luaL_error(L, "t:ticketbleed: out of memory");
    }
    rc = tls_hello_probe(fd, &o, deadline, r, &e);
    net_close_rst(fd);
    if (rc != 0) {
        free(r);
        return luaL_error(L, "t:ticketbleed: %s", e.msg);
    }
    static const char *const kinds[] = { "server_hello", "alert", "closed", "timeout", "garbage" };
    char buf[2 * 32 + 1];
    scr_set_str(L, "result", "probed");
    scr_set_str(L, "hello", kinds[r->kind]);
    hex(sid, sizeof sid, buf);
    scr_set_str(L, "sent", buf);
    scr_set_bool(L, "resumed", r->resumed);
    if (r->kind == TLS_HELLO_SERVER_HELLO) {
        hex(r->session_id, (size_t)r->session_id_len, buf);
        scr_set_str(L, "echoed", buf);
        scr_set_int(L, "echoed_length", r->session_id_len);
    }
    free(r);
    return 1;
}

/* t:robot{ tls } -> { result = "probed" | "no rsa" | "unreachable", why,
 * suite, bits, answers = { { variant, answer, alert, closed }, ... },
 * distinct (how many different answers) }: the first step of a ROBOT test
 * (tls/robot.h), five connections offering the catalogue's RSA key
 * exchange suites. */
int scn_l_robot(lua_State *L)
{
    scn_ctx *ctx = scn_check_ctx(L, 1);
    const scn_config *cfg = ctx->cfg;
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const known[] = { "tls", NULL };
    scr_check_known_fields(L, 2, "t:robot{}", known);
    const char *v = scr_field_string(L, 2, "t:robot{}", "tls", "1.2");
    tls_hello_opts o = { .version = strcmp(v, "1.0") == 0 ? TLS_V1_0 : strcmp(v, "1.1") == 0 ? TLS_V1_1 : TLS_V1_2,
                         .sni = cfg->sni[0] ? cfg->sni : NULL };
    uint16_t suites[64];
    size_t n = 0, all;
    const tls_suite_name *cat = tls_legacy_suites(&all);
    for (size_t i = 0; i < all && n < sizeof suites / sizeof suites[0]; i++)
        if (strncmp(cat[i].iana, "TLS_RSA_WITH_", 13) == 0 && !strstr(cat[i].iana, "_NULL_"))
            suites[n++] = cat[i].id;
    o.suites = suites;
    o.n_suites = n;
    lua_newtable(L);
    lua_newtable(L); /* answers */
    static const char *const kinds[] = { "server_hello", "alert", "closed", "timeout", "garbage" };
    char seen[TLS_ROBOT_VARIANTS][96];
    int distinct = 0;
    tls_robot_result r = { 0 };
    for (int k = 0; k < TLS_ROBOT_VARIANTS; k++) {
        mp_err e;
        int fd;
        int64_t deadline = tm_mono_ns() + cfg->timeout_ns;
        if (probe_connect(cfg, deadline, &fd, &e) != 0) {
            lua_pop(L, 1);
            scr_set_str(L, "result", "unreachable");
            scr_set_str(L, "why", e.msg);
            return 1;
        }
        int rc = tls_robot_probe(fd, &o, (tls_robot_variant)k, deadline, &r, &e);
        net_close_rst(fd);
        if (rc != 0)
            return luaL_error(L, "t:robot{}: %s", e.msg);
        if (r.hello != TLS_HELLO_SERVER_HELLO || !r.modulus_bits || !r.sent) {
            lua_pop(L, 1);
            scr_set_str(L, "result", "no rsa");
            char why[160];
            if (r.hello == TLS_HELLO_ALERT)
                snprintf(why, sizeof why, "the RSA key exchange offer was refused with alert %s",
                         tls_alert_name(r.hello_alert));
            else if (r.hello != TLS_HELLO_SERVER_HELLO)
                snprintf(why, sizeof why, "the RSA key exchange offer got %s", kinds[r.hello]);
            else if (!r.modulus_bits)
                snprintf(why, sizeof why, "the server's certificate has no RSA key");
            else
                snprintf(why, sizeof why, "the ClientKeyExchange could not be sent");
            scr_set_str(L, "why", why);
            return 1;
        }
        char answer[96];
        if (r.answer == TLS_HELLO_ALERT)
            snprintf(answer, sizeof answer, "alert %s (%d)%s", tls_alert_name(r.alert), r.alert,
                     r.closed_after ? ", then closed" : ", connection left open");
        else
            snprintf(answer, sizeof answer, "%s", r.answer == TLS_HELLO_GARBAGE ? "a record that is no alert"
                                                  : kinds[r.answer]);
        int j = 0;
        while (j < distinct && strcmp(seen[j], answer) != 0)
            j++;
        if (j == distinct)
            snprintf(seen[distinct++], sizeof seen[0], "%s", answer);
        lua_newtable(L);
        scr_set_str(L, "variant", tls_robot_variant_name((tls_robot_variant)k));
        scr_set_str(L, "answer", answer);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "answers");
    const char *openssl = NULL, *iana = tls_suite_iana_name(r.suite, &openssl);
    scr_set_str(L, "result", "probed");
    scr_set_str(L, "suite", iana ? iana : "?");
    scr_set_int(L, "bits", r.modulus_bits);
    scr_set_int(L, "distinct", distinct);
    return 1;
}
