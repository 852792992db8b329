/* What a report shows, gathered once from the result files: the inputs
 * (run and load documents, read through the result model), regressions
 * against baselines, the compliance view per control, and the charts drawn.
 * The HTML and Markdown renderers only read this. */
#ifndef MP_REPORT_MODEL_H
#define MP_REPORT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "results/loaddoc.h"
#include "results/results.h"
#include "util/err.h"

typedef struct rpt_input {
    char path[1024];
    char label[80];            /* "run 1", "load 2": names charts and sections */
    res_kind kind;
    res_run run;               /* RES_KIND_RUN */
    char (*fingerprints)[400]; /* per run item: certificate fingerprints, or "" */
    res_load *load;            /* RES_KIND_LOAD */
    char wolfssl_flags[1024];
    /* RES_KIND_RUN: the gateway recognized from the evidence (reports/hints.json), "" when none */
    char gateway[16], gateway_name[48], gateway_why[300];
    size_t baseline_matches;   /* scenarios or loads of a baseline this input was compared with */
} rpt_input;

typedef struct rpt_regression {
    char input[80];            /* the label of the current input */
    char what[600];
} rpt_regression;

typedef enum rpt_status { RPT_MET, RPT_NOT_MET, RPT_PARTIAL, RPT_NOT_ASSESSED } rpt_status;

const char *rpt_status_name(rpt_status s);   /* "met", "not met", ... */
const char *rpt_status_class(rpt_status s);  /* CSS class: "met", "not-met", ... */

typedef struct rpt_ref {
    size_t input, item;        /* a scenario verdict: inputs[input].run.items[item] */
} rpt_ref;

typedef struct rpt_control {
    char id[64];
    char framework[80], title[200], text[600];
    int defined;               /* 0: cited by a scenario, absent from reports/controls.json */
    rpt_status status;
    size_t counts[RES_N_VERDICTS];          /* by res_verdict; a recorded observation is none of them */
    size_t recorded;           /* INFO verdicts: recorded what the gateway did, no evidence either way */
    char missing[400];         /* its `needs` that did not run and pass here, "" when none */
    rpt_ref *refs;
    size_t n_refs;
} rpt_control;

typedef struct rpt_chart {
    char name[128];            /* files charts/NAME.png and charts/NAME.svg */
    char title[200];
    char caption[300];
    int input;                 /* the input it shows, -1 for all runs */
} rpt_chart;

#define RPT_MAX_CHARTS 64

/* The answer on the first screen. */
typedef enum rpt_overall { RPT_OVERALL_PASS, RPT_OVERALL_FAIL, RPT_OVERALL_INCONCLUSIVE } rpt_overall;

const char *rpt_overall_name(rpt_overall o);   /* "PASS", "FAIL", "INCONCLUSIVE" */

/* A critical or high FAIL that no waiver covers, with the configuration
 * that fixes it on the recognized gateway ("" when none is known). */
typedef struct rpt_finding {
    rpt_ref ref;
    char hint[600];
} rpt_finding;

#define RPT_MAX_NOTICES 16

typedef struct rpt_model {
    char title[256];
    int64_t generated_ms;
    rpt_input *inputs;
    size_t n_inputs;
    rpt_input *baselines;
    size_t n_baselines;
    double regress_pct;        /* load p99 rise that counts as a regression */
    rpt_regression *regs;
    size_t n_regs;
    rpt_control *controls;
    size_t n_controls;
    char uncited[1024];        /* defined controls no scenario cited, comma-separated */
    rpt_chart charts[RPT_MAX_CHARTS];
    size_t n_charts;
    rpt_overall overall;
    char overall_why[800];     /* what decided it, one sentence */
    size_t fails_by_sev[6];    /* FAILs no waiver covers, by severity rank */
    rpt_finding *findings;     /* critical and high, most severe first */
    size_t n_findings;
    char notices[RPT_MAX_NOTICES][800]; /* partial merges, baselines that matched nothing */
    size_t n_notices;
} rpt_model;

/* Reads one result file of either schema. */
int rpt_input_load(const char *path, rpt_input *in, mp_err *e);
void rpt_input_free(rpt_input *in);
void rpt_model_free(rpt_model *m);

/* Fills m->regs from m->baselines: scenarios (same id and TLS version) that
 * FAIL or ERROR now but did not before, and load results whose total p99
 * rose by more than m->regress_pct over a baseline of the same target, mode,
 * TLS version and concurrency (closed loop) or rate (open loop). An input
 * no baseline matched gets a notice instead of a silent "no regression". */
int rpt_find_regressions(rpt_model *m, mp_err *e);

/* Orders a run's items for reading: FAIL, ERROR, SKIP, PASS, then by
 * severity (critical first), then id. Fills order[0..n). */
void rpt_order_items(const res_run *r, size_t *order);

/* Severity rank: 0 critical, 1 high, 2 medium, 3 low, 4 info, 5 other. */
int rpt_severity_rank(const char *severity);
extern const char *const rpt_severities[6];

/* Walks every scenario verdict of the run inputs, in input order: start
 * with RPT_REF_START; returns NULL when done, else the verdict *ref names. */
#define RPT_REF_START ((rpt_ref){ 0, (size_t)-1 })
const res_scenario *rpt_next_verdict(const rpt_model *m, rpt_ref *ref);

/* A phase's p50, p90, p99, p99.9, max and mean (ms) and count, formatted
 * for a table; returns 0 when the phase has no samples. */
int rpt_phase_cells(const hist *h, char cells[7][24]);
/* Whether a phase gets a row: not total_uncorrected in closed loop, where
 * every start is the intended one and it would repeat total. */
int rpt_phase_shown(const res_load *l, int phase);

/* Sums of verdicts over every run input; by_sev[severity rank][verdict].
 * Returns how many of the FAILs a waiver covers (they are counted as FAIL). */
size_t rpt_count(const rpt_model *m, size_t by_verdict[RES_N_VERDICTS], size_t by_sev[6][RES_N_VERDICTS]);

/* The verdict as people read it: "FAIL (waived)" for a waived FAIL. */
const char *rpt_verdict_label(const res_scenario *s);

/* Evaluates the controls cited by the scenarios against the definitions in
 * reports/controls.json (compiled in): fills m->controls and m->uncited. */
int rpt_controls_evaluate(rpt_model *m, mp_err *e);

/* The notes under a load's tables that both pages print, as plain
 * sentences: transactions still in flight, the fleet, reused key shares,
 * HTTP/2 streams. Fills up to max entries; returns how many. */
#define RPT_NOTE_MAX 200
size_t rpt_load_notes(const res_load *l, char (*notes)[RPT_NOTE_MAX], size_t max);

/* One line of evidence for people: alert (name, code, direction), verify
 * error, HTTP status, where it was rejected, TLS parameters, timings, any
 * certificate fingerprints, the reason, the positive control's answer, and
 * the waiver. */
void rpt_evidence_text(const res_scenario *s, const char *fingerprints, char *out, size_t n);

/* Decides m->overall and its reason, counts the FAILs by severity, lists
 * the critical and high findings and the notices (partial merges). Call
 * after rpt_find_regressions. FAIL: a FAIL no waiver covers, a breached
 * threshold or a regression. INCONCLUSIVE: otherwise anything not judged or
 * not measured (INCONCLUSIVE, ERROR, only SKIPs, interrupted, a threshold
 * without samples, a load without a success, a merge missing shards). */
int rpt_judge(rpt_model *m, mp_err *e);

/* Recognizes each run's gateway and fills the findings' hints from
 * reports/hints.json (compiled in). Call after rpt_judge. */
int rpt_hints_apply(rpt_model *m, mp_err *e);

/* An observation that judged nothing (INFO): never a pass, never evidence. */
int rpt_is_recorded(const res_scenario *s);

/* "82 scenario verdicts: 60 PASS, ... 13 SKIP, 30 of them not run
 * (interrupted), 9 INFO (recorded, not judged)": the counts every output
 * shows on its first screen. */
void rpt_totals_text(const rpt_model *m, char *out, size_t n);

/* "https://gw:8443/" for a run, the config target for a load. */
const char *rpt_input_target(const rpt_input *in);

#endif
