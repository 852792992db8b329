/* The two report pages: index.html (self-contained: inline CSS, charts
 * inlined as SVG, no script or network fetch, prints cleanly) and report.md
 * (for CI job summaries; charts linked as PNG). Both are written atomically
 * into the output directory. */
#ifndef MP_REPORT_RENDER_H
#define MP_REPORT_RENDER_H

#include "report/model.h"
#include "util/err.h"

int rpt_html_write(const rpt_model *m, const char *outdir, mp_err *e);
/* The Markdown to path ("-": standard output); images: link the charts as
 * charts/NAME.png relative to path (1), or leave them out (0). */
int rpt_markdown_write(const rpt_model *m, const char *path, int images, mp_err *e);

#endif
