/* The two report pages: index.html (self-contained: inline CSS, charts
 * inlined as SVG, no script or network fetch, prints cleanly) and report.md
 * (for CI job summaries; charts linked as PNG). Both are written atomically
 * into the output directory. */
#ifndef MP_REPORT_RENDER_H
#define MP_REPORT_RENDER_H

#include "report/model.h"
#include "util/err.h"

int rpt_html_write(const rpt_model *m, const char *outdir, mp_err *e);
int rpt_markdown_write(const rpt_model *m, const char *outdir, mp_err *e);

#endif
