/* The scenario runner: loads scenario files (or the built-in suite), checks
 * their metadata, filters them, plans one run per TLS version where asked,
 * runs the jobs on N threads (each with its own Lua state) and collects the
 * verdicts in a stable order. */
#ifndef MP_SCENARIO_RUNNER_H
#define MP_SCENARIO_RUNNER_H

#include <stdatomic.h>

#include "scenario/scenario.h"
#include "util/thread.h"

/* A built-in file: path relative to scenarios/ and its text. */
typedef struct scn_builtin {
    const char *path;
    const char *text;
    size_t len;
} scn_builtin;

/* Defined in the generated builtin_scenarios.c. */
extern const scn_builtin scn_builtins[];
extern const size_t scn_builtins_count;

typedef struct scn_source {
    char *name;       /* a path, or "builtin:client-auth/expired.lua" */
    const char *text; /* built-in text, or NULL to read name from disk */
    size_t len;
} scn_source;

typedef struct scn_list {
    scn_source *v;
    size_t n;
} scn_list;

/* Adds a file or, recursively, the *.lua files of a directory (sorted). */
int scn_list_add_path(scn_list *l, const char *path, mp_err *e);
/* Adds a built-in suite: "client-auth" (scenarios/client-auth/), "audit"
 * (scenarios/audit/) or "all" (both); -1 for another name. */
int scn_list_add_builtin(scn_list *l, const char *suite, mp_err *e);
void scn_list_free(scn_list *l);

/* Whether a scenario of l, or the scenario library, names `name` as a
 * quoted string ("client/gateway" or 'client/gateway'): how run tells an
 * --identity for a fixture a scenario uses from a typo. */
int scn_list_mentions(const scn_list *l, const char *name);

/* A scenario's bounds (script/script.h): SCN_MAX_BYTES of memory,
 * SCN_MAX_INSTRUCTIONS, and a time limit of SCN_TIME_BASE_S plus three
 * times --timeout for each connection it opened, at most SCN_TIME_MAX_S;
 * a scenario's own time_limit field, or --scenario-time-limit, replaces it. */
#define SCN_MAX_BYTES (128u << 20)
#define SCN_MAX_INSTRUCTIONS 1000000000UL
#define SCN_TIME_BASE_S 30
#define SCN_TIME_MAX_S 600

/* A bounded Lua state for a scenario or profile file (path; NULL for a
 * built-in one), sandboxed unless cfg->trust_scripts; require() finds
 * scenarios/lib/ among the built-ins and, sandboxed, modules beside path.
 * own_limit_ns: the scenario's time_limit (0: the default); connects: the
 * count its time limit grows with (NULL: none). Close with scr_close. */
lua_State *scn_new_state(const scn_config *cfg, const char *path, int64_t own_limit_ns,
                         const unsigned long *connects, mp_err *e);

/* Runs a chunk (text named chunk, or the file at path when text is NULL)
 * and leaves its one result on the stack; -1 with "file:line: message". */
int scn_run_chunk(lua_State *L, const char *text, size_t len, const char *chunk,
                  const char *path, mp_err *e);

typedef struct scn_filter {
    const char *const *only;  /* globs on ids; any must match */
    size_t n_only;
    const char *const *skip;  /* globs on ids; none may match */
    size_t n_skip;
    const char *const *tags;  /* a scenario must carry one of these */
    size_t n_tags;
} scn_filter;

typedef struct scn_plan {
    tls_version versions[2]; /* for per-TLS-version scenarios */
    int n_versions;
    tls_version single;      /* for the others */
    int jobs;                /* threads */
    const char *unreachable; /* set: every scenario is an ERROR with this reason */
    mp_thread_start_fn thread_start; /* NULL: pthread_create (tests make a start fail) */
    int *jobs_started;       /* set: how many job threads ran, the caller's own included
                              * (fewer than jobs when some could not start: the
                              * scenarios all run, on those that did) */
    int *jobs_start_error;   /* set: the errno of the first start that failed, else 0 */
} scn_plan;

/* Before any connection: every --only and --skip glob and every tag must
 * match a scenario of l, and the selection must leave one; -1 naming the
 * pattern otherwise. where names l in the message. */
int scn_select_check(const scn_list *l, const scn_filter *f, const scn_config *cfg, const char *where,
                     mp_err *e);

/* Runs everything; results are appended to run->items in scenario order,
 * then TLS version. Per-scenario problems become ERROR verdicts; -1 only
 * for setup failures. Once cfg->stop is set, the running scenarios stop
 * within a fraction of a second and they and those not yet started are
 * SKIPs, "interrupted". */
int scn_run_all(const scn_list *l, const scn_filter *f, const scn_plan *p,
                const scn_config *cfg, res_run *run, mp_err *e);

/* A TLS version the probe left out, and what the server did instead. */
typedef struct scn_version_skip {
    tls_version version;
    char reason[200];
} scn_version_skip;

/* Which of TLS 1.2 and 1.3 the target speaks. Fills versions/n, and
 * skipped/n_skipped (room for 2) with each version left out and why. A
 * version whose ServerHello arrived is kept, whatever happened after it (a
 * refusal of the probe's certificate is the scenarios' business). -1 with a
 * reason when the target cannot be reached at all, or when cfg->stop was
 * set (its waits end within 100 ms of it). */
int scn_probe_versions(const scn_config *cfg, tls_version *versions, int *n,
                       scn_version_skip *skipped, int *n_skipped, mp_err *e);

#endif
