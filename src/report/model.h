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
} rpt_input;

typedef struct rpt_regression {
    char input[80];            /* the label of the current input */
    char what[600];
} rpt_regression;

typedef enum rpt_status { RPT_MET, RPT_NOT_MET, RPT_PARTIAL, RPT_NOT_EVIDENCED } rpt_status;

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
    size_t counts[RES_N_VERDICTS];          /* by res_verdict */
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
} rpt_model;

/* Reads one result file of either schema. */
int rpt_input_load(const char *path, rpt_input *in, mp_err *e);
void rpt_input_free(rpt_input *in);
void rpt_model_free(rpt_model *m);

/* Fills m->regs from m->baselines: scenarios (same id and TLS version) that
 * FAIL or ERROR now but did not before, and load results whose total p99
 * rose by more than m->regress_pct over a baseline of the same target. */
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

/* Sums of verdicts over every run input; by_sev[severity rank][verdict].
 * Returns how many of the FAILs a waiver covers (they are counted as FAIL). */
size_t rpt_count(const rpt_model *m, size_t by_verdict[RES_N_VERDICTS], size_t by_sev[6][RES_N_VERDICTS]);

/* The verdict as people read it: "FAIL (waived)" for a waived FAIL. */
const char *rpt_verdict_label(const res_scenario *s);

/* Evaluates the controls cited by the scenarios against the definitions in
 * reports/controls.json (compiled in): fills m->controls and m->uncited. */
int rpt_controls_evaluate(rpt_model *m, mp_err *e);

/* One line of evidence for people: alert (name, code, direction), verify
 * error, HTTP status, where it was rejected, TLS parameters, timings, any
 * certificate fingerprints, the reason, the positive control's answer, and
 * the waiver. */
void rpt_evidence_text(const res_scenario *s, const char *fingerprints, char *out, size_t n);

/* "https://gw:8443/" for a run, the config target for a load. */
const char *rpt_input_target(const rpt_input *in);

#endif
