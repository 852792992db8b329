/* The first screen of index.html: the overall verdict and why, FAILs by
 * severity, the critical and high findings with their evidence and a fix
 * for the recognized gateway, and the notices a reader must not miss. */
#ifndef MP_REPORT_HTML_FIRST_H
#define MP_REPORT_HTML_FIRST_H

#include "report/model.h"
#include "report/text.h"

void rpt_html_first_screen(rpt_buf *b, const rpt_model *m);

/* The run metadata, last on the page; wolfSSL's build flags folded away,
 * once when every input shares them. */
void rpt_html_metadata(rpt_buf *b, const rpt_model *m);

#endif
