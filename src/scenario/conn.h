/* The scenario module's private view of a connection, shared by the `t`
 * API (ctx.c), the connection object (connobj.c), the Lua-free connection
 * code (conn.c) and the suites' additions (audit.c, bypass.c). Not for
 * other modules. */
#ifndef MP_SCENARIO_CONN_H
#define MP_SCENARIO_CONN_H

#include "http/client.h"
#include "net/transport.h"
#include "proto/proto.h"
#include "scenario/scenario.h"
#include "scenario/verdict.h"
#include "tls/audit.h"
#include "tls/transport_tls.h"

#include <lauxlib.h>

#define CTX_MT "mtlsprobe.t"
#define CONN_MT "mtlsprobe.conn"
#define SESSION_MT "mtlsprobe.session"

/* How a connection was made: everything a control must repeat. */
typedef struct scn_conn_spec {
    char cert[128];           /* fixture name, "" for none */
    tls_version version;
    int verify;
    char ciphers[4096];
    char groups[128];
    char sigalgs[256];
    int ocsp, no_ticket, renegotiation, post_handshake_auth;
    char early_data[1024];     /* sent as TLS 1.3 0-RTT data with the resumed session */
    int sni_set;              /* 0: no SNI */
    char sni[256];
    char alpn[64];
    char host[256];           /* where to connect */
    int port;
} scn_conn_spec;

typedef struct scn_conn {
    scn_ctx *ctx;
    scn_conn_spec spec;
    char fixture[128];
    char addr[80];
    net_status net;          /* NET_OK once TCP connected */
    char net_error[256];
    int have_tls;
    tls_client client;
    tls_conn conn;
    net_transport xp;        /* conn as a transport: every request goes through it */
    double connect_ms;
    int requested;           /* a request was made */
    char *request;           /* ... these bytes, which a control repeats */
    size_t request_len;
    int responded;           /* ... and the application answered */
    proto_answer answer;     /* ... this (every scheme) */
    http_response resp;      /* ... in these words (https:// and grpcs://) */
    char app_error[200];     /* why there was no answer */
    double first_byte_ms;
    tls_outcome after;       /* the connection's state after the request */
    uint8_t *chain[8];       /* the server's certificates, as sent */
    size_t chain_len[8];
    int n_chain;
    tls_capture capture;     /* the server's handshake messages */
} scn_conn;

/* Opens a connection as s says (resuming a session when given) and runs
 * the handshake. -1 only for what the scenario got wrong (an unknown
 * fixture, a bad option); network and TLS outcomes are recorded in c. */
int scn_conn_open(scn_conn *c, scn_ctx *ctx, const scn_conn_spec *s, tls_session *resume, mp_err *e);

/* Sends one request in the target's protocol (the scheme's handler,
 * proto/proto.h: raw HTTP/1.1 bytes, --send's bytes, an MQTT CONNECT, a
 * gRPC message) and reads the answer into c. */
void scn_conn_send(scn_conn *c, const char *req, size_t req_len);

/* The run's default request for the target's scheme (GET the target's
 * path with --header; an MQTT CONNECT; the gRPC call; --send), sent. */
int scn_conn_default_request(scn_conn *c, mp_err *e);

/* Frees what c holds and closes it; c itself is the caller's. */
void scn_conn_release(scn_conn *c);

/* What the connection came to, for the verdict module. */
void scn_conn_observe(const scn_conn *c, vd_obs *o);

/* How a run's control cache makes a control it has not seen: opens a
 * connection as spec says, sends request when the handshake succeeded and
 * observes it into *out; -1 (e says why) when it cannot be made. The run's
 * is a real connection; a unit test passes its own to
 * scn_controls_new_with (NULL: the real one). */
typedef int (*scn_control_maker)(scn_ctx *ctx, const scn_conn_spec *spec, const char *request,
                                 size_t request_len, vd_obs *out, mp_err *e);
scn_controls *scn_controls_new_with(scn_control_maker make);

/* The positive control for c: the same conditions and request with the
 * identity `fixture`, made once per run and cached. -1 when it cannot be
 * made (unknown fixture). */
int scn_control_observe(scn_ctx *ctx, const scn_conn *c, const char *fixture, vd_obs *out, mp_err *e);

scn_ctx *scn_check_ctx(lua_State *L, int idx);
scn_conn *scn_check_conn(lua_State *L, int idx);

/* A suite's additions to t and to connections (audit.c, bypass.c): methods
 * for each (NULL: none), and index hooks that push the value of a key they
 * know and return 1, or push nothing and return 0. ctx.c lists them. */
typedef struct scn_extension {
    const luaL_Reg *t_methods;
    const luaL_Reg *conn_methods;
    int (*ctx_index)(lua_State *L, scn_ctx *ctx, const char *key);
    int (*conn_index)(lua_State *L, scn_conn *c, const char *key);
} scn_extension;

extern const scn_extension scn_audit_extension;
extern const scn_extension scn_bypass_extension;

/* Adds every suite's methods to the method table at ctx_methods (t) or at
 * conn_methods (connections); one of the two is 0. */
void scn_extensions_register(lua_State *L, int ctx_methods, int conn_methods);
int scn_extensions_ctx_index(lua_State *L, scn_ctx *ctx, const char *key);
int scn_extensions_conn_index(lua_State *L, scn_conn *c, const char *key);

/* t:connect{...} (connobj.c). */
int scn_l_connect(lua_State *L);

/* Sends a request built from the c:request{} options at stack index opts,
 * or the run's default request when opts is 0 (connobj.c). */
void scn_lua_request(lua_State *L, scn_conn *c, int opts);

/* The connection and session metatables (connobj.c). */
void scn_conn_register(lua_State *L);

/* Adds key_type, key_bits, sig_alg, sig_hash, eku, is_ca, self_issued and
 * the validity in seconds to the certificate table on the stack top. */
void scn_audit_cert_fields(lua_State *L, const uint8_t *der, size_t len);
/* Pushes one certificate as the table c.peer_chain holds; -1 (nothing
 * pushed) when the DER does not parse. */
int scn_push_cert(lua_State *L, const uint8_t *der, size_t len);

/* The audit's hand-built probes, t:hello, t:sslv2, t:insecure_renegotiation,
 * t:secure_renegotiation, t:ticketbleed and t:robot (probe.c). */
int scn_l_hello(lua_State *L);
int scn_l_sslv2(lua_State *L);
int scn_l_insecure_renegotiation(lua_State *L);
int scn_l_secure_renegotiation(lua_State *L);
int scn_l_ticketbleed(lua_State *L);
int scn_l_robot(lua_State *L);
/* Pushes { status, headers (names lower case), header_list, body }. */
void scn_push_response(lua_State *L, const http_response *r);

#endif
