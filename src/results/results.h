/* The result model: one verdict per scenario and TLS version, each with what
 * was expected, what was observed, and the evidence (alert, verify error,
 * HTTP status, timings). Written as versioned JSON (docs/results.md). */
#ifndef MP_RESULTS_H
#define MP_RESULTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* 3: the INFO verdict and summary.info, summary.not_run. A version 2
 * document is read with its recorded PASSes (expected "recorded...") as
 * INFO, which is what they were. */
#define RES_SCHEMA_VERSION 3

/* PASS and FAIL are judgements; INCONCLUSIVE means the scenario ran but its
 * positive control was not served, so nothing can be said about the
 * gateway (never PASS); ERROR means the attempt itself failed; SKIP means
 * it did not run; INFO means it only recorded what the gateway did, judged
 * nothing, and so is never counted as a pass nor as evidence. */
typedef enum res_verdict { RES_PASS, RES_FAIL, RES_INCONCLUSIVE, RES_ERROR, RES_SKIP, RES_INFO } res_verdict;
#define RES_N_VERDICTS 6

/* The reason of a scenario an interruption kept from running (a SKIP), and
 * of one it stopped while it ran (also a SKIP: it was not judged). */
#define RES_REASON_INTERRUPTED "interrupted before it ran"
#define RES_REASON_INTERRUPTED_RUNNING "interrupted while it ran"

const char *res_verdict_name(res_verdict v); /* "PASS", ... */

typedef struct res_evidence {
    char rejected_in[24];    /* "handshake", "after-handshake", "http", "" */
    int alert_code;          /* -1: none */
    char alert_name[40];
    int alert_sent;          /* the alert was ours */
    char verify_error[160];  /* our failure to verify the server, if any */
    int http_status;         /* 0: none */
    char http_server[80];    /* the response's Server header, "" when none */
    char tls_version[16];
    char alpn[32];           /* the protocol ALPN settled on, "" when none */
    char cipher[64];
    char group[32];
    int resumed;
    int cert_requested;
    double connect_ms;       /* < 0: not measured */
    double handshake_ms;
    double first_byte_ms;
} res_evidence;

#define RES_MAX_TAGS 8
#define RES_MAX_CONTROLS 16

typedef struct res_scenario {
    char id[128];
    char title[256];
    char severity[16];
    char file[512];
    char tags[RES_MAX_TAGS][32];
    int n_tags;
    char controls[RES_MAX_CONTROLS][64];
    int n_controls;
    char tls_version[16];    /* the version this run pinned, or "any" */
    res_verdict verdict;
    char expected[256];
    char observed[512];
    char reason[512];        /* INCONCLUSIVE, ERROR and SKIP: why */
    int input_error;         /* the ERROR is the user's input (an unknown fixture) */
    double duration_ms;
    res_evidence ev;
    /* The positive control this verdict was judged against: the same
     * request under the same conditions with the control identity. */
    int has_control;
    char control_fixture[128];
    int control_served;      /* the gateway served the control */
    char control_observed[256];
    int control_status;      /* its HTTP status, 0: none */
    /* A FAIL a waiver covers (run --waivers): still a FAIL, shown as
     * waived, and not counted towards exit 1. */
    int waived;
    char waiver_reason[256];
    char waiver_expires[16]; /* YYYY-MM-DD */
    /* Facts a scenario lists beside its verdict (t:detail), one line each
     * and never cut: accepted cipher suites, certificates, CA names. Owned
     * by the item (res_scenario_free). */
    char **details;
    int n_details;
    int cap_details;
    /* Structured findings (t:finding): a JSON array of objects {id,
     * severity, profile, rule, controls, cve, cwe, items, observed,
     * expected}, or NULL when none. Owned by the item. */
    json_t *findings;
} res_scenario;

/* Appends a copy of line to s->details, whole. -1 only when out of memory. */
int res_scenario_add_detail(res_scenario *s, const char *line);
/* Appends a finding (takes the reference). -1 only when out of memory. */
int res_scenario_add_finding(res_scenario *s, json_t *finding);
/* A FAIL with findings takes the severity of the worst of them (a finding
 * whose severity is not a known name counts as the scenario's own), so one
 * low finding does not fail a `--fail-on high` gate through a high
 * scenario; a detail line says so when it changes. Nothing for any other
 * verdict, or a FAIL without findings. */
void res_scenario_fail_severity(res_scenario *s);
/* Frees what the item owns (details, findings); the item itself stays. */
void res_scenario_free(res_scenario *s);

/* Copies text into a fixed field; when it does not fit, cuts it at a word
 * boundary and ends it with "... [N more characters: see details]" so
 * nothing is shortened silently. Returns 1 when it cut. */
int res_copy_marked(char *dst, size_t n, const char *text);

/* The TLS versions a run covered: tested, as the per-version scenarios
 * name them ("TLSv1.2", "TLSv1.3", or "any" when the probe settled on
 * none), and each version left out with why. Empty in older documents. */
#define RES_MAX_TLS_VERSIONS 4
typedef struct res_tls_versions {
    char tested[RES_MAX_TLS_VERSIONS][16];
    int n_tested;
    struct {
        char version[16];
        char reason[256];
    } skipped[RES_MAX_TLS_VERSIONS];
    int n_skipped;
} res_tls_versions;

/* Fixtures found stale when the run started: the control certificate
 * expired (or not yet valid), a CRL past its nextUpdate. Verdicts that rest
 * on them may be wrong; written as fixtures.stale, empty when fresh. */
#define RES_MAX_STALE 16
typedef struct res_run_stale {
    char item[RES_MAX_STALE][200];
    int n;
} res_run_stale;

typedef struct res_run {
    char target[512];
    char sni[256];
    char connect_to[300];
    char fixtures_dir[512];
    char manifest_sha256[65];
    res_run_stale stale;
    char tool_version[32];
    char wolfssl_version[32];
    char command_line[2048];
    int64_t started_ms;      /* wall clock, ms since the epoch */
    int64_t finished_ms;
    int interrupted;         /* stopped early (SIGINT): scenarios not run are SKIPs */
    res_tls_versions tls_versions; /* written as "tls_versions" when it lists any */
    res_scenario *items;
    size_t n;
} res_run;

void res_evidence_init(res_evidence *ev);

typedef struct res_counts {
    size_t passed, failed, inconclusive, errors, skipped, info;
    size_t not_run;          /* the SKIPs (counted in skipped) an interruption caused */
    size_t waived;           /* the FAILs (counted in failed) a waiver covers */
} res_counts;

res_counts res_run_count(const res_run *r);

/* A SKIP because an interruption kept the scenario from running or stopped it. */
int res_scenario_not_run(const res_scenario *s);

/* What a SKIP needs, when its reason says it needs an option ("needs
 * --mtls-host and --public-host (or ...)"): the options, without the
 * explanation in parentheses, into out; 0 when it needs none. */
int res_skip_needs(const res_scenario *s, char *out, size_t n);

/* SKIPs grouped by what they need, in order of first appearance: the
 * options, the ids (each once, ", " between them) and how many runs. */
#define RES_MAX_SKIP_GROUPS 16
typedef struct res_skip_group {
    char need[200];
    char ids[600];
    size_t runs;
} res_skip_group;

/* Adds s to its group in g[0..*n) (a new one while fewer than max) when it
 * is a SKIP for an option not given; otherwise does nothing. */
void res_skip_group_add(res_skip_group *g, size_t *n, size_t max, const res_scenario *s);

/* Severity names in order, most severe first: critical, high, medium, low,
 * info. The rank of a name is its index; -1 when it is none of them. */
#define RES_N_SEVERITIES 5
extern const char *const res_severities[RES_N_SEVERITIES];
int res_severity_rank(const char *severity);

/* What a run means for a CI gate with `--fail-on` at severity rank fail_on:
 * FAILs not waived, at or above it (a FAIL of unknown severity always
 * counts), or below it; waived FAILs; and verdicts that judged nothing
 * (INCONCLUSIVE, ERROR), and whether the run was interrupted (then what it
 * did not run is unjudged too). The verb turns it into an exit code. */
typedef struct res_gate {
    size_t failing, below, waived, unjudged;
    size_t not_run;          /* scenarios an interruption kept from running */
    int interrupted;         /* the run was interrupted: never a clean pass */
} res_gate;

res_gate res_run_gate(const res_run *r, int fail_on);

int res_run_write_json(const res_run *r, const char *path, mp_err *e);

/* The start every result document shares: {"schema": ..., "version": ...,
 * "tool": {"name", "version", "commit", "dirty", "wolfssl", "wolfssl_flags"}},
 * with this binary's commit (res_build_commit). */
json_t *res_json_document(const char *schema, int version, const char *tool_version,
                          const char *wolfssl_version);

/* Writes root as indented JSON with a final newline, atomically. The caller
 * keeps its reference. */
int res_json_save(const json_t *root, const char *path, mp_err *e);

/* How the wolfSSL in this binary was configured ("--enable-all ...; CFLAGS
 * ..."), fixed at build time; written as tool.wolfssl_flags. */
extern const char res_wolfssl_flags[];

/* The git commit this binary was built from, with "-dirty" appended when the
 * tree had uncommitted changes; "" when built outside a git checkout. Fixed
 * at build time (cmake/GitInfo.cmake). */
extern const char res_build_commit[];

/* Sets tool.commit (the id, or null when commit is "") and tool.dirty from a
 * commit string in res_build_commit's form. */
void res_json_set_commit(json_t *tool, const char *commit);

/* The reverse: tool.commit and tool.dirty of a document as one string in
 * res_build_commit's form ("" when absent). */
void res_json_get_commit(const json_t *root, char *out, size_t outlen);

typedef enum res_kind { RES_KIND_RUN, RES_KIND_LOAD } res_kind;

/* Reads a result file of either schema. Refuses, with one line naming the
 * file: unreadable files, invalid JSON, other schemas and newer versions.
 * The caller owns *root. */
int res_doc_load(const char *path, json_t **root, res_kind *kind, mp_err *e);
/* The same for a document already in memory; path names it in messages. */
int res_doc_parse(const char *text, size_t len, const char *path, json_t **root, res_kind *kind, mp_err *e);

/* Fills r (items malloc'd) from a parsed mtlsprobe-run document. */
int res_run_from_json(const json_t *root, res_run *r, mp_err *e);
void res_run_free(res_run *r);

/* Wall clock in ms since the epoch. */
int64_t res_now_ms(void);

#endif
