/* Lua embedding shared by fixture specs and scenarios: creating states,
 * running files so every error reads "file:line: message", and checked
 * access to the tables that scripts pass to C. */
#ifndef MP_SCRIPT_H
#define MP_SCRIPT_H

#include <lua.h>
#include <lauxlib.h>
#include <stdatomic.h>
#include <stdint.h>

#include "util/err.h"

/* The limits of a bounded state. Past one of them the running code stops
 * with an error at its file:line that names the limit; from then on every
 * instruction raises it again, so a pcall() cannot catch it and go on. */
typedef struct scr_bounds {
    size_t max_bytes;               /* memory; past it Lua raises "not enough memory" */
    unsigned long max_instructions; /* VM instructions, counted in steps of 10000 */
    /* Wall-clock, from the state's creation: time_ns plus time_per_step_ns
     * for each *steps (e.g. the connections a scenario opened), at most
     * time_max_ns (0: no ceiling). time_ns 0: no time limit. */
    int64_t time_ns;
    int64_t time_per_step_ns;
    int64_t time_max_ns;
    const unsigned long *steps;     /* read by the hook, on the state's thread; may be NULL */
    const char *time_hint;          /* appended to the time message ("set time_limit to ..."); may be NULL */
    const atomic_int *stop;         /* non-zero (SIGINT): the code stops as "interrupted"; may be NULL */
} scr_bounds;

/* A state with the standard libraries under bounds b, which the state
 * copies (the pointers in it must outlive the state). For code from
 * outside, so a runaway loop or allocation becomes an error instead of a
 * hang. Close with scr_close. */
lua_State *scr_new_bounded(const scr_bounds *b, mp_err *e);

/* Which bound, if any, stopped the code of a bounded state. */
typedef enum scr_stop {
    SCR_STOP_NONE = 0,
    SCR_STOP_INSTRUCTIONS,
    SCR_STOP_TIME,
    SCR_STOP_MEMORY,
    SCR_STOP_INTERRUPT,
} scr_stop;
scr_stop scr_stopped(lua_State *L);

/* The sandbox for scenario, profile and fixture-spec files: removes what
 * reaches outside the process (os.execute, os.exit, os.remove, os.rename,
 * os.tmpname, os.setlocale, io, package.loadlib, package.searchpath,
 * dofile, loadfile, string.dump, debug) and makes load() refuse binary
 * chunks. os.time, os.clock, os.date, os.difftime and os.getenv stay.
 * require() then finds modules in package.preload and as NAME.lua under
 * each of dirs (NAME: letters, digits, '_', '-', and '.' for '/'), read as
 * text; callers add their own searchers after it. */
void scr_sandbox(lua_State *L, const char *const *dirs, size_t n_dirs);

/* Calls the function below nargs arguments on the stack with a message
 * handler that gives every error a file:line; on error e->msg says what
 * happened, and for an allocation past a bounded state's memory limit,
 * "NAME: not enough memory: stopped at N MiB, the limit (an endless
 * allocation?)". Returns the lua_pcall status. */
int scr_pcall(lua_State *L, int nargs, int nresults, const char *name, mp_err *e);

/* Closes a state from scr_new_bounded. */
void scr_close(lua_State *L);

/* Loads (as text) and runs a file; on error e->msg is "file:line: message". */
int scr_run_file(lua_State *L, const char *path, mp_err *e);

/* Same for an in-memory chunk; `name` appears in messages as the file. */
int scr_run_buffer(lua_State *L, const char *buf, size_t len, const char *name,
                   mp_err *e);

/* Pushes t[field] without metamethods and returns its type. Raw access means
 * a string read from the table stays anchored by the table itself. */
int scr_rawfield(lua_State *L, int idx, const char *field);

/* Helpers for C functions called from Lua with a table argument at `idx`.
 * All read fields raw (see scr_rawfield).
 * On a bad value they raise a Lua error that names the caller's file:line,
 * the field and what was expected. `what` names the table ("client{}"). */
void scr_check_known_fields(lua_State *L, int idx, const char *what,
                            const char *const *known);
const char *scr_field_string(lua_State *L, int idx, const char *what,
                             const char *field, const char *def);
int scr_field_bool(lua_State *L, int idx, const char *what, const char *field,
                   int def);
lua_Integer scr_field_int(lua_State *L, int idx, const char *what,
                          const char *field, lua_Integer def);
/* Pushes the field if it is a table (returns 1), leaves nothing if absent
 * (returns 0), raises an error for any other type. */
int scr_field_table(lua_State *L, int idx, const char *what, const char *field);

/* Sets field k of the table on the stack top to a string, integer or
 * boolean: for C functions that return tables of facts. */
void scr_set_str(lua_State *L, const char *k, const char *v);
void scr_set_int(lua_State *L, const char *k, lua_Integer v);
void scr_set_bool(lua_State *L, const char *k, int v);

/* The caller's "file:line" (level 1 = the Lua code calling a C function). */
void scr_where(lua_State *L, int level, char *out, size_t outlen);

#endif
