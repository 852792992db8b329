/* Text building for the report pages. A failed allocation marks the buffer
 * instead of aborting, so rendering code stays linear and the caller checks
 * once before writing the file. */
#include "report/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/timeutil.h"

void rpt_buf_init(rpt_buf *b)
{
    memset(b, 0, sizeof *b);
}

void rpt_buf_free(rpt_buf *b)
{
    free(b->s);
    rpt_buf_init(b);
}

static int reserve(rpt_buf *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void rpt_putn(rpt_buf *b, const char *s, size_t n)
{
    if (reserve(b, n) != 0)
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void rpt_put(rpt_buf *b, const char *s)
{
    rpt_putn(b, s, strlen(s));
}

void rpt_printf(rpt_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

int rpt_buf_write(const rpt_buf *b, const char *dir, const char *name, mp_err *e)
{
    char *path = fs_join(dir, name);
    if (!path || b->oom) {
        free(path);
        return mp_fail(e, "out of memory writing %s", name);
    }
    int rc = fs_write_file(path, b->s ? b->s : "", b->len, 0644, e);
    free(path);
    return rc;
}

void rpt_html(rpt_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': rpt_put(b, "&amp;"); break;
        case '<': rpt_put(b, "&lt;"); break;
        case '>': rpt_put(b, "&gt;"); break;
        case '"': rpt_put(b, "&quot;"); break;
        case '\'': rpt_put(b, "&#39;"); break;
        default:
            /* control characters are not allowed in HTML text */
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                rpt_put(b, " ");
            else
                rpt_putn(b, s, 1);
        }
    }
}

void rpt_md_code(rpt_buf *b, const char *s)
{
    int code = 0;
    while (*s) {
        const char *tick = strchr(s, '`');
        size_t n = tick ? (size_t)(tick - s) : strlen(s);
        if (code) {
            rpt_put(b, "`");
            for (size_t i = 0; i < n; i++)
                rpt_putn(b, s[i] == '|' ? "\\|" : &s[i], s[i] == '|' ? 2 : 1);
            rpt_put(b, "`");
        } else {
            char part[700];
            snprintf(part, sizeof part, "%.*s", (int)(n < sizeof part ? n : sizeof part - 1), s);
            rpt_md(b, part);
        }
        if (!tick)
            break;
        code = !code;
        s = tick + 1;
    }
}

void rpt_md(rpt_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '|': rpt_put(b, "\\|"); break;
        case '&': rpt_put(b, "&amp;"); break;
        case '<': rpt_put(b, "&lt;"); break;
        case '>': rpt_put(b, "&gt;"); break;
        case '`': rpt_put(b, "'"); break;
        case '*': case '_': case '[': case ']': case '\\':
            rpt_putn(b, "\\", 1);
            rpt_putn(b, s, 1);
            break;
        default:
            if ((unsigned char)*s < 0x20)
                rpt_put(b, " ");
            else
                rpt_putn(b, s, 1);
        }
    }
}

void rpt_html_cells(rpt_buf *b, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rpt_put(b, "<td>");
        rpt_html(b, cells[i]);
        rpt_put(b, "</td>");
    }
}

void rpt_md_cells(rpt_buf *b, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rpt_put(b, " ");
        rpt_md(b, cells[i]);
        rpt_put(b, " |");
    }
}

void rpt_fmt_ms(char *out, size_t n, double ms)
{
    if (ms < 0)
        snprintf(out, n, "-");
    else if (ms < 10)
        snprintf(out, n, "%.3f", ms);
    else if (ms < 1000)
        snprintf(out, n, "%.2f", ms);
    else
        snprintf(out, n, "%.0f", ms);
}

void rpt_fmt_time(char *out, size_t n, int64_t ms)
{
    if (ms <= 0) {
        snprintf(out, n, "-");
        return;
    }
    char iso[21];
    tm_format_iso(ms / 1000, iso);
    /* 2026-11-22T08:16:21Z -> 2026-11-22 08:16:21 UTC */
    snprintf(out, n, "%.10s %.8s UTC", iso, iso + 11);
}
