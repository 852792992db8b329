/* `mtlsprobe load`: concurrent mTLS handshakes (and requests) at a fixed
 * concurrency (closed loop) or a fixed rate (open loop), on one event loop
 * per worker thread. Workers share only the read-only config; each records
 * into its own histograms and counters, merged when the run ends. After
 * warm-up the worker hot path allocates nothing of its own, takes no lock
 * and runs no Lua (wolfSSL allocates inside a handshake as it always does). */
#ifndef MP_LOAD_H
#define MP_LOAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"
#include "pki/fleet.h"
#include "results/hist.h"
#include "tls/tls.h"
#include "util/err.h"
#include "util/thread.h"

typedef enum load_mode { LOAD_HANDSHAKE, LOAD_REQUEST, LOAD_KEEPALIVE } load_mode;

typedef enum load_error {
    LE_CONNECT_REFUSED, LE_CONNECT_TIMEOUT, LE_CONNECT_OTHER,
    LE_ALERT, LE_VERIFY, LE_RESET, LE_CLOSED, LE_TIMEOUT, LE_TLS_OTHER,
    LE_APP_REFUSED,   /* the application refused: an HTTP status other than 2xx, a CONNACK refusal */
    LE_APP_MALFORMED, /* the application's answer broke its protocol */
    LE_BACKLOG,
    LE_COUNT
} load_error;

/* The class's name in the words of the target's protocol (proto_kind):
 * "HTTP status" and "malformed HTTP" over HTTP, "MQTT refused" (a CONNACK or a PUBACK) and
 * "malformed MQTT" over MQTT. */
const char *load_error_name(load_error e, int proto);

/* One distinct error message and how often it occurred. */
#define LOAD_MAX_SAMPLES 8
typedef struct load_error_sample {
    load_error cls;
    char text[160];
    uint64_t count;
} load_error_sample;

/* One stage of --stages: ramp linearly from the previous stage's target
 * (0 before the first) to this one's over its duration. The target is new
 * transactions per second (open loop) or concurrent connections. */
#define LOAD_MAX_STAGES 16
typedef struct load_stage {
    int64_t duration_ns;
    double target;
} load_stage;

/* "10s:100/s,30s:800/s,10s:0/s" (open loop) or "10s:50,30s:200" (closed
 * loop); every stage must be of the same kind. */
int load_stages_parse(const char *spec, load_stage *out, int *n, int *open_loop, mp_err *e);
/* The target at t ns after the stages began (the last target afterwards). */
double load_stages_target(const load_stage *s, int n, int64_t t);
/* 0-based stage at t; n when past the end. */
int load_stages_index(const load_stage *s, int n, int64_t t);
/* When the open-loop schedule reaches k arrivals (ns after the start);
 * -1 when it never does before the stages end. */
int64_t load_stages_arrival(const load_stage *s, int n, double k);
int64_t load_stages_total_ns(const load_stage *s, int n);

#define LOAD_MAX_EXPECT 256

typedef struct load_config {
    net_addr addr;
    char sni[256];             /* "" for none */
    tls_client_opts tls;
    load_mode mode;
    int close_rst;             /* handshake mode: close with RST instead of FIN */
    int proto;                 /* the target's application protocol (proto_kind): PROTO_HTTP, or
                                * PROTO_MQTT (request mode: CONNECT and its CONNACK per
                                * connection), PROTO_TLS (handshake mode only) */
    int mqtt_version;          /* PROTO_MQTT: 4 (3.1.1) or 5 */
    const char *mqtt_topic;    /* PROTO_MQTT keepalive (publish) mode: each transaction a QoS 1
                                * PUBLISH of mqtt_body to this topic, and its PUBACK */
    const char *mqtt_body;
    const uint8_t *expect;     /* PROTO_TLS request mode: the bytes that end a transaction well
                                * (--expect, at most LOAD_MAX_EXPECT), after --send's request */
    size_t expect_len;
    const char *request;       /* the request bytes (request/keepalive modes): HTTP, or the CONNECT */
    size_t request_len;
    int connections;           /* concurrency for this process (after sharding) */
    double rate;               /* new handshakes/requests per second; 0: closed loop */
    int64_t duration_ns;       /* 0 with count set: until count */
    int64_t warmup_ns;
    uint64_t count;            /* 0: unlimited */
    double resume_ratio;
    int threads;
    int64_t timeout_ns;        /* a deadline per step: connect, handshake, write, read */
    int verbose;               /* print errors as they happen (at most 10 a second per worker) */
    atomic_int *stop;          /* set (e.g. by SIGINT) to end early */
    int http2;                 /* ALPN h2; requests as HTTP/2 streams */
    int streams;               /* --http2 keepalive: concurrent streams per connection */
    const struct http_h2c_request *h2req;
    const pki_fleet *fleet;    /* NULL: every connection presents tls's identity */
    const net_addr *sources;   /* local addresses to bind, used in turn; NULL: the kernel's choice */
    int n_sources;
    load_stage stages[LOAD_MAX_STAGES];
    int n_stages;              /* 0: no stages; else duration_ns is their sum and, in open
                                * loop, rate their highest target */
    int series_cap;            /* entries of the series before it folds; 0: LOAD_MAX_SECONDS
                                * (tests set a small one to see folding in a short run) */
    mp_thread_start_fn thread_start; /* NULL: pthread_create (tests make a start fail) */
} load_config;

/* The series holds at most this many entries: a longer run's entries cover
 * 2, 4, 8... seconds (load_result.series_step_s), so runs of any length keep
 * one (a 3-hour soak: 4-second entries). */
#define LOAD_MAX_SECONDS 3600

typedef struct load_second {
    uint64_t ok, errors;
    int stage;                 /* 1-based stage this second began in; 0 without stages */
    double target;             /* the stage target at the second's middle */
    double length_s;           /* series_step_s, or less for the last, partial entry */
    int64_t p50_ns, p99_ns;    /* of the total phase, corrected */
} load_second;

/* What each stage measured (transactions by their intended start). */
typedef struct load_stage_result {
    hist connect, handshake, ttfb, total, total_uncorrected;
    uint64_t ok, errors;
    double wall_s;
} load_stage_result;

/* A server signature the client refused (tls_sig_failure), with the
 * server's certificate as it was sent: every one is counted, the first
 * LOAD_MAX_SIG_FAILURES are kept for diagnosis. */
#define LOAD_MAX_SIG_FAILURES 4
typedef struct load_sig_failure {
    tls_sig_failure sig;
    uint8_t server_cert[4096]; /* the leaf, DER */
    size_t server_cert_len;    /* 0: not seen (or larger than the buffer) */
    char tls_version[16];
} load_sig_failure;

typedef struct load_result {
    hist connect, handshake, ttfb, total, total_uncorrected;
    uint64_t started, ok, errors, resumed, resume_attempts;
    uint64_t by_class[LE_COUNT];
    uint64_t in_flight;        /* measured transactions still running when the run ended */
    int64_t in_flight_max_age_ns, in_flight_sum_age_ns;
    load_error_sample samples[LOAD_MAX_SAMPLES]; /* first distinct error messages */
    int n_samples;
    uint64_t alerts[256];
    uint64_t statuses[1000];
    load_second *seconds;      /* malloc'd, n_seconds entries, each series_step_s long */
    int n_seconds;
    int series_step_s;         /* 1, or a power of two once a long run folded its series */
    double wall_s;             /* measured part (after warm-up) */
    double cpu_user_s, cpu_sys_s;  /* the whole run, warm-up included */
    uint64_t cpu_transactions; /* every transaction ended in that time, warm-up included */
    double worker_busy_max;    /* 0..1: the busiest worker's CPU share */
    long peak_rss_kib;         /* the process's peak resident memory */
    int interrupted;
    uint64_t identities_used;  /* distinct fleet identities presented; 0 without a fleet */
    uint64_t key_shares_made;  /* --reuse-key-share: key pairs made by all workers; 0 without it */
    load_stage_result *stage_r; /* n_stages entries, malloc'd; NULL without stages */
    int n_stages;
    uint64_t sig_failures;     /* handshakes that failed on a signature the client refused */
    uint64_t sig_overturned;   /* valid P-256 signatures the assembly refused, the generic code verified */
    load_sig_failure sig_kept[LOAD_MAX_SIG_FAILURES];
    int n_sig_kept;
} load_result;

/* Live numbers for the progress line, read while the run goes. */
typedef struct load_live {
    double elapsed_s;
    uint64_t ok, errors;
    double rate_last_s;
    int64_t p50_last_ns, p99_last_ns;
    int warming;
} load_live;

typedef void (*load_progress_fn)(const load_live *l, void *arg);

/* Runs the load; calls progress about once a second from the calling
 * thread. Returns -1 only for setup errors (e.g. not enough file
 * descriptors); failures of connections are counted, not returned. */
int load_run(const load_config *c, load_result *r, load_progress_fn progress, void *arg, mp_err *e);
void load_result_free(load_result *r);

/* The number of CPUs this process may use: its affinity mask, capped by a
 * cgroup CPU quota (v2 cpu.max or v1 cfs_quota_us). why says which. */
int load_default_threads(char *why, size_t n);

#endif
