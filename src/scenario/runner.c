/* Scenario loading and execution. Each job (scenario x TLS version) gets a
 * fresh Lua state, so scenarios cannot leak state into each other and jobs
 * run on threads without locks: the only shared data is read-only config,
 * and each job writes its own, preallocated result slot. */
#define _DEFAULT_SOURCE
#include "scenario/runner.h"

#include <ctype.h>
#include <dirent.h>
#include <fnmatch.h>
#include <lauxlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pki/identity.h"
#include "script/script.h"
#include "tls/audit.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/timeutil.h"

/* ---- sources ------------------------------------------------------------ */

static int add_source(scn_list *l, const char *name, const char *text, size_t len, mp_err *e)
{
    scn_source *nv = realloc(l->v, (l->n + 1) * sizeof *nv);
    if (!nv)
        return mp_fail(e, "out of memory");
    l->v = nv;
    l->v[l->n].name = strdup(name);
    l->v[l->n].text = text;
    l->v[l->n].len = len;
    if (!l->v[l->n].name)
        return mp_fail(e, "out of memory");
    l->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

int scn_list_add_path(scn_list *l, const char *path, mp_err *e)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return mp_fail(e, "scenario %s does not exist", path);
    if (!S_ISDIR(st.st_mode))
        return add_source(l, path, NULL, 0, e);
    DIR *d = opendir(path);
    if (!d)
        return mp_fail(e, "cannot read directory %s", path);
    char **names = NULL;
    size_t n = 0;
    struct dirent *ent;
    int rc = 0;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.')
            continue;
        char *full = fs_join(path, ent->d_name);
        struct stat cs;
        if (!full || stat(full, &cs) != 0 || (!S_ISDIR(cs.st_mode) && !ends_with(full, ".lua"))) {
            free(full);
            continue;
        }
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn) {
            free(full);
            rc = mp_fail(e, "out of memory");
            break;
        }
        names = nn;
        names[n++] = full;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = scn_list_add_path(l, names[i], e);
        free(names[i]);
    }
    free(names);
    return rc;
}

int scn_list_add_builtin(scn_list *l, const char *suite, mp_err *e)
{
    int all = strcmp(suite, "all") == 0;
    static const char *const suites[] = { "client-auth", "audit", "bypass", "upstream", "all" };
    if (!all && strcmp(suite, "client-auth") != 0 && strcmp(suite, "audit") != 0 &&
        strcmp(suite, "bypass") != 0 && strcmp(suite, "upstream") != 0) {
        const char *near = str_closest(suite, suites, 5);
        return mp_fail(e, "unknown suite '%s'%s%s%s (client-auth, audit, bypass, upstream or all)", suite,
                       near ? ": did you mean " : "", near ? near : "", near ? "?" : "");
    }
    size_t len = strlen(suite);
    for (size_t i = 0; i < scn_builtins_count; i++) {
        const scn_builtin *b = &scn_builtins[i];
        /* lib/, examples/ and profiles/ hold no suite scenarios. */
        int in_suite = all ? strncmp(b->path, "client-auth/", 12) == 0 ||
                                 strncmp(b->path, "audit/", 6) == 0 ||
                                 strncmp(b->path, "bypass/", 7) == 0 ||
                                 strncmp(b->path, "upstream/", 9) == 0
                           : strncmp(b->path, suite, len) == 0 && b->path[len] == '/';
        if (!in_suite)
            continue;
        char name[512];
        snprintf(name, sizeof name, "builtin:%s", b->path);
        if (add_source(l, name, b->text, b->len, e) != 0)
            return -1;
    }
    return 0;
}

static int text_mentions(const char *text, size_t len, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; n && i + n + 2 <= len; i++)
        if ((text[i] == '"' || text[i] == '\'') && memcmp(text + i + 1, name, n) == 0 && text[i + n + 1] == text[i])
            return 1;
    return 0;
}

int scn_list_mentions(const scn_list *l, const char *name)
{
    for (size_t i = 0; i < scn_builtins_count; i++)
        if (strncmp(scn_builtins[i].path, "lib/", 4) == 0 &&
            text_mentions(scn_builtins[i].text, scn_builtins[i].len, name))
            return 1;
    for (size_t i = 0; i < l->n; i++) {
        const scn_source *s = &l->v[i];
        if (s->text) {
            if (text_mentions(s->text, s->len, name))
                return 1;
            continue;
        }
        char *text;
        size_t len;
        mp_err e;
        if (fs_read_file(s->name, &text, &len, &e) != 0)
            continue; /* unreadable: the run says so when it loads it */
        int hit = text_mentions(text, len, name);
        free(text);
        if (hit)
            return 1;
    }
    return 0;
}

void scn_list_free(scn_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* ---- Lua states --------------------------------------------------------- */

/* require("name") finds scenarios/lib/name.lua among the built-ins. */
static int builtin_searcher(lua_State *L)
{
    const char *mod = luaL_checkstring(L, 1);
    char path[300];
    snprintf(path, sizeof path, "lib/%s.lua", mod);
    for (size_t i = 0; i < scn_builtins_count; i++) {
        if (strcmp(scn_builtins[i].path, path) == 0) {
            char chunk[320];
            snprintf(chunk, sizeof chunk, "@scenarios/%s", path);
            if (luaL_loadbufferx(L, scn_builtins[i].text, scn_builtins[i].len, chunk, "t") != LUA_OK)
                return lua_error(L);
            lua_pushstring(L, path);
            return 2;
        }
    }
    lua_pushfstring(L, "no built-in module 'scenarios/%s'", path);
    return 1;
}

lua_State *scn_new_state(const scn_config *cfg, const char *path, int64_t own_limit_ns,
                         const unsigned long *connects, mp_err *e)
{
    int64_t limit = cfg->time_limit_ns ? cfg->time_limit_ns : own_limit_ns;
    scr_bounds b = {
        .max_bytes = SCN_MAX_BYTES,
        .max_instructions = SCN_MAX_INSTRUCTIONS,
        .time_ns = limit ? limit : SCN_TIME_BASE_S * 1000000000LL,
        .time_per_step_ns = limit ? 0 : 3 * cfg->timeout_ns,
        .time_max_ns = limit ? 0 : SCN_TIME_MAX_S * 1000000000LL,
        .steps = connects,
        .time_hint = cfg->time_limit_ns ? "--scenario-time-limit set it"
                                        : "time_limit = SECONDS in the scenario or --scenario-time-limit "
                                          "changes it",
        .stop = cfg->stop,
    };
    lua_State *L = scr_new_bounded(&b, e);
    if (!L)
        return NULL;
    if (!cfg->trust_scripts) {
        char *dir = path ? fs_dirname(path) : NULL;
        const char *dirs[1] = { dir };
        scr_sandbox(L, dirs, dir ? 1 : 0);
        free(dir);
    }
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchers");
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = n; i >= 2; i--) { /* insert at 2, after preload */
        lua_rawgeti(L, -1, i);
        lua_rawseti(L, -2, i + 1);
    }
    lua_pushcfunction(L, builtin_searcher);
    lua_rawseti(L, -2, 2);
    lua_pop(L, 2);
    return L;
}

int scn_run_chunk(lua_State *L, const char *text, size_t len, const char *chunk,
                  const char *path, mp_err *e)
{
    int st = text ? luaL_loadbufferx(L, text, len, chunk, "t") : luaL_loadfilex(L, path, "t");
    if (st != LUA_OK) {
        mp_fail(e, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    return scr_pcall(L, 0, 1, text ? chunk + 1 : path, e) == LUA_OK ? 0 : -1;
}

/* Loads a source and leaves its returned table on the stack. */
static int load_source(lua_State *L, const scn_source *s, mp_err *e)
{
    char chunk[600] = "";
    if (s->text)
        snprintf(chunk, sizeof chunk, "@scenarios/%s", s->name + strlen("builtin:"));
    if (scn_run_chunk(L, s->text, s->len, chunk, s->name, e) != 0)
        return -1;
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return mp_fail(e, "%s: a scenario file must return a table {id = ..., run = function(t) ... end}",
                       s->name);
    }
    return 0;
}

typedef struct meta {
    char id[128];
    char title[256];
    char severity[16];
    char tags[RES_MAX_TAGS][32];
    int n_tags;
    char controls[RES_MAX_CONTROLS][64];
    int n_controls;
    int per_version;
    int64_t time_limit_ns; /* the scenario's time_limit; 0: the default */
    char load_error[512]; /* non-empty: the file could not be loaded */
} meta;

/* "FILE:LINE" of the line where the scenario table sets field (the first
 * "field =" outside a comment or string), or FILE alone when no such line is
 * found: an error about a field names where to look. */
static void field_where(const scn_source *s, const char *field, char *out, size_t n)
{
    char *owned = NULL;
    const char *text = s->text;
    size_t len = s->len;
    mp_err e;
    if (!text && fs_read_file(s->name, &owned, &len, &e) == 0)
        text = owned;
    int line = 1, found = 0;
    size_t fl = strlen(field);
    for (size_t i = 0; text && i < len && !found; i++) {
        char c = text[i];
        if (c == '\n') {
            line++;
        } else if (c == '-' && i + 1 < len && text[i + 1] == '-') {
            const char *end = i + 3 < len && text[i + 2] == '[' && text[i + 3] == '[' ? "]]" : "\n";
            for (i += 2; i < len && !(text[i] == end[0] && (!end[1] || (i + 1 < len && text[i + 1] == end[1]))); i++)
                line += text[i] == '\n';
            line += end[0] == '\n';
        } else if (c == '"' || c == '\'') {
            for (i++; i < len && text[i] != c && text[i] != '\n'; i++)
                if (text[i] == '\\')
                    i++;
        } else if ((i == 0 || !(isalnum((unsigned char)text[i - 1]) || text[i - 1] == '_')) &&
                   i + fl <= len && memcmp(text + i, field, fl) == 0) {
            size_t j = i + fl;
            if (j < len && (isalnum((unsigned char)text[j]) || text[j] == '_'))
                continue;
            while (j < len && (text[j] == ' ' || text[j] == '\t'))
                j++;
            found = j < len && text[j] == '=' && (j + 1 >= len || text[j + 1] != '=');
        }
    }
    free(owned);
    if (found)
        snprintf(out, n, "%s:%d", s->name, line);
    else
        snprintf(out, n, "%s", s->name);
}

static int read_list(lua_State *L, const char *field, char *dst, size_t width, int max,
                     int *n, const scn_source *s, mp_err *e)
{
    *n = 0;
    char name[600];
    int t = scr_rawfield(L, -1, field);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    field_where(s, field, name, sizeof name);
    if (t != LUA_TTABLE) {
        lua_pop(L, 1);
        return mp_fail(e, "%s: '%s' must be a list of strings", name, field);
    }
    /* Refused, never cut: a dropped or truncated tag would make --tags
     * "match no scenario" with no hint why. */
    int len = (int)lua_rawlen(L, -1);
    if (len > max) {
        lua_pop(L, 1);
        return mp_fail(e, "%s: at most %d %s, not %d", name, max, field, len);
    }
    for (int i = 1; i <= len; i++) {
        if (lua_rawgeti(L, -1, i) != LUA_TSTRING) {
            lua_pop(L, 2);
            return mp_fail(e, "%s: %s[%d] must be a string", name, field, i);
        }
        size_t l;
        const char *v = lua_tolstring(L, -1, &l);
        if (l >= width) {
            mp_fail(e, "%s: %s[%d] is %zu bytes, at most %zu: '%.40s...'", name, field, i, l, width - 1, v);
            lua_pop(L, 2);
            return -1;
        }
        str_copy(dst + (size_t)(*n) * width, width, v);
        (*n)++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return 0;
}

static const char *field_str(lua_State *L, const char *k)
{
    const char *v = NULL;
    if (scr_rawfield(L, -1, k) == LUA_TSTRING)
        v = lua_tostring(L, -1);
    lua_pop(L, 1);
    return v; /* anchored by the table */
}

static int read_meta(lua_State *L, const scn_source *s, meta *m, mp_err *e)
{
    static const char *const known[] = { "id", "title", "description", "severity", "tags",
                                         "controls", "run", "per_tls_version", "time_limit", NULL };
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        int ok = lua_type(L, -1) == LUA_TSTRING;
        for (const char *const *k = known; ok && *k; k++)
            if (strcmp(*k, lua_tostring(L, -1)) == 0)
                ok = 2;
        if (ok != 2) {
            char where[600];
            if (lua_type(L, -1) == LUA_TSTRING)
                field_where(s, lua_tostring(L, -1), where, sizeof where);
            else
                str_copy(where, sizeof where, s->name);
            mp_fail(e, "%s: unknown field '%s' in the scenario table (known: id, title, "
                       "description, severity, tags, controls, run, per_tls_version, time_limit)",
                    where, lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
            lua_pop(L, 1);
            return -1;
        }
    }
    const char *id = field_str(L, "id");
    if (!id || !*id)
        return mp_fail(e, "%s: the scenario needs an id", s->name);
    str_copy(m->id, sizeof m->id, id);
    const char *title = field_str(L, "title");
    str_copy(m->title, sizeof m->title, title ? title : id);
    const char *sev = field_str(L, "severity");
    sev = sev ? sev : "medium";
    if (strcmp(sev, "critical") && strcmp(sev, "high") && strcmp(sev, "medium") &&
        strcmp(sev, "low") && strcmp(sev, "info"))
    {
        char where[600];
        field_where(s, "severity", where, sizeof where);
        return mp_fail(e, "%s: severity must be critical, high, medium, low or info", where);
    }
    str_copy(m->severity, sizeof m->severity, sev);
    if (read_list(L, "tags", &m->tags[0][0], sizeof m->tags[0], RES_MAX_TAGS, &m->n_tags, s, e) ||
        read_list(L, "controls", &m->controls[0][0], sizeof m->controls[0], RES_MAX_CONTROLS,
                  &m->n_controls, s, e))
        return -1;
    if (scr_rawfield(L, -1, "run") != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return mp_fail(e, "%s: the scenario needs run = function(t) ... end", s->name);
    }
    lua_pop(L, 1);
    scr_rawfield(L, -1, "per_tls_version");
    m->per_version = lua_toboolean(L, -1);
    lua_pop(L, 1);
    /* time_limit = 120 (seconds) or "2m": for a scenario that needs longer
     * than the default; --scenario-time-limit overrides it */
    int t = scr_rawfield(L, -1, "time_limit");
    int64_t ms = -1;
    mp_err te;
    if (t == LUA_TNUMBER && lua_tonumber(L, -1) > 0 && lua_tonumber(L, -1) <= 86400)
        ms = (int64_t)(lua_tonumber(L, -1) * 1000);
    else if (t == LUA_TSTRING && tm_parse_duration(lua_tostring(L, -1), &ms, &te) != 0)
        ms = -1;
    lua_pop(L, 1);
    if (t != LUA_TNIL && (ms <= 0 || ms > 86400000)) {
        char where[600];
        field_where(s, "time_limit", where, sizeof where);
        return mp_fail(e, "%s: time_limit must be a number of seconds or a duration (\"90s\", \"5m\") "
                          "from 1 ms to 24 h", where);
    }
    m->time_limit_ns = t == LUA_TNIL ? 0 : ms * 1000000;
    return 0;
}

static void id_from_name(const char *name, char *id, size_t n)
{
    const char *p = strncmp(name, "builtin:", 8) == 0 ? name + 8 : name;
    str_copy(id, n, p);
    size_t l = strlen(id);
    if (l > 4 && strcmp(id + l - 4, ".lua") == 0)
        id[l - 4] = '\0';
}

/* ---- jobs --------------------------------------------------------------- */

typedef struct job {
    const scn_source *src;
    const meta *m;
    tls_version version;
    res_scenario *out;
} job;

typedef struct pool {
    job *jobs;
    size_t n;
    atomic_size_t next;
    const scn_config *cfg;
} pool;

static void fill_header(res_scenario *r, const scn_source *src, const meta *m, tls_version v)
{
    memset(r, 0, sizeof *r);
    str_copy(r->id, sizeof r->id, m->id);
    str_copy(r->title, sizeof r->title, m->title);
    str_copy(r->severity, sizeof r->severity, m->severity);
    str_copy(r->file, sizeof r->file, src->name);
    memcpy(r->tags, m->tags, sizeof r->tags);
    r->n_tags = m->n_tags;
    memcpy(r->controls, m->controls, sizeof r->controls);
    r->n_controls = m->n_controls;
    str_copy(r->tls_version, sizeof r->tls_version, tls_version_name(v));
    res_evidence_init(&r->ev);
}

/* A run that SIGINT or SIGTERM reached is not judged, whatever it recorded:
 * its network steps were cut short. */
static void mark_interrupted(res_scenario *r, const scn_source *src, const meta *m, tls_version v,
                             const char *when)
{
    fill_header(r, src, m, v);
    r->verdict = RES_SKIP;
    str_copy(r->expected, sizeof r->expected, "to run");
    str_copy(r->observed, sizeof r->observed, when);
    str_copy(r->reason, sizeof r->reason, when);
}

static void run_job(const scn_config *cfg, job *j)
{
    res_scenario *r = j->out;
    fill_header(r, j->src, j->m, j->version);
    int64_t t0 = tm_mono_ns();
    scn_ctx ctx = { .cfg = cfg, .version = j->version, .res = r };
    mp_err e;
    net_guard guard = { .stop = cfg->stop };
    net_guard_set(&guard);
    lua_State *L = scn_new_state(cfg, j->src->text ? NULL : j->src->name, j->m->time_limit_ns,
                                 &guard.connects, &e);
    if (!L) {
        scn_finish(&ctx, 0, e.msg);
    } else if (load_source(L, j->src, &e) != 0) {
        scn_finish(&ctx, 0, e.msg);
    } else {
        scr_rawfield(L, -1, "run");
        scn_push_context(L, &ctx);
        int st = scr_pcall(L, 1, 0, j->src->name, &e);
        scn_finish(&ctx, st == LUA_OK, st == LUA_OK ? NULL : e.msg);
    }
    scr_close(L); /* closes any connection the scenario left open */
    net_guard_set(NULL);
    if (cfg->stop && atomic_load(cfg->stop))
        mark_interrupted(r, j->src, j->m, j->version, RES_REASON_INTERRUPTED_RUNNING);
    r->duration_ms = (double)(tm_mono_ns() - t0) / 1e6;
}

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            return NULL;
        job *j = &p->jobs[i];
        if (p->cfg->stop && atomic_load(p->cfg->stop)) {
            mark_interrupted(j->out, j->src, j->m, j->version, RES_REASON_INTERRUPTED);
            continue;
        }
        run_job(p->cfg, j);
    }
}

static int selected(const meta *m, const scn_filter *f)
{
    if (f->n_only) {
        int any = 0;
        for (size_t i = 0; i < f->n_only; i++)
            any |= fnmatch(f->only[i], m->id, 0) == 0;
        if (!any)
            return 0;
    }
    for (size_t i = 0; i < f->n_skip; i++)
        if (fnmatch(f->skip[i], m->id, 0) == 0)
            return 0;
    if (f->n_tags) {
        int any = 0;
        for (size_t i = 0; i < f->n_tags; i++)
            for (int k = 0; k < m->n_tags; k++)
                any |= strcmp(f->tags[i], m->tags[k]) == 0;
        if (!any)
            return 0;
    }
    return 1;
}

int scn_select_check(const scn_list *l, const scn_filter *f, const scn_config *cfg, const char *where,
                     mp_err *e)
{
    if (!f->n_only && !f->n_skip && !f->n_tags)
        return 0;
    meta *metas = calloc(l->n ? l->n : 1, sizeof *metas);
    if (!metas)
        return mp_fail(e, "out of memory");
    for (size_t i = 0; i < l->n; i++) {
        mp_err le;
        lua_State *L = scn_new_state(cfg, l->v[i].text ? NULL : l->v[i].name, 0, NULL, &le);
        int ok = L && load_source(L, &l->v[i], &le) == 0 && read_meta(L, &l->v[i], &metas[i], &le) == 0;
        scr_close(L);
        if (!ok) /* a broken file is still selectable by the id of its name */
            id_from_name(l->v[i].name, metas[i].id, sizeof metas[i].id);
    }
    int rc = 0;
    /* each pattern must match something: a typo selects nothing, and a
     * gate that ran nothing must not look green */
    for (size_t k = 0; rc == 0 && k < f->n_only + f->n_skip; k++) {
        const char *glob = k < f->n_only ? f->only[k] : f->skip[k - f->n_only];
        size_t i = 0;
        while (i < l->n && fnmatch(glob, metas[i].id, 0) != 0)
            i++;
        if (i == l->n) {
            const char **ids = malloc((l->n ? l->n : 1) * sizeof *ids);
            for (size_t j = 0; ids && j < l->n; j++)
                ids[j] = metas[j].id;
            const char *near = ids ? str_closest(glob, ids, l->n) : NULL;
            rc = mp_fail(e, "--%s '%s' matches no scenario in %s%s%s%s", k < f->n_only ? "only" : "skip", glob,
                         where, near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
            free(ids);
        }
    }
    for (size_t k = 0; rc == 0 && k < f->n_tags; k++) {
        size_t i = 0;
        for (; i < l->n; i++) {
            int t = 0;
            while (t < metas[i].n_tags && strcmp(metas[i].tags[t], f->tags[k]) != 0)
                t++;
            if (t < metas[i].n_tags)
                break;
        }
        if (i == l->n)
            rc = mp_fail(e, "--tags '%s' matches no scenario in %s", f->tags[k], where);
    }
    if (rc == 0) {
        size_t i = 0;
        while (i < l->n && !selected(&metas[i], f))
            i++;
        if (i == l->n)
            rc = mp_fail(e, "the selection (--only, --skip, --tags) leaves no scenario in %s", where);
    }
    free(metas);
    return rc;
}

int scn_run_all(const scn_list *l, const scn_filter *f, const scn_plan *p,
                const scn_config *cfg, res_run *run, mp_err *e)
{
    meta *metas = calloc(l->n ? l->n : 1, sizeof *metas);
    job *jobs = calloc(l->n * 2 + 1, sizeof *jobs);
    size_t nj = 0;
    if (!metas || !jobs) {
        free(metas);
        free(jobs);
        return mp_fail(e, "out of memory");
    }
    for (size_t i = 0; i < l->n; i++) {
        meta *m = &metas[i];
        mp_err le;
        lua_State *L = scn_new_state(cfg, l->v[i].text ? NULL : l->v[i].name, 0, NULL, &le);
        int ok = L && load_source(L, &l->v[i], &le) == 0 && read_meta(L, &l->v[i], m, &le) == 0;
        scr_close(L);
        if (!ok) {
            /* A broken file is an ERROR verdict; the others still run. */
            id_from_name(l->v[i].name, m->id, sizeof m->id);
            str_copy(m->title, sizeof m->title, m->id);
            str_copy(m->severity, sizeof m->severity, "high");
            str_copy(m->load_error, sizeof m->load_error, le.msg);
            if (f->n_only || f->n_tags || f->n_skip) {
                if (!selected(m, f))
                    continue;
            }
            jobs[nj++] = (job){ &l->v[i], m, p->single, NULL };
            continue;
        }
        if (!selected(m, f))
            continue;
        if (m->per_version) {
            for (int v = 0; v < p->n_versions; v++)
                jobs[nj++] = (job){ &l->v[i], m, p->versions[v], NULL };
        } else {
            jobs[nj++] = (job){ &l->v[i], m, p->single, NULL };
        }
    }
    res_scenario *items = calloc(nj ? nj : 1, sizeof *items);
    if (!items) {
        free(metas);
        free(jobs);
        return mp_fail(e, "out of memory");
    }
    for (size_t i = 0; i < nj; i++)
        jobs[i].out = &items[i];
    /* Files that failed to load get their ERROR without a thread. */
    /* The run's positive controls live as long as its jobs. */
    scn_config run_cfg = *cfg;
    run_cfg.controls = scn_controls_new();
    if (!run_cfg.controls) {
        free(items);
        free(metas);
        free(jobs);
        return mp_fail(e, "out of memory");
    }
    pool pl = { .jobs = jobs, .n = nj, .cfg = &run_cfg };
    atomic_init(&pl.next, 0);
    size_t runnable = 0;
    for (size_t i = 0; i < nj; i++) {
        if (cfg->stop && atomic_load(cfg->stop)) {
            mark_interrupted(&items[i], jobs[i].src, jobs[i].m, jobs[i].version, RES_REASON_INTERRUPTED);
        } else if (p->unreachable) {
            fill_header(&items[i], jobs[i].src, jobs[i].m, jobs[i].version);
            scn_ctx ctx = { .cfg = cfg, .res = &items[i] };
            scn_finish(&ctx, 0, jobs[i].m->load_error[0] ? jobs[i].m->load_error : p->unreachable);
            items[i].input_error = jobs[i].m->load_error[0] != 0;
        } else if (jobs[i].m->load_error[0]) {
            fill_header(&items[i], jobs[i].src, jobs[i].m, jobs[i].version);
            scn_ctx ctx = { .cfg = cfg, .res = &items[i] };
            scn_finish(&ctx, 0, jobs[i].m->load_error);
            items[i].input_error = 1; /* a scenario file that does not load is the user's input */
        } else {
            jobs[runnable++] = jobs[i];
        }
    }
    pl.n = runnable;
    int threads = p->jobs < 1 ? 1 : p->jobs;
    if ((size_t)threads > runnable)
        threads = runnable ? (int)runnable : 1;
    pthread_t tids[64];
    if (threads > 64)
        threads = 64;
    /* A job thread that cannot start leaves its share to the others (the
     * verdicts do not depend on how many run at once); the caller says so. */
    int started = 0, start_err = 0;
    for (int t = 1; t < threads; t++) {
        int rc = mp_thread_start(p->thread_start, &tids[started], worker, &pl);
        if (rc == 0)
            started++;
        else if (!start_err)
            start_err = rc;
    }
    if (p->jobs_started)
        *p->jobs_started = started + 1;
    if (p->jobs_start_error)
        *p->jobs_start_error = start_err;
    worker(&pl);
    for (int t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    scn_controls_free(run_cfg.controls);
    run->items = items;
    run->n = nj;
    free(jobs);
    free(metas);
    return 0;
}

/* ---- TLS version probe -------------------------------------------------- */

/* Did the server speak version v on this connection? A ServerHello that
 * chose v says so, whatever came after it: a close or reset once the server
 * has asked for a certificate is a refusal of the certificate, not of the
 * version. Without a ServerHello, an alert other than protocol_version (70)
 * or a bare handshake_failure (40) still means the version was understood.
 * Otherwise writes why not. */
static int version_spoken(tls_version v, tls_result r, const tls_outcome *o,
                          const tls_capture *cap, char *why, size_t whylen)
{
    uint16_t wire = v == TLS_V1_3 ? 0x0304 : 0x0303;
    if (r == TLS_R_OK || (cap->server_hello_seen && cap->version == wire))
        return 1;
    if (r == TLS_R_ALERT_RECEIVED && o->alert_code != 70 && o->alert_code != 40)
        return 1;
    if (r == TLS_R_ALERT_RECEIVED && o->alert_code == 40 && o->cert_requested)
        return 1;
    if (cap->server_hello_seen) {
        const char *chosen = tls_wire_version_name(cap->version);
        snprintf(why, whylen, "the server chose %s instead", chosen ? chosen : "another version");
    } else if (r == TLS_R_ALERT_RECEIVED) {
        snprintf(why, whylen, "the server answered %s (%d)", tls_alert_name(o->alert_code),
                 o->alert_code);
    } else {
        char d[160];
        tls_outcome_describe(o, d, sizeof d);
        snprintf(why, whylen, "%s before any ServerHello", d);
    }
    return 0;
}

static int probe_versions(const scn_config *cfg, tls_version *versions, int *n,
                          scn_version_skip *skipped, int *n_skipped, mp_err *e)
{
    static const tls_version candidates[] = { TLS_V1_2, TLS_V1_3 };
    const pki_manifest_entry *valid = pki_manifest_find(cfg->fixtures, "client/valid");
    char last_error[300] = "";
    int reached = 0, answered = 0;
    *n = 0;
    *n_skipped = 0;
    for (size_t i = 0; i < 2; i++) {
        tls_client_opts o = { .ca_file = cfg->ca_file, .verify_peer = 0,
                              .version = candidates[i] };
        if (valid && valid->chain) {
            o.chain_file = valid->chain;
            o.key_file = valid->key;
            if (valid->identity) {
                o.chain_pem = valid->identity->chain_pem;
                o.chain_pem_len = valid->identity->chain_pem_len;
                o.key_der = valid->identity->key_der;
                o.key_der_len = valid->identity->key_der_len;
            }
        }
        tls_client cl;
        if (tls_client_init(&cl, &o, e) != 0)
            return -1;
        net_addr addr;
        if (net_resolve(cfg->connect_host, cfg->connect_port, &addr, e) != 0) {
            tls_client_free(&cl);
            return -1;
        }
        int fd;
        mp_err ce;
        net_status ns = net_connect(&addr, tm_mono_ns() + cfg->timeout_ns, &fd, &ce);
        if (ns != NET_OK) {
            str_copy(last_error, sizeof last_error, ce.msg);
            scn_version_skip *sk = &skipped[(*n_skipped)++];
            sk->version = candidates[i];
            snprintf(sk->reason, sizeof sk->reason, "cannot connect: %.180s", ce.msg);
            tls_client_free(&cl);
            continue;
        }
        reached = 1;
        tls_conn c;
        tls_capture cap;
        tls_conn_opts co = { .sni = cfg->sni[0] ? cfg->sni : NULL, .capture = &cap };
        if (tls_conn_init(&c, &cl, fd, &co, e) != 0) { /* closed fd */
            tls_client_free(&cl);
            return -1;
        }
        tls_result r = tls_conn_handshake(&c, tm_mono_ns() + cfg->timeout_ns);
        if (r != TLS_R_TIMEOUT || cap.server_hello_seen)
            answered = 1;
        char why[200] = "";
        if (version_spoken(candidates[i], r, &c.out, &cap, why, sizeof why)) {
            versions[(*n)++] = candidates[i];
        } else {
            scn_version_skip *sk = &skipped[(*n_skipped)++];
            sk->version = candidates[i];
            str_copy(sk->reason, sizeof sk->reason, why);
        }
        tls_conn_close(&c, 0);
        tls_client_free(&cl);
    }
    if (!reached)
        return mp_fail(e, "target unreachable: %s", last_error);
    if (!answered) /* a TCP listener that never speaks TLS: fail fast, not once per scenario */
        return mp_fail(e, "target accepted TCP but answered no TLS handshake within %lld ms",
                       (long long)(cfg->timeout_ns / 1000000));
    return 0;
}

int scn_probe_versions(const scn_config *cfg, tls_version *versions, int *n,
                       scn_version_skip *skipped, int *n_skipped, mp_err *e)
{
    net_guard guard = { .stop = cfg->stop };
    net_guard_set(&guard);
    int rc = probe_versions(cfg, versions, n, skipped, n_skipped, e);
    net_guard_set(NULL);
    if (cfg->stop && atomic_load(cfg->stop))
        return mp_fail(e, "interrupted during the TLS version probe");
    return rc;
}
