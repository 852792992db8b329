/* Load results for machines: JSON (schema mtlsprobe-load, docs/results.md)
 * and threshold expressions for CI gates ("handshake.p99<50ms",
 * "errors<0.1%", "rate>=900/s"). */
#ifndef MP_LOAD_OUTPUT_H
#define MP_LOAD_OUTPUT_H

#include "load/load.h"
#include "util/err.h"


struct load_threshold;

typedef struct load_meta {
    const char *target;
    const char *mode;
    const char *tls_version;
    const char *client;       /* fixture name or certificate file; NULL: none */
    const char *fixtures_dir, *manifest_sha256;  /* NULL without --fixtures */
    int connections;
    double rate;
    double duration_s, warmup_s;
    unsigned long long count;
    double resume_ratio;
    double reuse_key_share_s;     /* --reuse-key-share; 0: off */
    int threads;
    const char *threads_reason;   /* "2 CPUs this process may use", ... */
    const struct load_threshold *thresholds;
    size_t n_thresholds;
    int shard_index, shard_count;
    const char *command_line;
    const char *tool_version, *wolfssl_version;
    long long started_ms, finished_ms;
    size_t fleet_size;            /* 0: one identity */
    const char *fleet_origin;     /* "issued" or the --client-dir */
    const char *sources;          /* --source as given; NULL: none */
    int n_sources;
    int http2_streams;            /* 0: HTTP/1.1 */
    const load_stage *stages;     /* this process's share of --stages */
    int n_stages, stages_open;
    int proto;                    /* the target's proto_kind: names the error classes */
} load_meta;

typedef struct load_threshold {
    char text[128];
    int metric;   /* internal */
    int stat;
    int op;       /* 0 <, 1 <=, 2 >, 3 >= */
    double value; /* ns for latencies, ratio (0..1) or count for errors, per second for rate */
    int percent;
    int stage;    /* 1-based: judged over that stage alone ("stage2.handshake.p99<50ms"); 0: whole run */
} load_threshold;

/* Writes the JSON; each threshold of m is judged against r and stored
 * with its observed value and pass/fail. */
int load_write_json(const load_result *r, const load_meta *m, const char *path, mp_err *e);

int load_threshold_parse(const char *s, load_threshold *t, mp_err *e);
/* Evaluates; fills observed with "63.2ms" etc. Returns 1 when it holds, 0
 * when it is breached, -1 when it cannot be judged (a latency threshold
 * over a phase without samples: observed is "no samples"). */
int load_threshold_check(const load_threshold *t, const load_result *r, char *observed, size_t n);

/* Successful handshakes (or requests) per measured second. */
double load_rate(const load_result *r);
/* Client CPU (user + system) in microseconds per transaction; 0 when none. */
double load_cpu_us(const load_result *r);

#endif
