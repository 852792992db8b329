/* index.html. The page is XHTML-compatible HTML5 (every element closed,
 * only the XML entities), so it parses both as HTML and as XML, and the
 * gnuplot SVGs can be inlined as they are once their ids are made unique.
 * A Content-Security-Policy forbids every fetch: the page cannot reach the
 * network even if a result file smuggled in a URL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/assets.h"
#include "report/html_first.h"
#include "report/render.h"
#include "report/text.h"
#include "tls/names.h"
#include "util/fs.h"

static void h(rpt_buf *b, const char *s)
{
    rpt_html(b, s);
}

static void badge(rpt_buf *b, const char *cls, const char *text)
{
    rpt_printf(b, "<span class=\"badge %s\">", cls);
    h(b, text);
    rpt_put(b, "</span>");
}

/* The SVG of a chart with its ids prefixed, so several charts on one page
 * do not share clip paths and markers. */
static void inline_svg(rpt_buf *b, const char *outdir, const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "charts/%s.svg", name);
    char *path = fs_join(outdir, rel), *svg = NULL;
    mp_err e;
    if (!path || fs_read_file(path, &svg, NULL, &e) != 0) {
        rpt_put(b, "<p class=\"note\">chart missing</p>");
        free(path);
        return;
    }
    free(path);
    const char *p = strstr(svg, "<svg");
    if (!p) {
        free(svg);
        return;
    }
    static const char *const pats[] = { "id='", "id=\"", "href='#", "href=\"#", "url(#" };
    while (*p) {
        const char *best = NULL;
        size_t blen = 0;
        for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
            const char *q = strstr(p, pats[i]);
            if (q && (!best || q < best)) {
                best = q;
                blen = strlen(pats[i]);
            }
        }
        if (!best) {
            rpt_put(b, p);
            break;
        }
        rpt_putn(b, p, (size_t)(best - p) + blen);
        rpt_printf(b, "%s-", name);
        p = best + blen;
    }
    free(svg);
}

static void figure(rpt_buf *b, const rpt_model *m, const char *outdir, const rpt_chart *c)
{
    (void)m;
    rpt_printf(b, "<figure id=\"chart-%s\">", c->name);
    inline_svg(b, outdir, c->name);
    rpt_put(b, "<figcaption><strong>");
    h(b, c->title);
    rpt_put(b, "</strong>: ");
    h(b, c->caption);
    rpt_printf(b, " (<a href=\"charts/%s.png\">PNG</a>, <a href=\"charts/%s.svg\">SVG</a>, data in "
                  "<code>charts/data/%s.dat</code>)</figcaption></figure>\n", c->name, c->name, c->name);
}

static void card(rpt_buf *b, size_t n, const char *label, int bad)
{
    rpt_printf(b, "<div class=\"card%s\"><div class=\"n\">%zu</div><div class=\"l\">", bad ? " bad" : "", n);
    h(b, label);
    rpt_put(b, "</div></div>");
}

static void regressions(rpt_buf *b, const rpt_model *m)
{
    if (!m->n_baselines)
        return;
    rpt_put(b, "<section id=\"regressions\"><h2>Regressions</h2>\n<p>Against ");
    for (size_t i = 0; i < m->n_baselines; i++) {
        rpt_put(b, i ? ", <code>" : "<code>");
        h(b, m->baselines[i].path);
        rpt_put(b, "</code>");
    }
    rpt_printf(b, "; a load regresses when its total p99 rises by more than %g%%.</p>\n", m->regress_pct);
    size_t compared = 0;
    for (size_t i = 0; i < m->n_inputs; i++)
        compared += m->inputs[i].baseline_matches > 0;
    if (compared < m->n_inputs)
        rpt_printf(b, "<p class=\"note no-baseline\">%zu of %zu inputs had no matching baseline and were not "
                      "compared (see the notes at the top).</p>\n", m->n_inputs - compared, m->n_inputs);
    if (!m->n_regs) {
        if (compared)
            rpt_printf(b, "<div class=\"ok-box\">No regression in the %zu input%s a baseline matched.</div>\n",
                       compared, compared == 1 ? "" : "s");
        rpt_put(b, "</section>\n");
        return;
    }
    rpt_printf(b, "<div class=\"alert-box\"><strong>%zu regression%s</strong><ul>\n", m->n_regs,
               m->n_regs == 1 ? "" : "s");
    for (size_t i = 0; i < m->n_regs; i++) {
        rpt_put(b, "<li class=\"regression-item\">");
        badge(b, "regression", "REGRESSION");
        rpt_put(b, " ");
        h(b, m->regs[i].input);
        rpt_put(b, ": ");
        h(b, m->regs[i].what);
        rpt_put(b, "</li>\n");
    }
    rpt_put(b, "</ul></div>\n</section>\n");
}

static void conformance(rpt_buf *b, const rpt_model *m, const char *outdir)
{
    size_t byv[RES_N_VERDICTS], bys[6][RES_N_VERDICTS];
    size_t waived = rpt_count(m, byv, bys), total = 0;
    for (int v = 0; v < RES_N_VERDICTS; v++)
        total += byv[v];
    if (!total)
        return;
    rpt_put(b, "<section id=\"conformance\"><h2>Conformance</h2>\n");
    rpt_put(b, "<table id=\"counts\"><tr><th>severity</th>");
    for (int v = 0; v < RES_N_VERDICTS; v++)
        rpt_printf(b, "<th class=\"num\">%s</th>", res_verdict_name((res_verdict)v));
    rpt_put(b, "<th class=\"num\">total</th></tr>\n");
    for (int s = 0; s < 6; s++) {
        size_t row = 0;
        for (int v = 0; v < RES_N_VERDICTS; v++)
            row += bys[s][v];
        if (!row)
            continue;
        rpt_printf(b, "<tr><td>%s</td>", rpt_severities[s]);
        for (int v = 0; v < RES_N_VERDICTS; v++)
            rpt_printf(b, "<td class=\"num\">%zu</td>", bys[s][v]);
        rpt_printf(b, "<td class=\"num\">%zu</td></tr>\n", row);
    }
    rpt_put(b, "<tr><th>all</th>");
    for (int v = 0; v < RES_N_VERDICTS; v++)
        rpt_printf(b, "<th class=\"num\" id=\"count-%s\">%zu</th>", res_verdict_name((res_verdict)v), byv[v]);
    rpt_printf(b, "<th class=\"num\" id=\"count-total\">%zu</th></tr>\n</table>\n", total);
    if (waived)
        rpt_printf(b, "<p class=\"note\" id=\"waived-note\">%zu of the FAILs %s covered by a waiver "
                      "(<code>run --waivers</code>): accepted until the waiver expires, and not counted "
                      "towards the exit code.</p>\n", waived, waived == 1 ? "is" : "are");
    for (size_t c = 0; c < m->n_charts; c++)
        if (m->charts[c].input < 0)
            figure(b, m, outdir, &m->charts[c]);
    for (size_t i = 0; i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        if (in->kind != RES_KIND_RUN)
            continue;
        rpt_printf(b, "<h3>%s: ", in->label);
        h(b, in->run.target);
        rpt_printf(b, "</h3>\n<table class=\"scenarios\" id=\"scenarios-%s\">\n<tr><th>verdict</th><th>severity</th>"
                      "<th>scenario</th><th>TLS</th><th>expected</th><th>observed</th><th>evidence</th></tr>\n",
                   in->label);
        size_t *order = malloc((in->run.n ? in->run.n : 1) * sizeof *order);
        if (!order) {
            b->oom = 1;
            return;
        }
        rpt_order_items(&in->run, order);
        for (size_t k = 0; k < in->run.n; k++) {
            const res_scenario *s = &in->run.items[order[k]];
            char ev[2048];
            rpt_evidence_text(s, in->fingerprints ? in->fingerprints[order[k]] : "", ev, sizeof ev);
            rpt_printf(b, "<tr class=\"scenario\" data-verdict=\"%s\"%s><td>", res_verdict_name(s->verdict),
                       s->waived ? " data-waived=\"true\"" : "");
            badge(b, s->waived ? "FAIL waived" : res_verdict_name(s->verdict), rpt_verdict_label(s));
            rpt_put(b, "</td><td>");
            h(b, s->severity);
            rpt_put(b, "</td><td><code class=\"sid\">");
            h(b, s->id);
            rpt_put(b, "</code>");
            if (s->title[0]) {
                rpt_put(b, "<br/>");
                h(b, s->title);
            }
            rpt_put(b, "</td>");
            rpt_html_cells(b, (const char *const[]){ s->tls_version, s->expected, s->observed }, 3);
            rpt_put(b, "<td class=\"mono\">");
            h(b, ev);
            rpt_put(b, "</td></tr>\n");
        }
        free(order);
        rpt_put(b, "</table>\n");
    }
    rpt_put(b, "</section>\n");
}

static void ref_item(rpt_buf *b, const rpt_model *m, const rpt_ref *ref)
{
    const rpt_input *in = &m->inputs[ref->input];
    const res_scenario *s = &in->run.items[ref->item];
    rpt_put(b, "<li>");
    badge(b, s->waived ? "FAIL waived" : res_verdict_name(s->verdict), rpt_verdict_label(s));
    rpt_put(b, " <code>");
    h(b, s->id);
    rpt_put(b, "</code> ");
    h(b, s->tls_version);
    if (m->n_inputs > 1) {
        rpt_put(b, " (");
        h(b, in->label);
        rpt_put(b, ")");
    }
    rpt_put(b, "</li>");
}

static void compliance(rpt_buf *b, const rpt_model *m)
{
    if (!m->n_controls)
        return;
    rpt_put(b, "<section id=\"compliance\"><h2>Compliance</h2>\n<p class=\"note\">A control is <em>met</em> "
               "when the scenarios that can show it ran and every scenario that evidences it passed, <em>not "
               "met</em> when one failed, <em>partial</em> when passes mix with inconclusive verdicts, errors or "
               "skips, and <em>not assessed</em> when the scenarios it needs did not run and pass (named beside "
               "it) or nothing passed. INFO verdicts only record what the gateway did and evidence nothing "
               "(<em>recorded</em>). Failing controls first. Passing scenarios are evidence for an assessor, "
               "not a certification.</p>\n");
    rpt_put(b, "<table id=\"controls\"><tr><th>control</th><th>status</th><th class=\"num\">PASS</th>"
               "<th class=\"num\">FAIL</th><th class=\"num\">INCONCL.</th><th class=\"num\">ERROR</th>"
               "<th class=\"num\">SKIP</th><th class=\"num\">recorded</th><th>failing scenarios</th></tr>\n");
    for (size_t i = 0; i < m->n_controls; i++) {
        const rpt_control *c = &m->controls[i];
        rpt_printf(b, "<tr class=\"control\" data-status=\"%s\"><td><code>", rpt_status_class(c->status));
        h(b, c->id);
        rpt_put(b, "</code> ");
        if (c->defined) {
            rpt_put(b, "<span class=\"ctl-title\" title=\"");
            h(b, c->text);
            rpt_put(b, "\">");
            h(b, c->framework);
            rpt_put(b, ": ");
            h(b, c->title);
            rpt_put(b, "</span>");
        } else {
            badge(b, "no-definition", "no definition");
        }
        rpt_put(b, "</td><td>");
        badge(b, rpt_status_class(c->status), rpt_status_name(c->status));
        if (c->status == RPT_NOT_ASSESSED && c->missing[0]) {
            rpt_put(b, "<div class=\"needs\">needs ");
            h(b, c->missing);
            rpt_put(b, ", not run and passed here</div>");
        }
        rpt_put(b, "</td>");
        static const res_verdict cols[] = { RES_PASS, RES_FAIL, RES_INCONCLUSIVE, RES_ERROR, RES_SKIP };
        for (int k = 0; k < 5; k++)
            rpt_printf(b, "<td class=\"num%s\">%zu</td>", c->counts[cols[k]] && cols[k] != RES_PASS ? " hot" : "",
                       c->counts[cols[k]]);
        rpt_printf(b, "<td class=\"num\">%zu</td><td>", c->recorded);
        size_t bad = 0;
        for (size_t r = 0; r < c->n_refs; r++) {
            const res_scenario *s = &m->inputs[c->refs[r].input].run.items[c->refs[r].item];
            if (s->verdict == RES_PASS || s->verdict == RES_SKIP || s->verdict == RES_INFO)
                continue;
            rpt_put(b, bad++ ? "" : "<ul class=\"refs\">");
            ref_item(b, m, &c->refs[r]);
        }
        if (bad)
            rpt_put(b, "</ul>");
        if (c->n_refs > bad) {
            rpt_printf(b, "<details><summary>%zu other%s</summary><ul class=\"refs\">", c->n_refs - bad,
                       bad ? "" : " (none failing)");
            for (size_t r = 0; r < c->n_refs; r++) {
                const res_scenario *s = &m->inputs[c->refs[r].input].run.items[c->refs[r].item];
                if (s->verdict == RES_PASS || s->verdict == RES_SKIP || s->verdict == RES_INFO)
                    ref_item(b, m, &c->refs[r]);
            }
            rpt_put(b, "</ul></details>");
        }
        rpt_put(b, "</td></tr>\n");
    }
    rpt_put(b, "</table>\n");
    if (m->uncited[0]) {
        rpt_put(b, "<p class=\"note\">Defined controls no scenario in these results evidences: ");
        h(b, m->uncited);
        rpt_put(b, ".</p>\n");
    }
    rpt_put(b, "</section>\n");
}

static void load_section(rpt_buf *b, const rpt_model *m, const char *outdir)
{
    int any = 0;
    for (size_t i = 0; i < m->n_inputs; i++)
        any |= m->inputs[i].kind == RES_KIND_LOAD;
    if (!any)
        return;
    rpt_put(b, "<section id=\"load\"><h2>Load</h2>\n");
    for (size_t i = 0; i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        if (in->kind != RES_KIND_LOAD)
            continue;
        const res_load *l = in->load;
        rpt_printf(b, "<h3 id=\"%s\">%s: ", in->label, in->label);
        h(b, l->target);
        rpt_put(b, "</h3>\n");
        if (l->n_merged && (int)l->n_merged < l->shard_count)
            rpt_printf(b, "<div class=\"warn-box partial-merge\">Partial merge: %zu of %d shards. Totals, rates "
                          "and the charts cover only the workers given.</div>\n", l->n_merged, l->shard_count);
        rpt_put(b, "<p>");
        char cfg[1024];
        snprintf(cfg, sizeof cfg, "%s mode, %s, %d connections%s, client %s%s", l->mode, l->tls_version,
                 l->connections, l->rate > 0 ? " (open loop)" : " (closed loop)", l->client[0] ? l->client : "-",
                 l->interrupted ? "; interrupted" : "");
        h(b, cfg);
        if (l->rate > 0)
            rpt_printf(b, "; target rate %.1f/s", l->rate);
        rpt_put(b, "</p>\n<div class=\"cards\">");
        card(b, (size_t)l->handshakes, "handshakes", 0);
        card(b, (size_t)l->ok, "ok", 0);
        card(b, (size_t)l->errors, "errors", l->errors > 0);
        rpt_printf(b, "<div class=\"card\"><div class=\"n\">%.1f</div><div class=\"l\">per second</div></div>",
                   l->rate_per_s);
        if (l->resume_attempts)
            card(b, (size_t)l->resumed, "resumed", 0);
        rpt_put(b, "</div>\n");
        rpt_printf(b, "<table class=\"phases\" id=\"phases-%s\"><tr><th>phase (ms)</th><th class=\"num\">p50</th>"
                      "<th class=\"num\">p90</th><th class=\"num\">p99</th><th class=\"num\">p99.9</th>"
                      "<th class=\"num\">max</th><th class=\"num\">mean</th><th class=\"num\">count</th></tr>\n",
                   in->label);
        char cells[7][24];
        for (int p = 0; p < RES_PHASES; p++) {
            if (!rpt_phase_shown(l, p) || !rpt_phase_cells(&l->phases[p], cells))
                continue;
            rpt_printf(b, "<tr><td>%s</td>", res_phase_name(p));
            for (int k = 0; k < 7; k++)
                rpt_printf(b, "<td class=\"num\">%s</td>", cells[k]);
            rpt_put(b, "</tr>\n");
        }
        rpt_put(b, "</table>\n");
        if (l->errors) {
            rpt_put(b, "<table class=\"errors\"><tr><th>error</th><th class=\"num\">count</th></tr>\n");
            for (size_t k = 0; k < l->by_class.n; k++) {
                rpt_put(b, "<tr><td>");
                h(b, l->by_class.items[k].key);
                rpt_printf(b, "</td><td class=\"num\">%llu</td></tr>\n",
                           (unsigned long long)l->by_class.items[k].count);
            }
            for (size_t k = 0; k < l->alerts.n; k++) {
                char name[96];
                snprintf(name, sizeof name, "alert %s (%s)", tls_alert_name(atoi(l->alerts.items[k].key)),
                         l->alerts.items[k].key);
                rpt_put(b, "<tr><td>");
                h(b, name);
                rpt_printf(b, "</td><td class=\"num\">%llu</td></tr>\n",
                           (unsigned long long)l->alerts.items[k].count);
            }
            for (size_t k = 0; k < l->http_status.n; k++) {
                rpt_put(b, "<tr><td>HTTP ");
                h(b, l->http_status.items[k].key);
                rpt_printf(b, "</td><td class=\"num\">%llu</td></tr>\n",
                           (unsigned long long)l->http_status.items[k].count);
            }
            for (size_t k = 0; k < l->n_messages; k++) {
                rpt_put(b, "<tr><td>");
                h(b, l->messages[k].cls);
                rpt_put(b, ": ");
                h(b, l->messages[k].text);
                rpt_printf(b, "</td><td class=\"num\">%llu</td></tr>\n", (unsigned long long)l->messages[k].count);
            }
            rpt_put(b, "</table>\n");
        }
        char notes[4][RPT_NOTE_MAX];
        for (size_t k = 0, nn = rpt_load_notes(l, notes, 4); k < nn; k++) {
            rpt_put(b, "<p class=\"note\">");
            h(b, notes[k]);
            rpt_put(b, "</p>\n");
        }
        if (l->n_sources) {
            rpt_printf(b, "<p class=\"note\">Source addresses: %d (", l->n_sources);
            h(b, l->sources);
            rpt_put(b, ").</p>\n");
        }
        if (l->n_stages) {
            rpt_printf(b, "<table class=\"stages\"><tr><th>stage</th><th class=\"num\">duration (s)</th>"
                          "<th class=\"num\">target (%s)</th><th class=\"num\">ok</th><th class=\"num\">errors</th>"
                          "<th class=\"num\">per second</th><th class=\"num\">handshake p99 (ms)</th>"
                          "<th class=\"num\">total p99 (ms)</th></tr>\n",
                       strcmp(l->stages_kind, "rate") == 0 ? "per second" : "connections");
            for (size_t k = 0; k < l->n_stages; k++) {
                const res_stage *g = &l->stages[k];
                rpt_printf(b, "<tr><td>%zu</td><td class=\"num\">%.1f</td><td class=\"num\">%g</td>"
                              "<td class=\"num\">%llu</td><td class=\"num\">%llu</td><td class=\"num\">%.1f</td>",
                           k + 1, g->duration_s, g->target, (unsigned long long)g->ok, (unsigned long long)g->errors,
                           g->rate_per_s);
                if (g->handshake_p99_ms >= 0) rpt_printf(b, "<td class=\"num\">%.3f</td>", g->handshake_p99_ms);
                else rpt_put(b, "<td class=\"num\">-</td>");
                if (g->total_p99_ms >= 0) rpt_printf(b, "<td class=\"num\">%.3f</td></tr>\n", g->total_p99_ms);
                else rpt_put(b, "<td class=\"num\">-</td></tr>\n");
            }
            rpt_put(b, "</table>\n");
        }
        if (l->n_thresholds) {
            rpt_put(b, "<table class=\"thresholds\"><tr><th>threshold</th><th class=\"num\">observed</th>"
                       "<th></th></tr>\n");
            for (size_t k = 0; k < l->n_thresholds; k++) {
                rpt_put(b, "<tr><td>");
                h(b, l->thresholds[k].expr);
                rpt_put(b, "</td><td class=\"num\">");
                h(b, l->thresholds[k].observed);
                rpt_printf(b, "</td><td>%s</td></tr>\n", l->thresholds[k].ok > 0 ? "\u2713 met" : l->thresholds[k].ok < 0 ? "? not measured" : "\u2717 breached");
            }
            rpt_put(b, "</table>\n");
        }
        double us = l->handshakes ? (l->cpu_user_s + l->cpu_system_s) * 1e6 / (double)l->handshakes : 0;
        rpt_printf(b, "<p class=\"note\">Client CPU %.0f us per handshake (user %.2f s, system %.2f s); busiest "
                      "worker %.0f%% busy; peak memory %.1f MiB.", us, l->cpu_user_s, l->cpu_system_s,
                   l->busiest_worker * 100, l->peak_rss_mib);
        char why[400];
        if (res_load_limit(l, why, sizeof why) != RES_LIMIT_NONE) {
            rpt_put(b, " Limit: ");
            rpt_html(b, why);
            rpt_put(b, ".");
        }
        rpt_put(b, "</p>\n");
        rpt_put(b, "<div class=\"charts\">\n");
        for (size_t c = 0; c < m->n_charts; c++)
            if (m->charts[c].input == (int)i)
                figure(b, m, outdir, &m->charts[c]);
        rpt_put(b, "</div>\n");
    }
    rpt_put(b, "</section>\n");
}

int rpt_html_write(const rpt_model *m, const char *outdir, mp_err *e)
{
    rpt_buf b;
    rpt_buf_init(&b);
    const rpt_asset *css = rpt_asset_find("style.css");
    rpt_put(&b, "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n"
                "<meta charset=\"utf-8\"/>\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'; img-src data:\"/>\n<title>");
    h(&b, m->title);
    rpt_put(&b, "</title>\n<style>\n");
    if (css)
        rpt_putn(&b, css->data, *css->len);
    rpt_put(&b, "</style>\n</head>\n<body>\n<header><h1 id=\"title\">");
    h(&b, m->title);
    char when[40];
    rpt_fmt_time(when, sizeof when, m->generated_ms);
    rpt_printf(&b, "</h1>\n<p class=\"lead\">Generated %s by mtlsprobe %s from %zu result file%s.</p>\n", when,
               MTLSPROBE_VERSION, m->n_inputs, m->n_inputs == 1 ? "" : "s");
    rpt_put(&b, "<nav>");
    if (m->n_findings)
        rpt_put(&b, "<a href=\"#findings\">Findings</a>");
    if (m->n_baselines)
        rpt_put(&b, "<a href=\"#regressions\">Regressions</a>");
    size_t byv[RES_N_VERDICTS], bys[6][RES_N_VERDICTS];
    size_t total = 0, loads = 0;
    rpt_count(m, byv, bys);
    for (int v = 0; v < RES_N_VERDICTS; v++)
        total += byv[v];
    for (size_t i = 0; i < m->n_inputs; i++)
        loads += m->inputs[i].kind == RES_KIND_LOAD;
    if (total)
        rpt_put(&b, "<a href=\"#conformance\">Conformance</a>");
    if (m->n_controls)
        rpt_put(&b, "<a href=\"#compliance\">Compliance</a>");
    if (loads)
        rpt_put(&b, "<a href=\"#load\">Load</a>");
    rpt_put(&b, "<a href=\"#runs\">Runs</a></nav>\n</header>\n<main>\n");
    rpt_html_first_screen(&b, m);
    regressions(&b, m);
    conformance(&b, m, outdir);
    compliance(&b, m);
    load_section(&b, m, outdir);
    rpt_html_metadata(&b, m);
    rpt_put(&b, "</main>\n<footer>mtlsprobe report. Charts drawn by gnuplot from the data files in "
                "<code>charts/data/</code>; the Markdown version is <code>report.md</code>.</footer>\n"
                "</body>\n</html>\n");
    int rc = rpt_buf_write(&b, outdir, "index.html", e);
    rpt_buf_free(&b);
    return rc;
}
