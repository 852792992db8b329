/* The helper servers of `mtlsprobe serve` in one event loop: the OCSP
 * responder, CRLs over HTTP and the HTTPS echo upstreams. They run on their
 * own (helpers only) or on a thread beside the reference gateway. */
#ifndef MP_SERVE_HELPERS_H
#define MP_SERVE_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pki/manifest.h"
#include "serve/ocsp.h"
#include "serve/upstream.h"
#include "util/err.h"
#include "util/thread.h"

typedef struct srv_helpers_opts {
    const pki_manifest *fixtures;
    const char *ocsp_listen;       /* NULL: no OCSP responder */
    srv_ocsp_mode ocsp_mode;
    int64_t ocsp_delay_ms;         /* --ocsp-mode slow */
    const char *crl_listen;        /* NULL: no CRL server */
    int crl_stale;
    srv_upstream *upstreams;       /* parsed --upstream specs (initialised here) */
    size_t n_upstreams;
    const char *record_file;       /* --upstream-record: JSON lines; NULL: none */
    int64_t timeout_ms;
    int max_connections;           /* per server; 0: SRV_HTTP_MAX_CONNECTIONS */
    FILE *log;
    mp_thread_start_fn thread_start; /* srv_helpers_spawn; NULL: pthread_create */
} srv_helpers_opts;

typedef struct srv_helpers srv_helpers;

/* Loads, binds every listener and prints what listens where. */
int srv_helpers_start(const srv_helpers_opts *o, srv_helpers **out, mp_err *e);
/* Serves in this thread until SIGINT or SIGTERM. */
void srv_helpers_run(srv_helpers *h);
/* Serves on a new thread until srv_helpers_stop. */
int srv_helpers_spawn(srv_helpers *h, mp_err *e);
void srv_helpers_stop(srv_helpers *h);
void srv_helpers_free(srv_helpers *h);

#endif
