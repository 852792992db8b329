/* One load worker: a thread with its own event loop, TLS client context and
 * connection slots. Internal to src/load. */
#ifndef MP_LOAD_WORKER_H
#define MP_LOAD_WORKER_H

#include <event2/event.h>
#include <stdatomic.h>

#include "http/http.h"
#include "load/load.h"
#include "load/series.h"
#include "net/transport.h"
#include "proto/mqtt.h"
#include "proto/proto.h"
#include "tls/transport_tls.h"


typedef struct worker worker;
typedef struct slot slot;

enum { S_IDLE, S_CONNECT, S_HANDSHAKE, S_TICKET, S_WRITE, S_READ, S_H2 };

/* One HTTP/2 stream: a transaction of its own on a shared connection. */
typedef struct h2_stream {
    slot *s;
    int used;
    int new_conn;            /* the first stream of its connection: carries connect and handshake */
    int status;
    int64_t intended, start, sent, first_byte;
} h2_stream;

struct slot {
    worker *w;
    int state;
    int fd;
    int have_conn;           /* a connection is set up (connected, TLS started) */
    int ssl_ready;           /* tls has a TLS object that can be reused */
    net_transport xp;        /* all I/O and closing: plain TCP while connecting, then TLS */
    tls_conn tls;            /* the TLS connection under xp, and its handshake's outcome */
    struct event *ev;
    int ev_fd;               /* the socket ev is registered for, or -1 */
    short ev_what;           /* ... and for which directions */
    int64_t relaunch_at;     /* intended start of a launch deferred to the loop */
    int refused;             /* consecutive connects refused or failed: the backoff's step */
    int backing_off;         /* waiting out that backoff (idle, but not free to launch) */
    short want;              /* EV_READ / EV_WRITE: what the current step waits for */
    int64_t ev_until;        /* the wait's deadline (0: none) */
    int64_t intended, start, connected, hs_done, req_sent, first_byte;
    int connect_pending;     /* the ClientHello went out before the TCP connection
                              * was known to be up: until it is, failures and
                              * timeouts are the connect's (worker_launch) */
    int64_t deadline;        /* of the current step: a peer that drips bytes still times out */
    int resuming;
    int index;               /* in the worker's slots: closed-loop stages use the first ones */
    int ident;               /* fleet member of the current connection (and its session) */
    int session_ident;
    int new_conn;            /* this transaction opened the connection */
    tls_session *session;
    http_load_reader resp;
    mqtt_reader mq;          /* PROTO_MQTT: the broker's packets (the CONNACK, PUBACKs) */
    int mq_ready;            /* publish mode: the connection's CONNACK came */
    uint16_t mq_id;          /* ... the last PUBLISH's packet id */
    uint8_t mq_out[1024];    /* ... that PUBLISH */
    uint8_t tail[LOAD_MAX_EXPECT]; /* tls:// request mode: the last bytes read, for --expect */
    size_t tail_len;
    const char *out;         /* what the current request writes: the config's, or mq_out */
    size_t out_len;
    size_t req_off;
    struct http_h2c *h2;     /* --http2: the connection's session */
    h2_stream *streams;      /* --http2: c->streams of them, allocated once */
    int h2_cursor;
};

typedef struct load_shared {
    const load_config *c;
    atomic_llong remaining;  /* launches left when count-limited */
    atomic_int abort;        /* a thread could not start: every worker stops */
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
    int launching;           /* inside worker_launch: a slot freed now relaunches from the loop */
    int backing_off;         /* slots waiting out a connect backoff */
    uint64_t src_k;          /* next source address */
    double arrival_k;        /* stages, open loop: this worker's next arrival number */
    int stage_conns;         /* stages, closed loop: slots that may run now */
    load_stage_result *stage_r;
    load_result r;
    load_series series;      /* the JSON's series, read once the thread is joined */
    /* The progress line's last seconds, read while the run goes: second t
     * is in live_hist[t % 4] while live_tag[t % 4] == t. */
    _Atomic uint32_t live_hist[4][COARSE];
    _Atomic int64_t live_tag[4];
    atomic_ullong live_ok, live_err;
    double busy;             /* CPU share of this thread */
    int64_t verbose_sec;     /* -v: the second being rate-limited, and how many printed in it */
    int verbose_n;
    char err[256];
    /* Every read is consumed at once (scanned, fed to HTTP/2 or dropped), so
     * one buffer per worker serves all its connections: 16 KiB here instead
     * of 4 KiB in each of 10,000 slots. */
    char buf[16384];
    struct http_h2c_pool *h2pool; /* --http2: sessions' memory, reused */
    tls_shared_session shared; /* keep-alive without --resume: one session for all connections */
};

/* Shared by worker.c and h2drive.c (internal to src/load). */
int worker_measured(const worker *w, int64_t t);
int worker_claim(worker *w);
void worker_arm(slot *s, short what, int64_t timeout_ns);
void worker_disarm(slot *s);
void worker_idle(slot *s);
void worker_close_conn(slot *s, int rst);
void worker_next_for_slot(slot *s);
void worker_succeed(slot *s, int64_t end);
void worker_keep_session(slot *s); /* --resume: remember the session for a later connection */
/* Keep-alive without --resume: the connection gives up its own session
 * object for the worker's shared one (tls_conn_share_session). */
void worker_share_session(slot *s);
void worker_count_error(worker *w, int64_t intended, load_error cls, int alert, int status, const char *text);
void worker_slot_cb(evutil_socket_t fd, short what, void *arg);
/* Starts one transaction: a new connection, or the next request on an open
 * keep-alive connection (worker.c). */
void worker_launch(slot *s, int64_t intended);
/* The same, from the event loop's next turn. */
void worker_launch_later(slot *s, int64_t intended);
/* Closed loop, after connects that were refused or failed: how long the
 * slot waits before its next one (0: none). 10 ms after the first, doubling
 * to at most 1 s; a connection that gets through starts it over. */
#define WORKER_BACKOFF_FIRST_NS (10 * 1000000LL)
#define WORKER_BACKOFF_MAX_NS (1000 * 1000000LL)
int64_t worker_backoff_ns(const slot *s);
/* Launches the slot's next transaction (already claimed) after delay_ns;
 * a duration-bound run that ends meanwhile drops it. */
void worker_launch_after(slot *s, int64_t delay_ns);

/* HTTP/2 (h2drive.c): after the handshake, start the session and the first
 * streams; move bytes; end every stream of a failed connection; give an
 * open-loop arrival to a connection with room for another stream. */
void worker_h2_start(slot *s);
void worker_h2_pump(slot *s);
void worker_h2_fail(slot *s, load_error cls, int alert, const char *text);
int worker_h2_offer(worker *w, int64_t intended);
int worker_h2_in_flight(const slot *s, int64_t now, int64_t *sum_age, int64_t *max_age);

int worker_init(worker *w, int id, load_shared *sh, int n_slots, double rate, mp_err *e);
void *worker_main(void *arg);
void worker_free(worker *w);

#endif
