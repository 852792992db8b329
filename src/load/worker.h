/* One load worker: a thread with its own event loop, TLS client context and
 * connection slots. Internal to src/load. */
#ifndef MP_LOAD_WORKER_H
#define MP_LOAD_WORKER_H

#include <event2/event.h>
#include <stdatomic.h>

#include "http/http.h"
#include "load/load.h"

#define COARSE (HIST_COUNTS / 4) /* per-second histograms: ~3% resolution */

typedef struct worker worker;

typedef struct slot {
    worker *w;
    int state;
    int fd;
    int have_tls;            /* a TLS connection is open */
    int ssl_ready;           /* tls.ssl exists and can be reused */
    tls_conn tls;
    struct event *ev;
    int64_t intended, start, connected, hs_done, req_sent, first_byte;
    int64_t deadline;        /* of the current step: a peer that drips bytes still times out */
    int resuming;
    int index;               /* in the worker's slots: closed-loop stages use the first ones */
    int ident;               /* fleet member of the current connection (and its session) */
    int session_ident;
    int new_conn;            /* this transaction opened the connection */
    WOLFSSL_SESSION *session;
    http_scan scan;
    size_t req_off;
    char buf[4096];          /* responses are scanned as they stream: no need to hold one */
} slot;

typedef struct load_shared {
    const load_config *c;
    atomic_llong remaining;  /* launches left when count-limited */
    int64_t t0, warm_end, end;
} load_shared;

struct worker {
    int id;
    const load_config *c;
    load_shared *sh;
    struct event_base *base;
    tls_client client;
    slot *slots;
    int n_slots, active, stopping;
    int cursor;              /* open loop: where free_slot looks first */
    double interval_ns;      /* open loop */
    int64_t next_due;
    struct event *tick, *poll;
    int64_t *pending;        /* open loop: intended starts waiting for a slot */
    int pend_head, pend_n, pend_cap;
    uint64_t resume_k;
    uint64_t fleet_k;        /* next fleet member: id, id + threads, ... */
    uint64_t fleet_conns;    /* connections that presented a fleet member */
    uint64_t src_k;          /* next source address */
    double arrival_k;        /* stages, open loop: this worker's next arrival number */
    int stage_conns;         /* stages, closed loop: slots that may run now */
    load_stage_result *stage_r;
    load_result r;
    uint32_t (*sec_hist)[COARSE];
    uint64_t *sec_ok, *sec_err;
    int max_secs;
    atomic_ullong live_ok, live_err;
    double busy;             /* CPU share of this thread */
    int64_t verbose_sec;     /* -v: the second being rate-limited, and how many printed in it */
    int verbose_n;
    char err[256];
};

int worker_init(worker *w, int id, load_shared *sh, int n_slots, double rate, mp_err *e);
void *worker_main(void *arg);
void worker_free(worker *w);

#endif
