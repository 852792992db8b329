/* Lua embedding. Errors keep Lua's own "chunk:line: message" form; chunks
 * loaded from files are named after the path so users see where to look. */
#include "script/script.h"

#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Errors raised with a non-string value (error({...})) carry no position;
 * add the raiser's file:line so every message says where to look. */
static int msg_handler(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TSTRING) {
        /* Level 1 is error() itself, a C function; find the Lua caller. */
        lua_Debug ar;
        int level = 1;
        while (lua_getstack(L, level, &ar) && lua_getinfo(L, "l", &ar) && ar.currentline <= 0)
            level++;
        luaL_where(L, level);
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            lua_concat(L, 2);
        else
            lua_pushfstring(L, "%s(error object is a %s value)", lua_tostring(L, -1),
                            luaL_typename(L, 1));
    }
    return 1;
}

lua_State *scr_new(mp_err *e)
{
    lua_State *L = luaL_newstate();
    if (!L) {
        mp_fail(e, "cannot create a Lua state (out of memory)");
        return NULL;
    }
    luaL_openlibs(L);
    return L;
}

/* A bounded state's allocator and instruction hook share this, kept as the
 * allocator's user data so scr_close can find and free it. */
typedef struct scr_limits {
    size_t used, max_bytes;
    unsigned long hooks, max_hooks;
} scr_limits;

#define SCR_HOOK_EVERY 10000

static void *bounded_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    scr_limits *lim = ud;
    if (!ptr)
        osize = 0; /* Lua passes the object type here, not a size */
    if (nsize == 0) {
        free(ptr);
        lim->used -= osize;
        return NULL;
    }
    if (nsize > osize && nsize - osize > lim->max_bytes - lim->used)
        return NULL; /* Lua raises "not enough memory" */
    void *np = realloc(ptr, nsize);
    if (np)
        lim->used = lim->used - osize + nsize;
    return np;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    void *ud;
    lua_getallocf(L, &ud);
    scr_limits *lim = ud;
    if (++lim->hooks <= lim->max_hooks)
        return;
    /* From now on fire at every instruction, so a pcall cannot swallow the
     * error and loop on: the next instruction outside it fails too. */
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    luaL_where(L, 0); /* inside a hook, level 0 is the running Lua function */
    lua_pushfstring(L, "%sstopped after %d million Lua instructions (an endless loop?)",
                    lua_tostring(L, -1), (int)(lim->max_hooks * SCR_HOOK_EVERY / 1000000));
    lua_error(L);
}

lua_State *scr_new_bounded(size_t max_bytes, unsigned long max_instructions, mp_err *e)
{
    scr_limits *lim = calloc(1, sizeof *lim);
    if (!lim) {
        mp_fail(e, "cannot create a Lua state (out of memory)");
        return NULL;
    }
    lim->max_bytes = max_bytes;
    lim->max_hooks = max_instructions / SCR_HOOK_EVERY + 1;
    lua_State *L = lua_newstate(bounded_alloc, lim);
    if (!L) {
        free(lim);
        mp_fail(e, "cannot create a Lua state (out of memory)");
        return NULL;
    }
    luaL_openlibs(L);
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, SCR_HOOK_EVERY);
    return L;
}

void scr_close(lua_State *L)
{
    if (!L)
        return;
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    lua_close(L);
    if (f == bounded_alloc)
        free(ud);
}

static int run_loaded(lua_State *L, int status, mp_err *e)
{
    if (status != LUA_OK) {
        mp_fail(e, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    int base = lua_gettop(L);
    lua_pushcfunction(L, msg_handler);
    lua_insert(L, base);
    status = lua_pcall(L, 0, 0, base);
    lua_remove(L, base);
    if (status != LUA_OK) {
        mp_fail(e, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

int scr_run_file(lua_State *L, const char *path, mp_err *e)
{
    return run_loaded(L, luaL_loadfile(L, path), e);
}

int scr_run_buffer(lua_State *L, const char *buf, size_t len, const char *name,
                   mp_err *e)
{
    char chunk[512];
    snprintf(chunk, sizeof chunk, "@%s", name);
    return run_loaded(L, luaL_loadbuffer(L, buf, len, chunk), e);
}

void scr_where(lua_State *L, int level, char *out, size_t outlen)
{
    lua_Debug ar;
    out[0] = '\0';
    if (lua_getstack(L, level, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        snprintf(out, outlen, "%s:%d", ar.short_src, ar.currentline);
}

void scr_check_known_fields(lua_State *L, int idx, const char *what,
                            const char *const *known)
{
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            luaL_error(L, "%s: positional values are not allowed; use name = value", what);
            return;
        }
        const char *k = lua_tostring(L, -1);
        int ok = 0;
        for (const char *const *p = known; *p; p++)
            if (strcmp(*p, k) == 0)
                ok = 1;
        if (!ok) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (const char *const *p = known; *p; p++) {
                if (p != known)
                    luaL_addstring(&b, ", ");
                luaL_addstring(&b, *p);
            }
            luaL_pushresult(&b);
            luaL_error(L, "%s: unknown field '%s' (known fields: %s)", what, k,
                       lua_tostring(L, -1));
            return;
        }
    }
}

int scr_rawfield(lua_State *L, int idx, const char *field)
{
    idx = lua_absindex(L, idx);
    lua_pushstring(L, field);
    return lua_rawget(L, idx);
}

static int field_type(lua_State *L, int idx, const char *field)
{
    return scr_rawfield(L, idx, field);
}

const char *scr_field_string(lua_State *L, int idx, const char *what,
                             const char *field, const char *def)
{
    idx = lua_absindex(L, idx);
    int t = field_type(L, idx, field);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    if (t != LUA_TSTRING) {
        luaL_error(L, "%s: field '%s' must be a string, not a %s", what, field,
                   lua_typename(L, t));
        return NULL;
    }
    /* The string stays reachable through the table, which the caller holds. */
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1);
    return s;
}

int scr_field_bool(lua_State *L, int idx, const char *what, const char *field,
                   int def)
{
    idx = lua_absindex(L, idx);
    int t = field_type(L, idx, field);
    int v = def;
    if (t == LUA_TBOOLEAN)
        v = lua_toboolean(L, -1);
    else if (t != LUA_TNIL)
        luaL_error(L, "%s: field '%s' must be true or false, not a %s", what, field,
                   lua_typename(L, t));
    lua_pop(L, 1);
    return v;
}

lua_Integer scr_field_int(lua_State *L, int idx, const char *what,
                          const char *field, lua_Integer def)
{
    idx = lua_absindex(L, idx);
    int t = field_type(L, idx, field);
    lua_Integer v = def;
    if (t == LUA_TNUMBER && lua_isinteger(L, -1))
        v = lua_tointeger(L, -1);
    else if (t != LUA_TNIL)
        luaL_error(L, "%s: field '%s' must be an integer", what, field);
    lua_pop(L, 1);
    return v;
}

int scr_field_table(lua_State *L, int idx, const char *what, const char *field)
{
    idx = lua_absindex(L, idx);
    int t = field_type(L, idx, field);
    if (t == LUA_TTABLE)
        return 1;
    lua_pop(L, 1);
    if (t != LUA_TNIL)
        luaL_error(L, "%s: field '%s' must be a table, not a %s", what, field,
                   lua_typename(L, t));
    return 0;
}

void scr_set_str(lua_State *L, const char *k, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

void scr_set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

void scr_set_bool(lua_State *L, const char *k, int v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, k);
}
