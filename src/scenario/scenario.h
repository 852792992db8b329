/* Scenarios: Lua files that drive connections to a gateway through the
 * context `t` and record expectations; the runner turns each run (one per
 * TLS version for client-auth scenarios) into a verdict with evidence.
 * The Lua API is documented in docs/scenarios.md. */
#ifndef MP_SCENARIO_H
#define MP_SCENARIO_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "http/http.h"
#include "net/net.h"
#include "pki/manifest.h"
#include "proto/proto.h"
#include "results/results.h"
#include "tls/tls.h"
#include "util/err.h"

/* The run's positive controls, shared by its jobs (scenario/conn.c). */
typedef struct scn_controls scn_controls;
scn_controls *scn_controls_new(void);
void scn_controls_free(scn_controls *s);

/* What every scenario run shares, read-only (the control cache locks itself). */
typedef struct scn_config {
    net_url target;
    char sni[256];           /* "" for none */
    char connect_host[256];  /* where to connect (default: the target's host) */
    int connect_port;
    const char *ca_file;     /* trust for the gateway's certificate */
    int verify_peer;
    const http_header *headers; /* --header, added to every request */
    size_t n_headers;
    proto_config app;        /* what the target's protocol sends (--send, --expect, MQTT's
                              * --mqtt-version, --client-id, --username, --password) */
    int64_t timeout_ns;      /* per network step */
    const pki_manifest *fixtures;
    int expect_mtls;         /* the target should require client certificates */
    const char *control_cert; /* --control: the identity the gateway must accept */
    scn_controls *controls;  /* made by scn_run_all */
    /* The audit (scenarios/audit/): the profile it judges against, a
     * built-in one (text) or a file (path), and its inputs. */
    const char *profile_name;
    const char *profile_text; /* built-in profile source, or NULL */
    size_t profile_len;
    const char *profile_file; /* a user's profile file, or NULL */
    const char *const *pins;  /* --pin sha256/BASE64 */
    size_t n_pins;
    int64_t expiry_warn_s;    /* --expiry-warn */
    /* The bypass and upstream suites (scenarios/bypass/, scenarios/upstream/). */
    const char *mtls_host;    /* --mtls-host: the name that requires client certificates */
    const char *public_host;  /* --public-host: a name served without them */
    const char *other_mtls_host;   /* --other-mtls-host: an mTLS name trusting another CA */
    const char *other_client_cert; /* --other-client-cert: a fixture that host accepts */
    const char *echo_path;    /* --echo: a path the gateway proxies to an echo upstream */
    const char *upstream_prefix;      /* --upstream-prefix (default "/upstream/") */
    const char *upstream_client_cert; /* --upstream-client-cert (default "client/valid") */
    const char *revocation;   /* --revocation: ocsp, ocsp-down, crl-stale, or NULL */
    const char *ocsp_responder; /* --ocsp-responder: serve's responder, for its control paths */
    /* How scenario and profile files run (scn_new_state): bounded always,
     * sandboxed unless trust_scripts (--trust-scripts); time_limit_ns
     * (--scenario-time-limit, 0: none) replaces each scenario's time limit;
     * stop (set by SIGINT/SIGTERM) ends the code and network steps running. */
    int trust_scripts;
    int64_t time_limit_ns;
    const atomic_int *stop;
} scn_config;

/* How bad one recorded expectation was; the worst decides the verdict. An
 * observation (INFO) is below a pass: a scenario that only observed is
 * INFO, one that also judged something takes that judgement. */
typedef enum scn_level { SCN_LV_INFO, SCN_LV_PASS, SCN_LV_INCONCLUSIVE, SCN_LV_FAIL, SCN_LV_ERROR } scn_level;

/* One scenario run. */
typedef struct scn_ctx {
    const scn_config *cfg;
    tls_version version;     /* pinned for this run, or TLS_ANY */
    res_scenario *res;
    int decided;             /* an expectation set the verdict */
    int worst;               /* the worst scn_level recorded */
    int skipped;
    int input_error;         /* raised for an input problem, e.g. an unknown fixture */
} scn_ctx;

/* Opens the `t` API in L: the metatables for t, connections and sessions,
 * and pushes the t object for ctx. */
void scn_push_context(lua_State *L, scn_ctx *ctx);

/* Resolves --profile NAME|FILE.lua: a built-in profile by name, else a
 * file. Then loads it in a fresh state and checks it against the audit
 * library's rule list; -1 with one line for any problem. */
int scn_profile_resolve(scn_config *cfg, const char *arg, mp_err *e);
int scn_profile_check(const scn_config *cfg, mp_err *e);
/* Pushes the profile table (loading it once per Lua state). */
int scn_profile_push(lua_State *L, const scn_config *cfg, mp_err *e);

/* Finishes a run's verdict after the scenario function returned (ok = 1)
 * or raised (ok = 0, msg = "file:line: ..."). */
void scn_finish(scn_ctx *ctx, int ok, const char *msg);

#endif
