/* Private to the spec loader (spec.c, spec_org.c). */
#ifndef MP_PKI_SPEC_INT_H
#define MP_PKI_SPEC_INT_H

#include <lua.h>

#include "pki/spec.h"

typedef struct load_ctx {
    pki_spec *spec;
    const pki_spec_opts *opts;
    int cert_days, crl_days; /* current defaults, 0: built-in */
} load_ctx;

/* strdup that raises a Lua error when out of memory; NULL stays NULL. */
char *pki_spec_xstrdup(lua_State *L, const char *s);

/* Reads ca{}'s import table (at the top of the stack, popped) into d. */
void pki_spec_read_import(lua_State *L, const char *what, pki_fixture_def *d);
/* omit{} and validity{}; upvalue 1 is the load_ctx. */
int pki_spec_l_omit(lua_State *L);
int pki_spec_l_validity(lua_State *L);
/* The globals import and import_ca, when the options give them. */
void pki_spec_push_import_globals(lua_State *L, const pki_spec_opts *o);

#endif
