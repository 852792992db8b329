/* Fixture spec loader. Each ca{}/server{}/client{} call is parsed and checked
 * on the spot, inside the Lua call, so luaL_error can name the spec line; the
 * definition is appended to the spec before its fields are filled, so a Lua
 * error (a longjmp) can never leak what was already allocated. */
#include "pki/spec.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pki/spec_int.h"
#include "script/script.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define SPEC_MAX_BYTES (256u << 20)
#define SPEC_MAX_INSTRUCTIONS 100000000UL

static const char *const role_names[] = { "ca", "server", "client" };

const char *pki_role_name(pki_role r)
{
    return role_names[r];
}


char *pki_spec_xstrdup(lua_State *L, const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        luaL_error(L, "out of memory");
    return d;
}

static void strlist_free(pki_strlist *l);

static void def_free(pki_fixture_def *d)
{
    char *strs[] = { d->name, d->where, d->subject, d->key_usage, d->eku,
                     d->ocsp_url, d->crl_url, d->defect, d->description,
                     d->expect, d->severity, d->verify_error, d->import_cert,
                     d->import_key, d->import_pass };
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
        free(strs[k]);
    strlist_free(&d->sans);
    strlist_free(&d->nc_permitted);
    strlist_free(&d->nc_excluded);
    for (size_t k = 0; k < d->n_exts; k++) {
        free(d->exts[k].oid);
        free(d->exts[k].der);
    }
    memset(d, 0, sizeof *d);
}

static void strlist_free(pki_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void strlist_add(lua_State *L, pki_strlist *l, const char *s)
{
    char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
    if (!nv)
        luaL_error(L, "out of memory");
    l->v = nv;
    l->v[l->n] = pki_spec_xstrdup(L, s);
    l->n++;
}

/* Reads an array of strings at the top of the stack into l, and pops it.
 * Every element is checked before anything is allocated, so a Lua error
 * cannot strand a half-built list. */
static void read_strlist(lua_State *L, const char *what, const char *field,
                         pki_strlist *l)
{
    int n = (int)lua_rawlen(L, -1);
    for (int i = 1; i <= n; i++) {
        if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
            luaL_error(L, "%s: %s[%d] must be a string", what, field, i);
        lua_pop(L, 1);
    }
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        strlist_add(L, l, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* A list field that may also be `false` (meaning: omit the extension).
 * Returns the comma-joined list, NULL for false, or def when absent. */
static char *read_usage(lua_State *L, const char *what, const char *field,
                        const char *def)
{
    int t = scr_rawfield(L, 1, field);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return pki_spec_xstrdup(L, def);
    }
    if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    if (t != LUA_TTABLE)
        luaL_error(L, "%s: field '%s' must be a list of names or false", what, field);
    pki_strlist l = { 0 };
    read_strlist(L, what, field, &l);
    size_t total = 1;
    for (size_t i = 0; i < l.n; i++)
        total += strlen(l.v[i]) + 1;
    char *s = malloc(total);
    if (!s) {
        strlist_free(&l);
        luaL_error(L, "out of memory");
    }
    s[0] = '\0';
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, l.v[i]);
    }
    strlist_free(&l);
    return s;
}

static int64_t read_time(lua_State *L, int idx, const char *what, const char *field,
                         int64_t now, const char *def)
{
    int t = scr_rawfield(L, idx, field);
    int64_t v;
    if (t == LUA_TNUMBER && lua_isinteger(L, -1)) {
        v = lua_tointeger(L, -1);
        if (!tm_in_range(v))
            luaL_error(L, "%s: field '%s': time %I is outside 1950..9999", what, field,
                       (lua_Integer)v);
    } else if (t == LUA_TSTRING || t == LUA_TNIL) {
        const char *s = t == LUA_TNIL ? def : lua_tostring(L, -1);
        mp_err e;
        if (tm_parse_relative(s, now, &v, &e) != 0)
            luaL_error(L, "%s: field '%s': %s", what, field, e.msg);
    } else {
        luaL_error(L, "%s: field '%s' must be a time such as \"-1h\", \"+90d\" or "
                      "\"2026-01-01T00:00:00Z\"", what, field);
        v = 0;
    }
    lua_pop(L, 1);
    return v;
}

static int valid_name(const char *n)
{
    if (!*n || strlen(n) > 128 || *n == '/' || strstr(n, "..") || strstr(n, "//") || n[strlen(n) - 1] == '/')
        return 0;
    for (const char *p = n; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-/", *p))
            return 0;
    return 1;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void read_extensions(lua_State *L, const char *what, pki_fixture_def *d)
{
    static const char *const known[] = { "oid", "critical", "hex", "der", NULL };
    int n = (int)lua_rawlen(L, -1);
    for (int i = 1; i <= n; i++) {
        if (lua_rawgeti(L, -1, i) != LUA_TTABLE)
            luaL_error(L, "%s: extensions[%d] must be a table {oid=..., hex=...}", what, i);
        if (d->n_exts >= PKI_MAX_EXTS - 3) /* room for CDP, AIA, name constraints */
            luaL_error(L, "%s: at most %d extensions", what, PKI_MAX_EXTS - 3);
        scr_check_known_fields(L, -1, "extensions entry", known);
        pki_spec_ext *x = &d->exts[d->n_exts];
        const char *oid = scr_field_string(L, -1, what, "oid", NULL);
        if (!oid)
            luaL_error(L, "%s: extensions[%d] needs an oid", what, i);
        der_buf check;
        der_init(&check);
        der_oid(&check, oid);
        int bad = check.failed;
        der_free(&check);
        if (bad)
            luaL_error(L, "%s: extensions[%d]: '%s' is not a dotted OID", what, i, oid);
        x->oid = pki_spec_xstrdup(L, oid);
        x->critical = scr_field_bool(L, -1, what, "critical", 0);
        d->n_exts++;
        size_t len = 0;
        const char *hex = scr_field_string(L, -1, what, "hex", NULL);
        scr_rawfield(L, -1, "der");
        const char *raw = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        if ((hex == NULL) == (raw == NULL))
            luaL_error(L, "%s: extensions[%d] needs exactly one of hex or der", what, i);
        if (raw && len == 0)
            luaL_error(L, "%s: extensions[%d]: der must not be empty", what, i);
        if ((hex ? strlen(hex) / 2 : len) > PKI_SPEC_MAX_EXT_BYTES)
            luaL_error(L, "%s: extensions[%d] is %I bytes; an extension has at most %d", what, i,
                       (lua_Integer)(hex ? strlen(hex) / 2 : len), PKI_SPEC_MAX_EXT_BYTES);
        if (hex) {
            size_t hl = strlen(hex);
            if (hl == 0 || hl % 2)
                luaL_error(L, "%s: extensions[%d]: hex must have an even number of digits", what, i);
            x->der = malloc(hl / 2);
            if (!x->der)
                luaL_error(L, "out of memory");
            for (size_t k = 0; k < hl / 2; k++) {
                int hi = hexval(hex[2 * k]), lo = hexval(hex[2 * k + 1]);
                if (hi < 0 || lo < 0)
                    luaL_error(L, "%s: extensions[%d]: '%s' is not hex", what, i, hex);
                x->der[k] = (uint8_t)(hi * 16 + lo);
            }
            x->len = hl / 2;
        } else {
            x->der = malloc(len ? len : 1);
            if (!x->der)
                luaL_error(L, "out of memory");
            memcpy(x->der, raw, len);
            x->len = len;
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
}

static const char *const known_fields[] = {
    "name", "issuer", "subject", "sans", "key", "key_mismatch", "not_before",
    "not_after", "ca", "pathlen", "key_usage", "eku", "hash", "name_constraints",
    "extensions", "ocsp_url", "crl_url", "revoked", "revoked_at", "chain",
    "trusted", "crl", "defect", "description", "expect", "severity",
    "verify_error", "import", NULL
};


static int define(lua_State *L, pki_role role)
{
    load_ctx *ctx = lua_touserdata(L, lua_upvalueindex(1));
    pki_spec *s = ctx->spec;
    const pki_spec_opts *o = ctx->opts;
    char what[192];
    snprintf(what, sizeof what, "%s{}", role_names[role]);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);

    const char *name = scr_field_string(L, 1, what, "name", NULL);
    if (!name)
        return luaL_error(L, "%s: field 'name' is required (for example \"%s/alice\")",
                          what, role_names[role]);
    if (!valid_name(name))
    {
        char msg[400];
        snprintf(msg, sizeof msg, "%s: name '%.40s%s' must be 1 to 128 characters: letters, "
                 "digits, '.', '_', '-' and single '/' separators", what, name,
                 strlen(name) > 40 ? "..." : "");
        return luaL_error(L, "%s", msg);
    }
    if (pki_spec_find(s, name) >= 0)
        return luaL_error(L, "%s: fixture '%s' is defined twice", what, name);
    if (s->n >= PKI_SPEC_MAX_FIXTURES) /* each one is a key to generate: minutes, not a loop's worth */
        return luaL_error(L, "%s: more than %d fixtures; a spec defines at most %d", what,
                          PKI_SPEC_MAX_FIXTURES, PKI_SPEC_MAX_FIXTURES);
    snprintf(what, sizeof what, "%s{name=\"%s\"}", role_names[role], name);
    scr_check_known_fields(L, 1, what, known_fields);

    /* A definition is filled in a pending slot and counted only when
     * complete: a spec that catches our error with pcall() must not leave a
     * half-built fixture behind. */
    if (s->pending) {
        def_free(&s->defs[s->n]);
        s->pending = 0;
    }
    if (s->n + 1 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        pki_fixture_def *nd = realloc(s->defs, cap * sizeof *nd);
        if (!nd)
            return luaL_error(L, "out of memory");
        s->defs = nd;
        s->cap = cap;
    }
    pki_fixture_def *d = &s->defs[s->n];
    memset(d, 0, sizeof *d);
    s->pending = 1;
    d->issuer = -1;
    d->pathlen = -1;
    d->revoke_reason = -1;
    d->role = role;
    d->name = pki_spec_xstrdup(L, name);
    char where[300];
    scr_where(L, 1, where, sizeof where);
    d->where = pki_spec_xstrdup(L, where);

    int imported = 0;
    if (scr_field_table(L, 1, what, "import")) {
        if (role != PKI_ROLE_CA)
            return luaL_error(L, "%s: only a ca{} can be imported", what);
        pki_spec_read_import(L, what, d);
        imported = 1;
    }

    const char *issuer = scr_field_string(L, 1, what, "issuer", NULL);
    if (issuer) {
        int idx = pki_spec_find(s, issuer);
        if (idx < 0)
            return luaL_error(L, "%s: issuer '%s' is not defined above (define a CA "
                                 "before what it signs)", what, issuer);
        if (!s->defs[idx].is_ca)
            return luaL_error(L, "%s: issuer '%s' is not a CA (ca = false)", what, issuer);
        d->issuer = idx;
    }

    const char *id = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    const char *subject = scr_field_string(L, 1, what, "subject", NULL);
    char defsubj[256];
    if (!subject) {
        const char *cn = (role == PKI_ROLE_SERVER && o->n_hosts) ? o->hosts[0] : id;
        snprintf(defsubj, sizeof defsubj, "CN=%s,O=mtlsprobe fixtures,OU=%s", cn,
                 role_names[role]);
        subject = defsubj;
    }
    if (!imported)
        d->subject = pki_spec_xstrdup(L, subject);

    if (scr_field_table(L, 1, what, "sans")) {
        read_strlist(L, what, "sans", &d->sans);
    } else if (role == PKI_ROLE_SERVER) {
        for (size_t i = 0; i < o->n_hosts; i++)
            strlist_add(L, &d->sans, o->hosts[i]);
    }
    if (d->sans.n) { /* check each name now, for a located error */
        der_buf b;
        der_init(&b);
        mp_err e;
        int rc = pki_general_names(&b, (const char *const *)d->sans.v, d->sans.n, &e);
        der_free(&b);
        if (rc != 0)
            return luaL_error(L, "%s: sans: %s", what, e.msg);
    }

    const char *key = scr_field_string(L, 1, what, "key", NULL);
    d->key_type = o->key_type;
    if (key && pki_key_type_parse(key, &d->key_type) != 0)
        return luaL_error(L, "%s: unknown key type '%s' (known: %s)", what, key,
                          pki_key_type_list());
    d->key_mismatch = scr_field_bool(L, 1, what, "key_mismatch", 0);

    d->is_ca = scr_field_bool(L, 1, what, "ca", role == PKI_ROLE_CA);
    lua_Integer pathlen = scr_field_int(L, 1, what, "pathlen", -1);
    if (pathlen < -1 || pathlen > 255)
        return luaL_error(L, "%s: pathlen must be 0..255", what);
    if (pathlen >= 0 && !d->is_ca)
        return luaL_error(L, "%s: pathlen needs ca = true", what);
    if (!imported)
        d->pathlen = (int)pathlen;

    int64_t now = o->now;
    char after_def[32];
    int days = d->is_ca ? (ctx->cert_days > 3650 ? ctx->cert_days : 3650)
                        : (ctx->cert_days ? ctx->cert_days : 90);
    snprintf(after_def, sizeof after_def, "+%dd", days);
    if (!imported) {
        d->not_before = read_time(L, 1, what, "not_before", now, d->is_ca ? "-1d" : "-1h");
        d->not_after = read_time(L, 1, what, "not_after", now, after_def);
    }
    if (d->not_after <= d->not_before)
        return luaL_error(L, "%s: not_after must be later than not_before", what);

    const char *ku_default = d->is_ca ? "digitalSignature,keyCertSign,cRLSign"
                             : (role == PKI_ROLE_SERVER && pki_key_type_is_rsa(d->key_type))
                                 ? "digitalSignature,keyEncipherment"
                                 : "digitalSignature";
    d->key_usage = read_usage(L, what, "key_usage", ku_default);
    const char *eku_default = role == PKI_ROLE_SERVER ? "serverAuth"
                              : role == PKI_ROLE_CLIENT ? "clientAuth" : NULL;
    d->eku = read_usage(L, what, "eku", eku_default);

    const char *hash = scr_field_string(L, 1, what, "hash", "sha256");
    if (pki_hash_parse(hash, &d->hash) != 0)
        return luaL_error(L, "%s: unknown hash '%s' (sha256, sha384, sha512, sha1)", what, hash);

    if (scr_field_table(L, 1, what, "name_constraints")) {
        static const char *const nc_known[] = { "permitted", "excluded", NULL };
        scr_check_known_fields(L, -1, "name_constraints", nc_known);
        if (scr_field_table(L, -1, what, "permitted"))
            read_strlist(L, what, "name_constraints.permitted", &d->nc_permitted);
        if (scr_field_table(L, -1, what, "excluded"))
            read_strlist(L, what, "name_constraints.excluded", &d->nc_excluded);
        lua_pop(L, 1);
        der_buf b;
        der_init(&b);
        mp_err e;
        int rc = pki_name_constraints(&b, (const char *const *)d->nc_permitted.v,
                                      d->nc_permitted.n, (const char *const *)d->nc_excluded.v,
                                      d->nc_excluded.n, &e);
        der_free(&b);
        if (rc != 0)
            return luaL_error(L, "%s: name_constraints: %s", what, e.msg);
    }
    if (scr_field_table(L, 1, what, "extensions"))
        read_extensions(L, what, d);
    d->ocsp_url = pki_spec_xstrdup(L, scr_field_string(L, 1, what, "ocsp_url", NULL));
    d->crl_url = pki_spec_xstrdup(L, scr_field_string(L, 1, what, "crl_url", NULL));

    int t = scr_rawfield(L, 1, "revoked");
    if (t == LUA_TBOOLEAN) {
        d->revoked = lua_toboolean(L, -1);
        if (d->revoked)
            d->revoke_reason = 1; /* keyCompromise */
    } else if (t == LUA_TSTRING) {
        d->revoked = 1;
        d->revoke_reason = pki_crl_reason_parse(lua_tostring(L, -1));
        if (d->revoke_reason < 0)
            return luaL_error(L, "%s: unknown revocation reason '%s'", what, lua_tostring(L, -1));
    } else if (t != LUA_TNIL) {
        return luaL_error(L, "%s: revoked must be true, false or a reason name", what);
    }
    lua_pop(L, 1);
    if (d->revoked && d->issuer < 0)
        return luaL_error(L, "%s: a self-signed certificate cannot be revoked by a CRL", what);
    d->revoked_at = read_time(L, 1, what, "revoked_at", now, "-1h");

    const char *chain = scr_field_string(L, 1, what, "chain", "full");
    if (strcmp(chain, "leaf") == 0)
        d->chain_leaf_only = 1;
    else if (strcmp(chain, "full") != 0)
        return luaL_error(L, "%s: chain must be \"full\" or \"leaf\"", what);
    d->trusted = scr_field_bool(L, 1, what, "trusted", imported);
    if (d->trusted && !d->is_ca)
        return luaL_error(L, "%s: only a CA can be trusted", what);

    int crl_days = ctx->crl_days ? ctx->crl_days : 30;
    char crl_def[32];
    snprintf(crl_def, sizeof crl_def, "+%dd", crl_days);
    d->crl_this_update = now - 3600;
    d->crl_next_update = now + (int64_t)crl_days * 86400;
    if (scr_field_table(L, 1, what, "crl")) {
        static const char *const crl_known[] = { "this_update", "next_update", NULL };
        if (!d->is_ca)
            return luaL_error(L, "%s: only a CA has a crl", what);
        scr_check_known_fields(L, -1, "crl", crl_known);
        d->crl_this_update = read_time(L, -1, what, "this_update", now, "-1h");
        d->crl_next_update = read_time(L, -1, what, "next_update", now, crl_def);
        lua_pop(L, 1);
    }

    const char *defect = scr_field_string(L, 1, what, "defect", "none");
    d->defect = pki_spec_xstrdup(L, defect);
    int good = strcmp(defect, "none") == 0;
    d->description = pki_spec_xstrdup(L, scr_field_string(L, 1, what, "description",
        good ? "A correctly issued certificate." : "A deliberately defective certificate."));
    const char *expect = scr_field_string(L, 1, what, "expect", good ? "accept" : "reject");
    if (strcmp(expect, "accept") != 0 && strcmp(expect, "reject") != 0 && strcmp(expect, "observe") != 0)
        return luaL_error(L, "%s: expect must be \"accept\", \"reject\" or \"observe\"", what);
    d->expect = pki_spec_xstrdup(L, expect);
    const char *sev = scr_field_string(L, 1, what, "severity", good ? "info" : "high");
    static const char *const sevs[] = { "critical", "high", "medium", "low", "info", NULL };
    int sev_ok = 0;
    for (const char *const *p = sevs; *p; p++)
        sev_ok |= strcmp(*p, sev) == 0;
    if (!sev_ok)
        return luaL_error(L, "%s: severity must be critical, high, medium, low or info", what);
    d->severity = pki_spec_xstrdup(L, sev);
    d->verify_error = pki_spec_xstrdup(L, scr_field_string(L, 1, what, "verify_error", NULL));

    s->n++;
    s->pending = 0;
    lua_pushstring(L, d->name);
    return 1;
}


static int l_ca(lua_State *L) { return define(L, PKI_ROLE_CA); }
static int l_server(lua_State *L) { return define(L, PKI_ROLE_SERVER); }
static int l_client(lua_State *L) { return define(L, PKI_ROLE_CLIENT); }

static lua_State *prepare(pki_spec *s, const pki_spec_opts *o, load_ctx *ctx, const char *dir,
                          mp_err *e)
{
    memset(s, 0, sizeof *s);
    ctx->spec = s;
    ctx->opts = o;
    ctx->cert_days = o->cert_days;
    ctx->crl_days = o->crl_days;
    /* A spec only declares fixtures: far below these bounds, which turn an
     * endless loop or allocation into an error at the spec's file:line. */
    scr_bounds b = { .max_bytes = SPEC_MAX_BYTES, .max_instructions = SPEC_MAX_INSTRUCTIONS,
                     .stop = o->stop };
    lua_State *L = scr_new_bounded(&b, e);
    if (!L)
        return NULL;
    if (!o->trust)
        scr_sandbox(L, &dir, dir ? 1 : 0);
    static const struct { const char *name; lua_CFunction fn; } fns[] = {
        { "ca", l_ca }, { "server", l_server }, { "client", l_client },
        { "omit", pki_spec_l_omit }, { "validity", pki_spec_l_validity },
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        lua_pushlightuserdata(L, ctx);
        lua_pushcclosure(L, fns[i].fn, 1);
        lua_setglobal(L, fns[i].name);
    }
    lua_createtable(L, (int)o->n_hosts, 0);
    for (size_t i = 0; i < o->n_hosts; i++) {
        lua_pushstring(L, o->hosts[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setglobal(L, "hosts");
    lua_pushstring(L, pki_key_type_name(o->key_type));
    lua_setglobal(L, "key_type");
    lua_pushinteger(L, o->now);
    lua_setglobal(L, "now");
    lua_pushinteger(L, o->cert_days ? o->cert_days : 90);
    lua_setglobal(L, "cert_days");
    lua_pushinteger(L, o->crl_days ? o->crl_days : 30);
    lua_setglobal(L, "crl_days");
    pki_spec_push_import_globals(L, o);
    return L;
}

static int finish(pki_spec *s, load_ctx *ctx, lua_State *L, int rc, const char *name,
                  mp_err *e)
{
    scr_close(L);
    s->cert_days = ctx->cert_days ? ctx->cert_days : 90;
    s->crl_days = ctx->crl_days ? ctx->crl_days : 30;
    if (rc == 0 && s->n == 0)
        rc = mp_fail(e, "%s: defines no fixtures", name);
    if (rc == 0) {
        int trusted = 0;
        for (size_t i = 0; i < s->n; i++)
            trusted |= s->defs[i].trusted;
        if (!trusted)
            rc = mp_fail(e, "%s: no CA has trusted = true, so there is no trust bundle", name);
    }
    if (rc != 0)
        pki_spec_free(s);
    return rc;
}

int pki_spec_load_file(pki_spec *s, const char *path, const pki_spec_opts *o, mp_err *e)
{
    load_ctx ctx;
    if (!fs_exists(path)) {
        memset(s, 0, sizeof *s);
        return mp_fail(e, "spec file %s does not exist", path);
    }
    char *dir = fs_dirname(path);
    lua_State *L = dir ? prepare(s, o, &ctx, dir, e) : NULL;
    if (!L) {
        if (!dir)
            mp_fail(e, "out of memory");
        free(dir);
        return -1;
    }
    int rc = finish(s, &ctx, L, scr_run_file(L, path, e), path, e);
    free(dir);
    return rc;
}

int pki_spec_load_text(pki_spec *s, const char *text, size_t len, const char *name,
                       const pki_spec_opts *o, mp_err *e)
{
    load_ctx ctx;
    lua_State *L = prepare(s, o, &ctx, NULL, e);
    if (!L)
        return -1;
    return finish(s, &ctx, L, scr_run_buffer(L, text, len, name, e), name, e);
}

void pki_spec_free(pki_spec *s)
{
    for (size_t i = 0; i < s->n; i++)
        def_free(&s->defs[i]);
    if (s->pending)
        def_free(&s->defs[s->n]);
    free(s->defs);
    for (size_t i = 0; i < s->n_omitted; i++) {
        free(s->omitted[i].name);
        free(s->omitted[i].reason);
    }
    free(s->omitted);
    memset(s, 0, sizeof *s);
}

int pki_spec_find(const pki_spec *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->defs[i].name && strcmp(s->defs[i].name, name) == 0)
            return (int)i;
    return -1;
}
