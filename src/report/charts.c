/* Chart data and the gnuplot driver. gnuplot receives no text from result
 * files as code: scenario ids and labels travel only inside data files, and
 * every string in the driver scripts is a fixed file name this module chose
 * (threshold labels too travel in a data file; the driver gets only their
 * numbers). The terminals are set to noenhanced so labels are drawn as
 * written. Charts are drawn at the size the page shows them (LOAD_W wide,
 * two abreast), so their text is as large on screen as it is here. */
#include "report/charts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/assets.h"
#include "report/spawn.h"
#include "report/text.h"
#include "util/fs.h"
#include "util/str.h"

static const char *const scripts[] = { "latency.gp", "percentiles.gp", "timeline.gp", "errors.gp",
                                       "verdicts.gp" };

#define BINS_PER_DECADE 20

/* The page is at most 1136 px wide inside its margins; load charts sit two
 * abreast (style.css: .charts), each shown at its drawn width. */
#define LOAD_W 560

/* Bins cover the histogram's whole range: 1 ns (1e-6 ms) to 2^36 ns. */
#define BIN_FIRST (-6 * BINS_PER_DECADE)
#define BIN_COUNT (11 * BINS_PER_DECADE)

static double latency_data(const res_load *l, rpt_buf *b)
{
    double top = 0;
    static const int shown[] = { RES_PH_CONNECT, RES_PH_HANDSHAKE, RES_PH_TTFB, RES_PH_TOTAL };
    double pct[BIN_COUNT][4] = { { 0 } }; /* 7 KiB */
    int first = BIN_COUNT, last = -1;
    for (int p = 0; p < 4; p++) {
        const hist *h = &l->phases[shown[p]];
        int idx = 0;
        int64_t lo, hi;
        uint64_t c;
        while ((idx = hist_next_bucket(h, idx, &lo, &hi, &c)) >= 0) {
            double mid = ((double)lo + (double)hi) / 2e6;
            int k = (int)floor(log10(mid < 1e-6 ? 1e-6 : mid) * BINS_PER_DECADE) - BIN_FIRST;
            k = k < 0 ? 0 : k >= BIN_COUNT ? BIN_COUNT - 1 : k;
            pct[k][p] += 100.0 * (double)c / (double)h->total;
            first = k < first ? k : first;
            last = k > last ? k : last;
        }
    }
    rpt_put(b, "# bin_low_ms bin_high_ms connect% handshake% ttfb% total%\n");
    for (int k = first; k <= last; k++) {
        rpt_printf(b, "%.6g %.6g", pow(10, (double)(k + BIN_FIRST) / BINS_PER_DECADE),
                   pow(10, (double)(k + BIN_FIRST + 1) / BINS_PER_DECADE));
        for (int p = 0; p < 4; p++) {
            top = pct[k][p] > top ? pct[k][p] : top;
            if (l->phases[shown[p]].total)
                rpt_printf(b, " %.4f", pct[k][p]);
            else
                rpt_put(b, " NaN");
        }
        rpt_put(b, "\n");
    }
    return top;
}

static void data_label(rpt_buf *b, const char *s);

static void spectrum_block(const hist *h, rpt_buf *b)
{
    if (!h->total) {
        rpt_put(b, "NaN NaN NaN\n");
        return;
    }
    uint64_t cum = 0;
    int idx = 0;
    int64_t lo, hi;
    uint64_t c;
    double last_x = 1, last_ms = 0;
    while ((idx = hist_next_bucket(h, idx, &lo, &hi, &c)) >= 0) {
        double p_before = (double)cum / (double)h->total;
        cum += c;
        int64_t top = hi < h->max ? hi : h->max;
        last_x = 1 / (1 - p_before);
        last_ms = (double)top / 1e6;
        rpt_printf(b, "%.6g %.6f %.6f\n", last_x, last_ms, p_before * 100);
    }
    /* close the last step at the highest percentile one sample resolves */
    double x_end = (double)h->total;
    rpt_printf(b, "%.6g %.6f %.6f\n", x_end > last_x ? x_end : last_x * 2, last_ms, 100.0);
}

static void spectrum_data(const res_load *l, rpt_buf *b)
{
    rpt_put(b, "# x=1/(1-p) latency_ms percentile; block 0: total, block 1: total_uncorrected\n");
    spectrum_block(&l->phases[RES_PH_TOTAL], b);
    rpt_put(b, "\n\n");
    spectrum_block(&l->phases[RES_PH_TOTAL_UNCORRECTED], b);
}

/* Block 0: the full seconds; block 1: a partial last second, as a rate
 * over its length (not a full second with fewer transactions: a cliff that
 * never happened), drawn apart so it reads as partial. Returns 1 when
 * block 0 has a point, plus 2 when block 1 has one; 0: nothing to draw. */
static int series_data(const res_load *l, rpt_buf *b)
{
    rpt_put(b, "# t ok_per_s p50_ms p99_ms errors_per_s length_s; block 0 full entries, block 1 the partial last\n");
    /* a long run's entries cover several seconds each (series_step_s): the
     * rates are per second all the same */
    double step = (double)res_load_step(l);
    const res_second *part = NULL;
    int full = 0;
    for (size_t i = 0; i < l->n_series; i++) {
        const res_second *s = &l->series[i];
        if (s->length_s > 0 && s->length_s < step) {
            part = s;
            continue;
        }
        full = 1;
        rpt_printf(b, "%.3f %.1f %.3f %.3f %.1f %g\n", (double)s->t, (double)s->ok / step, (double)s->p50_ns / 1e6,
                   (double)s->p99_ns / 1e6, (double)s->errors / step, step);
    }
    if (!full)
        rpt_put(b, "NaN NaN NaN NaN NaN NaN\n");
    rpt_put(b, "\n\n");
    /* under 0.2 s a rate says little; the point is left out */
    if (part && part->length_s >= 0.2) {
        double len = part->length_s;
        rpt_printf(b, "%.3f %.1f %.3f %.3f %.1f %.3f\n", (double)part->t - step + len, (double)part->ok / len,
                   (double)part->p50_ns / 1e6, (double)part->p99_ns / 1e6, (double)part->errors / len, len);
        return full | 2;
    }
    rpt_put(b, "NaN NaN NaN NaN NaN NaN\n");
    return full;
}

/* A latency threshold of the load ("handshake.p99<50ms"): its phase, limit
 * in ms and judgement; 0 when expr is not one (errors, rate). */
static int latency_threshold(const res_threshold *t, int *phase, double *limit_ms)
{
    const char *op = strpbrk(t->expr, "<>");
    const char *dot = strchr(t->expr, '.');
    if (!op || !dot || dot > op)
        return 0;
    *phase = -1;
    for (int p = 0; p < RES_PHASES; p++)
        if ((size_t)(dot - t->expr) == strlen(res_phase_name(p)) &&
            strncmp(t->expr, res_phase_name(p), (size_t)(dot - t->expr)) == 0)
            *phase = p;
    const char *v = op + 1 + (op[1] == '=');
    char *end;
    double x = strtod(v, &end);
    if (*phase < 0 || end == v || x < 0)
        return 0;
    static const struct { const char *u; double ms; } units[] = {
        { "ns", 1e-6 }, { "us", 1e-3 }, { "\u00b5s", 1e-3 }, { "ms", 1 }, { "s", 1000 }, { "", 1 },
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].u) == 0) {
            *limit_ms = x * units[i].ms;
            return 1;
        }
    return 0;
}

/* Threshold lines: the driver gets numbers only (arrows at each limit,
 * coloured by judgement); the labels go to data/NAME-thresholds.dat as
 * "x y label colour" for `with labels`. For the histogram (vertical=1) the
 * lines stand at x = limit; for the percentile chart they lie at y = limit
 * and only thresholds on the total phases apply. Returns how many. */
static int threshold_marks(const res_load *l, int vertical, double label_at, rpt_buf *vars, rpt_buf *labels)
{
    int n = 0;
    double x0 = 0, y0 = 0; /* the first label's place */
    /* a label reads away from the nearer edge, so none runs off the chart:
     * right of a line in the lower half of the (log) latency range, left of it above */
    double lo = 0, hi = 0;
    const hist *tot = &l->phases[RES_PH_TOTAL];
    if (tot->total) {
        lo = (double)tot->min / 1e6;
        hi = (double)tot->max / 1e6;
    }
    rpt_put(labels, "# x y label colour right (colour 0x2e7d32 met, 0xc62828 breached, 0x757575 not measured; "
                    "right 1: the label ends at the line)\n");
    for (size_t k = 0; k < l->n_thresholds; k++) {
        const res_threshold *t = &l->thresholds[k];
        int ph;
        double lim;
        if (!latency_threshold(t, &ph, &lim))
            continue;
        if (!vertical && ph != RES_PH_TOTAL && ph != RES_PH_TOTAL_UNCORRECTED)
            continue;
        const char *rgb = t->ok > 0 ? "#2e7d32" : t->ok == 0 ? "#c62828" : "#757575";
        int colour = t->ok > 0 ? 0x2e7d32 : t->ok == 0 ? 0xc62828 : 0x757575;
        if (vertical)
            rpt_printf(vars, "set arrow from %.6g, graph 0 to %.6g, graph 1 nohead lw 2 dt 2 lc rgb '%s' front\n",
                       lim, lim, rgb);
        else
            rpt_printf(vars, "set arrow from graph 0, first %.6g to graph 1, first %.6g nohead lw 2 dt 2 lc rgb '%s' front\n",
                       lim, lim, rgb);
        double x = vertical ? lim : label_at, y = vertical ? label_at * (1 - 0.09 * n) : lim;
        if (!n) {
            x0 = x;
            y0 = y;
        }
        rpt_printf(labels, "%.6g %.6g ", x, y);
        char text[256];
        snprintf(text, sizeof text, "%s %s (%s)", t->ok > 0 ? "\u2713" : t->ok == 0 ? "\u2717" : "?", t->expr,
                 t->ok < 0 ? "not measured" : t->observed);
        data_label(labels, text);
        int right = vertical && lo > 0 && lim > sqrt(lo * hi);
        rpt_printf(labels, " %d %d\n", colour, right);
        n++;
    }
    if (!n)
        rpt_put(labels, "NaN NaN \"\" 0 0\n");
    else /* gnuplot 5.4 crashes on a `with labels` plot whose every point is
          * filtered out: each alignment gets an empty label where one is */
        rpt_printf(labels, "%.6g %.6g \"\" 0 0\n%.6g %.6g \"\" 0 1\n", x0, y0, x0, y0);
    return n;
}

/* A label inside a gnuplot data file: quoted, so no quote inside. */
static void data_label(rpt_buf *b, const char *s)
{
    rpt_put(b, "\"");
    for (; *s; s++)
        rpt_putn(b, (*s == '"' || (unsigned char)*s < 0x20) ? "'" : s, 1);
    rpt_put(b, "\"");
}

typedef struct column {
    size_t input;
    char tls[16];
} column;

/* The verdict matrix; returns the number of rows (scenarios). present[v]
 * is set for each verdict some cell holds (RES_N_VERDICTS: waived FAIL). */
static size_t verdict_data(const rpt_model *m, rpt_buf *b, size_t *n_cols_out, int present[RES_N_VERDICTS + 1])
{
    column cols[64];
    size_t n_cols = 0, runs = 0;
    for (size_t i = 0; i < m->n_inputs; i++)
        runs += m->inputs[i].kind == RES_KIND_RUN;
    for (size_t i = 0; i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        if (in->kind != RES_KIND_RUN)
            continue;
        for (size_t k = 0; k < in->run.n; k++) {
            size_t c;
            for (c = 0; c < n_cols; c++)
                if (cols[c].input == i && strcmp(cols[c].tls, in->run.items[k].tls_version) == 0)
                    break;
            if (c == n_cols && n_cols < 64) {
                cols[n_cols].input = i;
                str_copy(cols[n_cols].tls, sizeof cols[n_cols].tls, in->run.items[k].tls_version);
                n_cols++;
            }
        }
    }
    rpt_put(b, "\"scenario\"");
    for (size_t c = 0; c < n_cols; c++) {
        char label[128];
        if (runs > 1)
            snprintf(label, sizeof label, "%s %s", m->inputs[cols[c].input].label, cols[c].tls);
        else
            snprintf(label, sizeof label, "%s", cols[c].tls);
        rpt_put(b, " ");
        data_label(b, label);
    }
    rpt_put(b, "\n");
    /* rows: scenario ids in order of first appearance */
    size_t rows = 0;
    for (size_t i = 0; i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        if (in->kind != RES_KIND_RUN)
            continue;
        for (size_t k = 0; k < in->run.n; k++) {
            const char *id = in->run.items[k].id;
            int seen = 0;
            for (size_t pi = 0; pi <= i && !seen; pi++) {
                const rpt_input *p = &m->inputs[pi];
                if (p->kind != RES_KIND_RUN)
                    continue;
                size_t lim = pi == i ? k : p->run.n;
                for (size_t pk = 0; pk < lim && !seen; pk++)
                    seen = strcmp(p->run.items[pk].id, id) == 0;
            }
            if (seen)
                continue;
            data_label(b, id);
            for (size_t c = 0; c < n_cols; c++) {
                const rpt_input *ci = &m->inputs[cols[c].input];
                int v = -1;
                for (size_t ck = 0; ck < ci->run.n; ck++)
                    if (strcmp(ci->run.items[ck].id, id) == 0 &&
                        strcmp(ci->run.items[ck].tls_version, cols[c].tls) == 0)
                        v = ci->run.items[ck].waived ? RES_N_VERDICTS : (int)ci->run.items[ck].verdict;
                /* -1, not NaN: gnuplot warns about a matrix with undefined values */
                rpt_printf(b, " %d", v);
                if (v >= 0)
                    present[v] = 1;
            }
            rpt_put(b, "\n");
            rows++;
        }
    }
    *n_cols_out = n_cols;
    return rows;
}

static int draw(const char *chartdir, const char *name, const char *script, int w, int h, const char *extra,
                const rpt_chart_opts *o, mp_err *e)
{
    /* extra: settings this module wrote (numbers and fixed names only), in
     * gnuplot/extra-NAME.gp; the scripts load it after their own `reset` */
    if (extra && extra[0]) {
        char xf[160];
        snprintf(xf, sizeof xf, "gnuplot/extra-%s.gp", name);
        rpt_buf x;
        rpt_buf_init(&x);
        rpt_put(&x, extra);
        int rc = rpt_buf_write(&x, chartdir, xf, e);
        rpt_buf_free(&x);
        if (rc != 0)
            return -1;
    }
    rpt_buf d;
    rpt_buf_init(&d);
    rpt_printf(&d,
               "# Generated by mtlsprobe report: draws %s.png and %s.svg from data/%s.dat.\n"
               "# Redraw from the charts directory with: gnuplot gnuplot/draw-%s.gp\n"
               "data = 'data/%s.dat'\n"
               "marks = 'data/%s-thresholds.dat'\n"
               "extra = '%s%s%s'\n"
               "set encoding utf8\n"
               "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
               "  set terminal pngcairo size %d,%d noenhanced font 'DejaVu Sans,10' background '#ffffff'\n"
               "} else {\n"
               "  set terminal png size %d,%d noenhanced background '#ffffff'\n"
               "}\n"
               "set output '.tmp-%s.png'\n"
               "load 'gnuplot/%s'\n"
               "set output\n"
               "set terminal svg size %d,%d noenhanced font 'DejaVu Sans,12' background '#ffffff'\n"
               "set output '.tmp-%s.svg'\n"
               "load 'gnuplot/%s'\n"
               "set output\n",
               name, name, name, name, name, name, extra && extra[0] ? "gnuplot/extra-" : "",
               extra && extra[0] ? name : "", extra && extra[0] ? ".gp" : "", w, h, w, h, name, script, w, h,
               name, script);
    char file[96];
    snprintf(file, sizeof file, "gnuplot/draw-%s.gp", name);
    int rc = rpt_buf_write(&d, chartdir, file, e);
    rpt_buf_free(&d);
    if (rc != 0)
        return -1;
    char *log = fs_join(chartdir, "gnuplot.log");
    if (!log)
        return mp_fail(e, "out of memory");
    char *argv[] = { (char *)o->gnuplot, file, NULL };
    rc = rpt_spawn(argv, chartdir, log, o->timeout_ms, o->stop, e);
    free(log);
    if (rc == -1)
        mp_wrap(e, "chart %s", name);
    /* both images appear together, or neither does */
    static const char *const ext[] = { "png", "svg" };
    for (int i = 0; i < 2; i++) {
        char tmp[160], fin[160];
        snprintf(tmp, sizeof tmp, ".tmp-%s.%s", name, ext[i]);
        snprintf(fin, sizeof fin, "%s.%s", name, ext[i]);
        char *t = fs_join(chartdir, tmp), *f = fs_join(chartdir, fin);
        if (rc == 0 && !(t && f && rename(t, f) == 0))
            rc = mp_fail(e, "chart %s: gnuplot wrote no %s file", name, ext[i]);
        if (t)
            remove(t);
        free(t);
        free(f);
    }
    return rc;
}

static int add_chart(rpt_model *m, const char *name, const char *title, const char *caption, int input)
{
    if (m->n_charts == RPT_MAX_CHARTS)
        return -1;
    rpt_chart *c = &m->charts[m->n_charts++];
    str_copy(c->name, sizeof c->name, name);
    str_copy(c->title, sizeof c->title, title);
    str_copy(c->caption, sizeof c->caption, caption);
    c->input = input;
    return 0;
}

/* marks (or NULL): threshold labels, written as data/NAME-thresholds.dat;
 * extra (or NULL): settings for gnuplot/extra-NAME.gp. */
static int chart(rpt_model *m, const char *chartdir, const char *name, const char *script, rpt_buf *data,
                 int w, int h, const char *title, const char *caption, int input, const rpt_buf *marks,
                 const char *extra, const rpt_chart_opts *o, mp_err *e)
{
    char file[160];
    snprintf(file, sizeof file, "data/%s.dat", name);
    if (rpt_buf_write(data, chartdir, file, e) != 0)
        return -1;
    snprintf(file, sizeof file, "data/%s-thresholds.dat", name);
    if (marks && rpt_buf_write(marks, chartdir, file, e) != 0)
        return -1;
    int rc = draw(chartdir, name, script, w, h, extra, o, e);
    if (rc != 0)
        return rc;
    if (add_chart(m, name, title, caption, input) != 0)
        return mp_fail(e, "more than %d charts", RPT_MAX_CHARTS);
    return 0;
}

int rpt_charts_render(rpt_model *m, const char *outdir, const rpt_chart_opts *o, mp_err *e)
{
    char *chartdir = fs_join(outdir, "charts");
    char *datadir = chartdir ? fs_join(chartdir, "data") : NULL;
    char *gpdir = chartdir ? fs_join(chartdir, "gnuplot") : NULL;
    int rc = -1;
    if (!datadir || !gpdir) {
        mp_fail(e, "out of memory");
        goto out;
    }
    if (fs_mkdirs(datadir, 0755, e) != 0 || fs_mkdirs(gpdir, 0755, e) != 0)
        goto out;
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        const rpt_asset *a = rpt_asset_find(scripts[i]);
        char *path = fs_join(gpdir, scripts[i]);
        int w = a && path ? fs_write_file(path, a->data, *a->len, 0644, e)
                          : mp_fail(e, "missing built-in script %s", scripts[i]);
        free(path);
        if (w != 0)
            goto out;
    }
    m->n_charts = 0;
    char *log = fs_join(chartdir, "gnuplot.log");
    if (log)
        remove(log); /* one log per report, not an ever-growing one */
    free(log);
    rpt_buf b;
    size_t runs = 0;
    for (size_t i = 0; i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        if (in->kind == RES_KIND_RUN) {
            runs++;
            continue;
        }
        const res_load *l = in->load;
        char name[128], title[200];
        int any = 0;
        for (int p = 0; p < RES_PHASES; p++)
            any |= l->phases[p].total > 0;
        rpt_buf marks, extra;
        if (any) {
            rpt_buf_init(&b);
            rpt_buf_init(&marks);
            rpt_buf_init(&extra);
            double top = latency_data(l, &b);
            int n = threshold_marks(l, 1, top * 1.25, &extra, &marks);
            rpt_printf(&extra, "marked = %d\n", n);
            /* a phase without samples (first byte in handshake mode) is neither drawn nor in the key */
            rpt_printf(&extra, "has_connect = %d\nhas_handshake = %d\nhas_ttfb = %d\nhas_total = %d\n",
                       l->phases[RES_PH_CONNECT].total > 0, l->phases[RES_PH_HANDSHAKE].total > 0,
                       l->phases[RES_PH_TTFB].total > 0, l->phases[RES_PH_TOTAL].total > 0);
            snprintf(name, sizeof name, "%s-latency", in->label);
            snprintf(title, sizeof title, "%s: latency distribution by phase", in->label);
            rc = chart(m, chartdir, name, "latency.gp", &b, LOAD_W, 360, title,
                       n ? "Share of samples per latency bin (20 bins per decade), per phase; dashed lines: the "
                           "latency thresholds (\u2713 met, \u2717 breached, ? not measured)."
                         : "Share of samples per latency bin (20 bins per decade), per phase.",
                       (int)i, &marks, extra.s, o, e);
            rpt_buf_free(&b);
            rpt_buf_free(&marks);
            rpt_buf_free(&extra);
            if (rc != 0)
                goto out;
        }
        if (l->phases[RES_PH_TOTAL].total) {
            rpt_buf_init(&b);
            rpt_buf_init(&marks);
            rpt_buf_init(&extra);
            spectrum_data(l, &b);
            int n = threshold_marks(l, 0, 1.15, &extra, &marks);
            rpt_printf(&extra, "marked = %d\n", n);
            /* closed loop: every start is the intended one, so the uncorrected
             * series is the same line and is not drawn twice */
            rpt_printf(&extra, "uncorrected = %d\n", l->rate > 0 && l->phases[RES_PH_TOTAL_UNCORRECTED].total > 0);
            snprintf(name, sizeof name, "%s-percentiles", in->label);
            snprintf(title, sizeof title, "%s: latency by percentile", in->label);
            rc = chart(m, chartdir, name, "percentiles.gp", &b, LOAD_W, 360, title,
                       l->rate > 0 ? (n ? "Total latency at each percentile (log scale towards the tail); the "
                                          "corrected series counts from the intended start; dashed lines: "
                                          "thresholds on the total (\u2713 met, \u2717 breached, ? not measured)."
                                        : "Total latency at each percentile (log scale towards the tail); the "
                                          "corrected series counts from the intended start.")
                                   : (n ? "Total latency at each percentile (log scale towards the tail); dashed "
                                          "lines: thresholds on the total (\u2713 met, \u2717 breached, ? not "
                                          "measured)."
                                        : "Total latency at each percentile (log scale towards the tail)."),
                       (int)i, &marks, extra.s, o, e);
            rpt_buf_free(&b);
            rpt_buf_free(&marks);
            rpt_buf_free(&extra);
            if (rc != 0)
                goto out;
        }
        rpt_buf_init(&b);
        int drawn = l->n_series ? series_data(l, &b) : 0;
        if (!drawn)
            rpt_buf_free(&b); /* no chart without data: a load shorter than a second has no series */
        if (drawn) {
            int partial = (drawn & 2) != 0;
            char x[32];
            snprintf(x, sizeof x, "partial = %d\n", partial);
            snprintf(name, sizeof name, "%s-timeline", in->label);
            snprintf(title, sizeof title, "%s: throughput and p99 over time", in->label);
            rc = chart(m, chartdir, name, "timeline.gp", &b, LOAD_W, 340, title,
                       partial ? "Successful handshakes (or requests) per second and that second's p99; the hollow "
                                 "points are the partial last second, as a rate over its length."
                               : "Successful handshakes (or requests) per second and that second's p99.",
                       (int)i, NULL, x, o, e);
            uint64_t errs = 0;
            for (size_t k = 0; k < l->n_series; k++)
                errs += l->series[k].errors;
            /* no chart without data: without errors there is nothing to draw */
            if (rc == 0 && errs) {
                snprintf(name, sizeof name, "%s-errors", in->label);
                snprintf(title, sizeof title, "%s: errors over time", in->label);
                rc = chart(m, chartdir, name, "errors.gp", &b, LOAD_W, 300, title,
                           "Failed handshakes (or requests) per second, all classes; a partial last second "
                           "as a rate over its length.", (int)i, NULL, x, o, e);
            }
            rpt_buf_free(&b);
            if (rc != 0)
                goto out;
        }
    }
    if (runs) {
        rpt_buf_init(&b);
        int present[RES_N_VERDICTS + 1] = { 0 };
        size_t cols = 0, rows = verdict_data(m, &b, &cols, present);
        rc = 0;
        if (rows && cols) {
            int h = 140 + 20 * (int)rows;
            int w = 560 + 90 * (int)cols;
            /* the key names the verdicts the matrix holds, no others */
            char x[160] = "";
            size_t xl = 0;
            for (int v = 0; v <= RES_N_VERDICTS && xl < sizeof x; v++)
                xl += (size_t)snprintf(x + xl, sizeof x - xl, "present_%d = %d\n", v, present[v]);
            rc = chart(m, chartdir, "verdicts", "verdicts.gp", &b, w > 1130 ? 1130 : w, h > 6000 ? 6000 : h,
                       "Verdict matrix", "One row per scenario, one column per TLS version (and run); blank: not run.",
                       -1, NULL, x, o, e);
        }
        rpt_buf_free(&b);
        if (rc != 0)
            goto out;
    }
    rc = 0;
out:
    free(chartdir);
    free(datadir);
    free(gpdir);
    return rc;
}
