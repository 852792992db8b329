/* A growable text buffer for building pages, with the escaping each output
 * needs: HTML for index.html, Markdown table cells for report.md. Every
 * string that comes from a result file goes through one of the escapers. */
#ifndef MP_REPORT_TEXT_H
#define MP_REPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct rpt_buf {
    char *s;
    size_t len, cap;
    int oom;        /* an allocation failed; the text is incomplete */
} rpt_buf;

void rpt_buf_init(rpt_buf *b);
void rpt_buf_free(rpt_buf *b);
void rpt_put(rpt_buf *b, const char *s);
void rpt_putn(rpt_buf *b, const char *s, size_t n);
void rpt_printf(rpt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes the text to dir/name atomically; an earlier allocation failure is
 * reported here. The buffer stays the caller's. */
int rpt_buf_write(const rpt_buf *b, const char *dir, const char *name, mp_err *e);

/* HTML text and attribute values: & < > " ' escaped. */
void rpt_html(rpt_buf *b, const char *s);
/* A Markdown table cell: | escaped, HTML-significant characters escaped
 * (CI summaries render inline HTML), newlines as spaces. */
void rpt_md(rpt_buf *b, const char *s);
/* Text of our own (reports/hints.json) with `code` spans kept as code and
 * the rest escaped as rpt_md does. */
void rpt_md_code(rpt_buf *b, const char *s);

/* Plain table cells, each escaped: <td>..</td> for HTML, " .. |" for a
 * Markdown row (the caller writes the row's opening "|"). */
void rpt_html_cells(rpt_buf *b, const char *const *cells, size_t n);
void rpt_md_cells(rpt_buf *b, const char *const *cells, size_t n);

/* "12.345" style milliseconds with sensible precision. */
void rpt_fmt_ms(char *out, size_t n, double ms);
/* "2026-11-22 08:16:21 UTC" from ms since the epoch; "-" for 0. */
void rpt_fmt_time(char *out, size_t n, int64_t ms);

#endif
