/* The scenario module's private view of a connection, shared by the `t`
 * API (ctx.c) and its audit additions (audit.c). Not for other modules. */
#ifndef MP_SCENARIO_CONN_H
#define MP_SCENARIO_CONN_H

#include "scenario/scenario.h"
#include "tls/audit.h"

#define CTX_MT "mtlsprobe.t"
#define CONN_MT "mtlsprobe.conn"
#define SESSION_MT "mtlsprobe.session"

typedef struct scn_conn {
    scn_ctx *ctx;
    char fixture[128];
    char addr[80];
    net_status net;          /* NET_OK once TCP connected */
    char net_error[256];
    int have_tls;
    tls_client client;
    tls_conn conn;
    double connect_ms;
    int requested;           /* a request was made */
    int responded;           /* ... and a response arrived */
    http_response resp;
    char http_error[200];
    double first_byte_ms;
    tls_outcome after;       /* the connection's state after the request */
    uint8_t *chain[8];       /* the server's certificates, as sent */
    size_t chain_len[8];
    int n_chain;
    tls_capture capture;     /* the server's handshake messages */
} scn_conn;

scn_ctx *scn_check_ctx(lua_State *L, int idx);
scn_conn *scn_check_conn(lua_State *L, int idx);

/* The audit's additions to t and to connections (scenario/audit.c):
 * scn_audit_register adds methods to the method tables at the given stack
 * indexes (0: none); the index hooks push the value of a key they know and
 * return 1, or push nothing and return 0. */
void scn_audit_register(lua_State *L, int ctx_methods, int conn_methods);
int scn_audit_ctx_index(lua_State *L, scn_ctx *ctx, const char *key);

/* Audit fields of c (cipher_iana, server_hello, cert_request, ocsp, ...):
 * pushes the value and returns 1, or returns 0 for a key it does not know. */
int scn_audit_conn_index(lua_State *L, scn_conn *c, const char *key);

/* Adds key_type, key_bits, sig_alg, sig_hash, eku, is_ca, self_issued and
 * the validity in seconds to the certificate table on the stack top. */
void scn_audit_cert_fields(lua_State *L, const uint8_t *der, size_t len);

/* Pushes { status, headers (names lower case), body }. */
void scn_push_response(lua_State *L, const http_response *r);

/* The bypass and upstream suites' additions (scenario/bypass.c), hooked
 * in like the audit's. */
void scn_bypass_register(lua_State *L, int ctx_methods, int conn_methods);
int scn_bypass_ctx_index(lua_State *L, scn_ctx *ctx, const char *key);

#endif
