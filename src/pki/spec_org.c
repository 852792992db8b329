/* The parts of the spec language that concern an organization's CA and how
 * long a set lives: ca{ import = ... }, omit{}, validity{}, and the globals
 * `import` and `import_ca`. An imported CA's certificate is read while the
 * spec runs, so a wrong file is an error at the spec's line; its key is read
 * only when fixtures are signed (pki/import). */
#include <stdlib.h>
#include <string.h>

#include "pki/import.h"
#include "pki/spec_int.h"
#include "script/script.h"

/* Fields that an imported CA takes from its certificate. */
static const char *const not_with_import[] = {
    "issuer", "subject", "sans", "key", "key_mismatch", "not_before", "not_after",
    "ca", "pathlen", "key_usage", "eku", "hash", "name_constraints", "extensions",
    "ocsp_url", "crl_url", "revoked", "revoked_at", "chain", NULL
};

/* ca{ import = { cert = ..., key = ..., pass = ... } }: the certificate is
 * read now, so that a wrong path or a non-CA is an error at the spec's line;
 * the key only when fixtures are generated. */
void pki_spec_read_import(lua_State *L, const char *what, pki_fixture_def *d)
{
    static const char *const known[] = { "cert", "key", "pass", NULL };
    for (const char *const *f = not_with_import; *f; f++) {
        if (scr_rawfield(L, 1, *f) != LUA_TNIL)
            luaL_error(L, "%s: '%s' cannot be set on an imported CA (it comes from its "
                          "certificate)", what, *f);
        lua_pop(L, 1);
    }
    scr_check_known_fields(L, -1, "import", known);
    const char *cert = scr_field_string(L, -1, what, "cert", NULL);
    const char *key = scr_field_string(L, -1, what, "key", NULL);
    const char *pass = scr_field_string(L, -1, what, "pass", NULL);
    if (!cert || !key)
        luaL_error(L, "%s: import needs cert and key (file names)", what);
    d->import_cert = pki_spec_xstrdup(L, cert);
    d->import_key = pki_spec_xstrdup(L, key);
    d->import_pass = pki_spec_xstrdup(L, pass);
    lua_pop(L, 1);
    pki_import_cert c;
    mp_err e;
    if (pki_import_cert_load(&c, cert, &e) != 0)
        luaL_error(L, "%s: %s", what, e.msg);
    d->subject = strdup(c.subject);
    d->not_before = c.not_before;
    d->not_after = c.not_after;
    d->pathlen = c.info.pathlen;
    pki_import_cert_free(&c);
    if (!d->subject)
        luaL_error(L, "out of memory");
}

/* omit { name = "...", reason = "..." }: a fixture this spec cannot express
 * (say, under an imported CA whose pathlen forbids the sub-CA it needs);
 * recorded in the manifest and reported, never replaced by something else. */
int pki_spec_l_omit(lua_State *L)
{
    load_ctx *ctx = lua_touserdata(L, lua_upvalueindex(1));
    pki_spec *s = ctx->spec;
    static const char *const known[] = { "name", "reason", NULL };
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    scr_check_known_fields(L, 1, "omit{}", known);
    const char *name = scr_field_string(L, 1, "omit{}", "name", NULL);
    const char *reason = scr_field_string(L, 1, "omit{}", "reason", NULL);
    if (!name || !reason)
        return luaL_error(L, "omit{}: needs name and reason");
    if (pki_spec_find(s, name) >= 0)
        return luaL_error(L, "omit{}: fixture '%s' is defined above", name);
    pki_omitted *no = realloc(s->omitted, (s->n_omitted + 1) * sizeof *no);
    if (!no)
        return luaL_error(L, "out of memory");
    s->omitted = no;
    pki_omitted *x = &s->omitted[s->n_omitted];
    x->name = strdup(name);
    x->reason = strdup(reason);
    s->n_omitted++;
    if (!x->name || !x->reason)
        return luaL_error(L, "out of memory");
    return 0;
}

/* validity { cert_days = N, crl_days = N }: defaults for what follows;
 * --cert-days and --crl-days, when given, win. */
int pki_spec_l_validity(lua_State *L)
{
    load_ctx *ctx = lua_touserdata(L, lua_upvalueindex(1));
    static const char *const known[] = { "cert_days", "crl_days", NULL };
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    scr_check_known_fields(L, 1, "validity{}", known);
    lua_Integer cd = scr_field_int(L, 1, "validity{}", "cert_days", 0);
    lua_Integer rd = scr_field_int(L, 1, "validity{}", "crl_days", 0);
    if (cd < 0 || cd > 36500 || rd < 0 || rd > 36500)
        return luaL_error(L, "validity{}: days must be 1..36500");
    if (cd && !ctx->opts->cert_days)
        ctx->cert_days = (int)cd;
    if (rd && !ctx->opts->crl_days)
        ctx->crl_days = (int)rd;
    lua_pushinteger(L, ctx->cert_days ? ctx->cert_days : 90);
    lua_setglobal(L, "cert_days");
    lua_pushinteger(L, ctx->crl_days ? ctx->crl_days : 30);
    lua_setglobal(L, "crl_days");
    return 0;
}

void pki_spec_push_import_globals(lua_State *L, const pki_spec_opts *o)
{
    if (o->import_cert && o->import_key) {
        lua_createtable(L, 0, 3);
        lua_pushstring(L, o->import_cert);
        lua_setfield(L, -2, "cert");
        lua_pushstring(L, o->import_key);
        lua_setfield(L, -2, "key");
        if (o->import_pass) {
            lua_pushstring(L, o->import_pass);
            lua_setfield(L, -2, "pass");
        }
        lua_setglobal(L, "import");
    }
    if (o->import_info) {
        const pki_import_cert *c = o->import_info;
        lua_createtable(L, 0, 8);
        lua_pushstring(L, c->subject);
        lua_setfield(L, -2, "subject");
        if (c->info.pathlen >= 0) {
            lua_pushinteger(L, c->info.pathlen);
            lua_setfield(L, -2, "pathlen");
        }
        lua_pushinteger(L, c->not_before);
        lua_setfield(L, -2, "not_before");
        lua_pushinteger(L, c->not_after);
        lua_setfield(L, -2, "not_after");
        lua_pushstring(L, c->info.key_alg);
        lua_setfield(L, -2, "key_alg");
        lua_pushboolean(L, c->root_included);
        lua_setfield(L, -2, "root_included");
        lua_setglobal(L, "import_ca");
    }
}
