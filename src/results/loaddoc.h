/* The load result document (schema mtlsprobe-load, docs/results.md) as a
 * model: `load` fills one from its run and saves it, `report` reads one, and
 * `report merge` combines several workers' into one. Histograms are kept as
 * histograms, so every percentile is computed, never carried over. */
#ifndef MP_RESULTS_LOADDOC_H
#define MP_RESULTS_LOADDOC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "results/hist.h"
#include "results/limit.h"
#include "util/err.h"

#define RES_LOAD_SCHEMA_VERSION 1

enum { RES_PH_CONNECT, RES_PH_HANDSHAKE, RES_PH_TTFB, RES_PH_TOTAL, RES_PH_TOTAL_UNCORRECTED,
       RES_PHASES };

/* "connect", "handshake", "ttfb", "total", "total_uncorrected" */
const char *res_phase_name(int phase);

/* One named counter: an error class, an alert code ("45"), an HTTP status. */
typedef struct res_tally {
    char key[40];
    uint64_t count;
} res_tally;

#define RES_MAX_TALLY 64
#define RES_MAX_SHARDS 256

typedef struct res_tallies {
    res_tally items[RES_MAX_TALLY];
    size_t n;
} res_tallies;

/* Adds count to key, keeping first-seen order. -1 when full. */
int res_tally_add(res_tallies *t, const char *key, uint64_t count);
uint64_t res_tally_sum(const res_tallies *t);

typedef struct res_second {
    int64_t t;                /* seconds since the measured part began (a multiple of the step) */
    double length_s;          /* the step, or less for the last, partial entry (0: read as the step) */
    uint64_t ok, errors;
    int64_t p50_ns, p99_ns;   /* of the total phase */
    int stage;                /* 1-based stage (--stages); 0 without stages */
    double target;            /* the stage target (rate per second or connections) */
} res_second;

/* One stage of --stages and what it measured (by intended start). */
#define RES_MAX_STAGES 16
typedef struct res_stage {
    double duration_s, target;
    uint64_t ok, errors;
    double rate_per_s;
    double handshake_p50_ms, handshake_p99_ms, total_p50_ms, total_p99_ms; /* < 0: unknown (null) */
} res_stage;

/* The first distinct error messages of a run, with their counts. */
#define RES_MAX_MESSAGES 16
typedef struct res_error_message {
    char cls[40];
    char text[160];
    uint64_t count;
} res_error_message;

/* A threshold as the run judged it. */
#define RES_MAX_THRESHOLDS 32
typedef struct res_threshold {
    char expr[128];
    char observed[64];
    int ok;                /* 1 met, 0 breached, -1 not measured (JSON null) */
} res_threshold;

/* A server signature a load client refused (docs/results.md,
 * errors.signature_failures), in the forms a reader can check it again with. */
#define RES_MAX_SIG_FAILURES 4
typedef struct res_sig_failure {
    char tls_version[16];
    int wolfcrypt_rc;            /* 0: the verification ran and said no */
    char signature[300];         /* hex of the DER ECDSA-Sig-Value */
    char digest[132];            /* hex of the digest verified */
    char signer_key[330];        /* hex of the signer's SubjectPublicKeyInfo (DER) */
    char server_cert_sha256[65]; /* "" when the certificate was not seen */
    char server_cert_pem[6000];  /* "" when not seen */
} res_sig_failure;

typedef struct res_load {
    char tool_version[32], tool_commit[48], wolfssl_version[32], wolfssl_flags[1024];
    /* config */
    char target[512], mode[16], tls_version[16], client[512];
    int connections;
    double rate;              /* 0: closed loop */
    double duration_s;        /* < 0: bounded by count */
    double warmup_s;
    uint64_t count;           /* 0: unbounded */
    double resume_ratio;
    int threads;
    char threads_reason[96];  /* how the thread count was chosen; "" when not known */
    int shard_index;          /* -1 in a merged document */
    int shard_count;
    char fixtures_dir[512], manifest_sha256[65];   /* "" when not known */
    char command_line[2048];
    int64_t started_ms, finished_ms;
    int interrupted;
    /* fleets, sources, stages ("" / 0 when not used) */
    uint64_t fleet_size, identities_used;
    double reuse_key_share_s;  /* --reuse-key-share: a key share's lifetime; 0: a fresh one per handshake */
    uint64_t key_shares_made;  /* ... and the key pairs made, all workers together */
    char fleet_origin[512];   /* "issued" or the --client-dir */
    char sources[128];        /* --source as given */
    int n_sources;
    int http2_streams;        /* --http2: concurrent streams per connection; 0: HTTP/1.1 */
    char stages_kind[16];     /* "rate" or "connections" */
    res_stage stages[RES_MAX_STAGES];
    size_t n_stages;
    /* totals */
    uint64_t handshakes, ok, errors, resume_attempts, resumed;
    double measured_s, rate_per_s;
    uint64_t in_flight;       /* measured transactions that had not ended when the run did */
    double in_flight_max_age_ms, in_flight_sum_age_ms;
    res_error_message messages[RES_MAX_MESSAGES];
    size_t n_messages;
    uint64_t sig_failures;    /* handshakes that failed on a server signature the client refused */
    uint64_t sig_overturned;  /* valid P-256 signatures wolfSSL's assembly refused and its generic code verified */
    res_sig_failure sig_kept[RES_MAX_SIG_FAILURES];
    size_t n_sig_kept;
    res_threshold thresholds[RES_MAX_THRESHOLDS];
    size_t n_thresholds;
    hist phases[RES_PHASES];
    res_tallies by_class, alerts, http_status;
    res_second *series;       /* malloc'd */
    size_t n_series;
    int series_step_s;        /* seconds per entry: 1, or a power of two for a long run (0: read as 1) */
    double cpu_user_s, cpu_system_s, busiest_worker, peak_rss_mib;
    uint64_t cpu_transactions; /* what the CPU time was spent on, warm-up included */
    /* merged documents: the shard indexes that went in */
    int merged_shards[RES_MAX_SHARDS];
    size_t n_merged;
} res_load;

/* Adds count to the message (cls, text), keeping first-seen order; drops
 * messages beyond RES_MAX_MESSAGES. */
void res_message_add(res_load *l, const char *cls, const char *text, uint64_t count);

/* A zeroed document with empty histograms. res_load is large (it holds five
 * histograms): allocate it, don't put it on a thread's stack. */
res_load *res_load_new(void);
void res_load_free(res_load *l);

/* Reads a parsed document; the schema and version are checked by the caller
 * (res_doc_load). Bucket layouts that do not match this histogram are refused. */
int res_load_from_json(const json_t *root, res_load *l, mp_err *e);

json_t *res_load_to_json(const res_load *l);
/* Seconds one series entry covers (series_step_s, 1 when unset). */
int res_load_step(const res_load *l);

/* What limited the run, from the document's own fields (results/limit.h). */
res_limit_kind res_load_limit(const res_load *l, char *text, size_t n);
int res_load_save(const res_load *l, const char *path, mp_err *e);

/* Combines worker results of one configuration exactly: histogram buckets
 * added, totals, errors and CPU summed, per-second series aligned on the
 * wall clock and summed. Refuses differing configurations (naming the field),
 * duplicate shards and documents that are already merged. names (or NULL)
 * name the inputs in messages. out must be fresh from res_load_new(). */
int res_load_merge(const res_load *const *in, const char *const *names, size_t n, res_load *out,
                   mp_err *e);

#endif
