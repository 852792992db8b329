/* Compliance profiles for the audit: a Lua file returning a table of rules
 * (the files in scenarios/profiles/ are built in; users pass their own file). The
 * rule schema lives in one place, the audit library's check_profile, so C
 * only finds, loads and caches the table; a bad profile is refused before
 * any scenario runs. */
#define _DEFAULT_SOURCE
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scenario/runner.h"
#include "script/script.h"
#include "util/str.h"

#define PROFILE_KEY "mtlsprobe.profile"

static const scn_builtin *builtin_profile(const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "profiles/%s.lua", name);
    for (size_t i = 0; i < scn_builtins_count; i++)
        if (strcmp(scn_builtins[i].path, path) == 0)
            return &scn_builtins[i];
    return NULL;
}

/* The built-in profiles' names: joined with ", " into out, and each into
 * one[] (at most max) for "did you mean"; returns how many are in one[]. */
static size_t list_builtin(char *out, size_t n, char one[][64], size_t max)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < scn_builtins_count; i++) {
        const char *p = scn_builtins[i].path;
        if (strncmp(p, "profiles/", 9) != 0)
            continue;
        int len = (int)(strlen(p) - 9 - 4);
        size_t used = strlen(out);
        snprintf(out + used, n - used, "%s%.*s", used ? ", " : "", len, p + 9);
        if (k < max)
            snprintf(one[k++], 64, "%.*s", len, p + 9);
    }
    return k;
}

int scn_profile_resolve(scn_config *cfg, const char *arg, mp_err *e)
{
    const scn_builtin *b = strchr(arg, '/') || strstr(arg, ".lua") ? NULL : builtin_profile(arg);
    if (b) {
        cfg->profile_name = arg;
        cfg->profile_text = b->text;
        cfg->profile_len = b->len;
        cfg->profile_file = NULL;
        return 0;
    }
    if (access(arg, R_OK) == 0) {
        cfg->profile_name = arg;
        cfg->profile_text = NULL;
        cfg->profile_file = arg;
        return 0;
    }
    char names[400], one[64][64];
    size_t n = list_builtin(names, sizeof names, one, 64);
    const char *ptrs[64];
    for (size_t i = 0; i < n; i++)
        ptrs[i] = one[i];
    const char *near = str_closest(arg, ptrs, n);
    return mp_fail(e, "--profile: unknown profile '%s'%s%s%s (built in: %s; or a readable .lua file)",
                   arg, near ? ": did you mean " : "", near ? near : "", near ? "?" : "", names);
}

/* Loads and runs the profile chunk, leaving its table on the stack. */
static int load_profile(lua_State *L, const scn_config *cfg, mp_err *e)
{
    char chunk[320] = "";
    if (cfg->profile_text)
        snprintf(chunk, sizeof chunk, "@scenarios/profiles/%s.lua", cfg->profile_name);
    if (scn_run_chunk(L, cfg->profile_text, cfg->profile_len, chunk, cfg->profile_file, e) != 0)
        return -1;
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return mp_fail(e, "profile %s must return a table { name = ..., rules = { ... } }",
                       cfg->profile_name);
    }
    return 0;
}

int scn_profile_push(lua_State *L, const scn_config *cfg, mp_err *e)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, PROFILE_KEY) == LUA_TTABLE)
        return 0;
    lua_pop(L, 1);
    if (load_profile(L, cfg, e) != 0)
        return -1;
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, PROFILE_KEY);
    return 0;
}

int scn_profile_check(const scn_config *cfg, mp_err *e)
{
    lua_State *L = scn_new_state(cfg, cfg->profile_file, 0, NULL, e);
    if (!L)
        return -1;
    int rc = -1;
    if (load_profile(L, cfg, e) != 0)
        goto out;
    lua_getglobal(L, "require");
    lua_pushstring(L, "audit");
    if (scr_pcall(L, 1, 1, "scenarios/lib/audit.lua", e) != LUA_OK)
        goto out;
    lua_getfield(L, -1, "check_profile");
    lua_pushvalue(L, -3);
    if (scr_pcall(L, 1, 1, cfg->profile_name, e) != LUA_OK)
        goto out;
    if (lua_isstring(L, -1)) {
        mp_fail(e, "profile %s: %s", cfg->profile_name, lua_tostring(L, -1));
        goto out;
    }
    rc = 0;
out:
    scr_close(L);
    return rc;
}
