/* Charts for the report, drawn by gnuplot: the data files and the scripts
 * (from reports/, compiled in) are written under OUT/charts/, so a chart can
 * be redrawn or restyled by hand with `gnuplot gnuplot/draw-NAME.gp` there. */
#ifndef MP_REPORT_CHARTS_H
#define MP_REPORT_CHARTS_H

#include <stdatomic.h>
#include <stdint.h>

#include "report/model.h"
#include "util/err.h"

typedef struct rpt_chart_opts {
    const char *gnuplot;       /* program, looked up in PATH */
    int64_t timeout_ms;        /* per gnuplot run */
    const atomic_int *stop;    /* set (SIGINT): gnuplot is killed and rendering fails, "interrupted"; may be NULL */
} rpt_chart_opts;

/* Writes data and scripts, runs gnuplot once per chart (PNG and SVG), and
 * lists the charts drawn in m->charts. Every image appears atomically.
 * Returns RPT_SPAWN_NOT_RUN (report/spawn.h) when gnuplot cannot be started. */
int rpt_charts_render(rpt_model *m, const char *outdir, const rpt_chart_opts *o, mp_err *e);

#endif
