/* Lua embedding shared by fixture specs and scenarios: creating states,
 * running files so every error reads "file:line: message", and checked
 * access to the tables that scripts pass to C. */
#ifndef MP_SCRIPT_H
#define MP_SCRIPT_H

#include <lua.h>
#include <lauxlib.h>
#include <stdint.h>

#include "util/err.h"

/* A state with the standard libraries. */
lua_State *scr_new(mp_err *e);

/* A state that may use at most max_bytes of memory and run about
 * max_instructions VM instructions; past either, Lua raises an error
 * ("not enough memory", "stopped after N million Lua instructions"). For
 * code that should finish quickly (fixture specs), so a runaway loop or
 * allocation becomes an error instead of a hang. Close with scr_close. */
lua_State *scr_new_bounded(size_t max_bytes, unsigned long max_instructions, mp_err *e);

/* Closes any state from scr_new or scr_new_bounded. */
void scr_close(lua_State *L);

/* Loads and runs a file; on error e->msg is "file:line: message". */
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
