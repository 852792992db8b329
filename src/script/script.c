/* Lua embedding. Errors keep Lua's own "chunk:line: message" form; chunks
 * loaded from files are named after the path so users see where to look.
 * Code from outside runs in a bounded state (memory through the allocator,
 * instructions, time and an interrupt flag through one count hook) and,
 * unless trusted, in a sandbox that removes the standard library's ways out
 * of the process. */
#include "script/script.h"

#include <ctype.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/timeutil.h"

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

/* A bounded state's allocator and hook share this, kept as the allocator's
 * user data so scr_close can find and free it. */
typedef struct scr_limits {
    scr_bounds b;
    size_t used;
    unsigned long hooks, max_hooks;
    int64_t t0;
    scr_stop stopped;
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
    if (nsize > osize && nsize - osize > lim->b.max_bytes - lim->used) {
        if (lim->stopped == SCR_STOP_NONE)
            lim->stopped = SCR_STOP_MEMORY;
        return NULL; /* Lua raises "not enough memory" */
    }
    void *np = realloc(ptr, nsize);
    if (np)
        lim->used = lim->used - osize + nsize;
    return np;
}

static scr_limits *limits_of(lua_State *L)
{
    void *ud;
    return lua_getallocf(L, &ud) == bounded_alloc ? ud : NULL;
}

/* The time limit now, from the state's creation. */
static int64_t time_limit(const scr_limits *lim)
{
    int64_t t = lim->b.time_ns;
    if (lim->b.steps && lim->b.time_per_step_ns > 0)
        t += (int64_t)*lim->b.steps * lim->b.time_per_step_ns;
    if (lim->b.time_max_ns > 0 && t > lim->b.time_max_ns)
        t = lim->b.time_max_ns;
    return t;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    scr_limits *lim = limits_of(L);
    if (!lim)
        return;
    if (lim->stopped == SCR_STOP_NONE || lim->stopped == SCR_STOP_MEMORY) {
        if (lim->b.stop && atomic_load(lim->b.stop))
            lim->stopped = SCR_STOP_INTERRUPT;
        else if (++lim->hooks > lim->max_hooks)
            lim->stopped = SCR_STOP_INSTRUCTIONS;
        else if (lim->b.time_ns > 0 && tm_mono_ns() - lim->t0 > time_limit(lim))
            lim->stopped = SCR_STOP_TIME;
        else
            return;
    }
    /* From now on fire at every instruction, so a pcall cannot swallow the
     * error and loop on: the next instruction outside it fails too. */
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    luaL_where(L, 0); /* inside a hook, level 0 is the running Lua function */
    const char *where = lua_tostring(L, -1);
    switch (lim->stopped) {
    case SCR_STOP_INTERRUPT:
        lua_pushfstring(L, "%sinterrupted (SIGINT or SIGTERM)", where);
        break;
    case SCR_STOP_TIME: {
        int64_t s = time_limit(lim) / 1000000000;
        lua_pushfstring(L, "%sstopped after %d s, its time limit (an endless loop?)%s%s", where,
                        (int)(s > 0 ? s : 1), lim->b.time_hint ? "; " : "",
                        lim->b.time_hint ? lim->b.time_hint : "");
        break;
    }
    default:
        lim->stopped = SCR_STOP_INSTRUCTIONS;
        lua_pushfstring(L, "%sstopped after %d million Lua instructions (an endless loop?)", where,
                        (int)(lim->max_hooks * SCR_HOOK_EVERY / 1000000));
        break;
    }
    lua_error(L);
}

lua_State *scr_new_bounded(const scr_bounds *b, mp_err *e)
{
    scr_limits *lim = calloc(1, sizeof *lim);
    if (!lim) {
        mp_fail(e, "cannot create a Lua state (out of memory)");
        return NULL;
    }
    lim->b = *b;
    lim->max_hooks = b->max_instructions / SCR_HOOK_EVERY + 1;
    lim->t0 = tm_mono_ns();
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

scr_stop scr_stopped(lua_State *L)
{
    scr_limits *lim = limits_of(L);
    return lim ? lim->stopped : SCR_STOP_NONE;
}

void scr_close(lua_State *L)
{
    if (!L)
        return;
    scr_limits *lim = limits_of(L);
    lua_close(L);
    free(lim);
}

/* ---- the sandbox -------------------------------------------------------- */

/* load(chunk [, name [, mode [, env]]]) with the mode forced to text. */
static int sandbox_load(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    if (n >= 2)
        lua_pushvalue(L, 2);
    else
        lua_pushnil(L);
    lua_pushliteral(L, "t");
    int args = 3;
    if (n >= 4) {
        lua_pushvalue(L, 4);
        args = 4;
    }
    lua_call(L, args, LUA_MULTRET);
    return lua_gettop(L) - n;
}

#define SANDBOX_NOTE "is not available to scenario, profile and spec files (the sandbox; --trust-scripts lifts it)"

/* What stands in for a function the sandbox removed (upvalue 1: its name). */
static int sandbox_refused(lua_State *L)
{
    return luaL_error(L, "%s " SANDBOX_NOTE, lua_tostring(L, lua_upvalueindex(1)));
}

/* __index of what stands in for a removed library (upvalue 1: its name). */
static int sandbox_refused_lib(lua_State *L)
{
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
    return luaL_error(L, "%s.%s " SANDBOX_NOTE, lua_tostring(L, lua_upvalueindex(1)), k);
}

/* Sets field k of the table at idx (0: the globals) to a stand-in that
 * raises SANDBOX_NOTE naming `shown`. */
static void refuse(lua_State *L, int idx, const char *k, const char *shown)
{
    idx = idx ? lua_absindex(L, idx) : 0;
    lua_pushstring(L, shown);
    lua_pushcclosure(L, sandbox_refused, 1);
    if (idx)
        lua_setfield(L, idx, k);
    else
        lua_setglobal(L, k);
}

static void refuse_lib(lua_State *L, const char *name)
{
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushstring(L, name);
    lua_pushcclosure(L, sandbox_refused_lib, 1);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setglobal(L, name);
}

static int module_name_ok(const char *m)
{
    if (!*m || *m == '.' || strstr(m, ".."))
        return 0;
    for (const char *p = m; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
            return 0;
    return m[strlen(m) - 1] != '.';
}

/* require's searcher over the directories in upvalue 1 (a list). */
static int dir_searcher(lua_State *L)
{
    const char *mod = luaL_checkstring(L, 1);
    if (!module_name_ok(mod)) {
        lua_pushfstring(L, "module name '%s' is not allowed in the sandbox (letters, digits, '_', '-', '.')",
                        mod);
        return 1;
    }
    luaL_Buffer tried;
    luaL_buffinit(L, &tried);
    lua_Integer n = (lua_Integer)lua_rawlen(L, lua_upvalueindex(1));
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, lua_upvalueindex(1), i);
        const char *dir = lua_tostring(L, -1);
        char path[4400];
        int k = snprintf(path, sizeof path, "%s/%s.lua", dir, mod);
        lua_pop(L, 1); /* dir stays anchored by the list */
        if (k < 0 || (size_t)k >= sizeof path)
            continue;
        for (char *p = path + strlen(dir) + 1; p < path + k - 4; p++)
            if (*p == '.')
                *p = '/';
        if (access(path, R_OK) == 0) {
            if (luaL_loadfilex(L, path, "t") != LUA_OK)
                return lua_error(L);
            lua_pushstring(L, path);
            return 2;
        }
        lua_pushfstring(L, "%sno file '%s'", i > 1 ? "\n\t" : "", path);
        luaL_addvalue(&tried);
    }
    luaL_pushresult(&tried);
    return 1;
}

void scr_sandbox(lua_State *L, const char *const *dirs, size_t n_dirs)
{
    static const char *const os_fns[] = { "execute", "exit", "remove", "rename", "tmpname", "setlocale", NULL };
    refuse(L, 0, "dofile", "dofile");
    refuse(L, 0, "loadfile", "loadfile");
    refuse_lib(L, "io");
    refuse_lib(L, "debug");
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "loaded"); /* require("io") would find them there */
    lua_pushnil(L);
    lua_setfield(L, -2, "io");
    lua_pushnil(L);
    lua_setfield(L, -2, "debug");
    lua_pop(L, 1);
    refuse(L, -1, "loadlib", "package.loadlib");
    refuse(L, -1, "searchpath", "package.searchpath");
    lua_pushliteral(L, "");
    lua_setfield(L, -2, "cpath");
    lua_createtable(L, 2, 0);
    lua_getfield(L, -2, "searchers");
    lua_rawgeti(L, -1, 1); /* package.preload */
    lua_rawseti(L, -3, 1);
    lua_pop(L, 1);
    lua_createtable(L, (int)n_dirs, 0);
    for (size_t i = 0; i < n_dirs; i++) {
        lua_pushstring(L, dirs[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_pushcclosure(L, dir_searcher, 1);
    lua_rawseti(L, -2, 2);
    lua_setfield(L, -2, "searchers");
    lua_pop(L, 1);
    lua_getglobal(L, "os");
    for (const char *const *f = os_fns; *f; f++) {
        char shown[32];
        snprintf(shown, sizeof shown, "os.%s", *f);
        refuse(L, -1, *f, shown);
    }
    lua_pop(L, 1);
    lua_getglobal(L, "string");
    refuse(L, -1, "dump", "string.dump");
    lua_pop(L, 1);
    lua_getglobal(L, "load");
    lua_pushcclosure(L, sandbox_load, 1);
    lua_setglobal(L, "load");
}

/* ---- running code -------------------------------------------------------- */

int scr_pcall(lua_State *L, int nargs, int nresults, const char *name, mp_err *e)
{
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, msg_handler);
    lua_insert(L, base);
    int status = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    if (status == LUA_OK)
        return status;
    scr_limits *lim = limits_of(L);
    if (status == LUA_ERRMEM && lim && lim->stopped == SCR_STOP_MEMORY)
        mp_fail(e, "%s: not enough memory: stopped at %zu MiB, the limit (an endless allocation?)", name,
                lim->b.max_bytes >> 20);
    else
        mp_fail(e, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return status;
}

static int run_loaded(lua_State *L, int status, const char *name, mp_err *e)
{
    if (status != LUA_OK) {
        mp_fail(e, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    return scr_pcall(L, 0, 0, name, e) == LUA_OK ? 0 : -1;
}

int scr_run_file(lua_State *L, const char *path, mp_err *e)
{
    return run_loaded(L, luaL_loadfilex(L, path, "t"), path, e);
}

int scr_run_buffer(lua_State *L, const char *buf, size_t len, const char *name,
                   mp_err *e)
{
    char chunk[512];
    snprintf(chunk, sizeof chunk, "@%s", name);
    return run_loaded(L, luaL_loadbufferx(L, buf, len, chunk, "t"), name, e);
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
