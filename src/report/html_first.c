/* The first and the last part of index.html: what a reader needs at a
 * glance (the answer, the counts, the findings and how to fix them) and
 * what an auditor looks up at the end (the run metadata). The first screen
 * shows only facts the result files hold; a fix is shown only for a gateway
 * recognized from the evidence (report/hints.c). */
#include "report/html_first.h"

#include <stdio.h>
#include <string.h>

static void h(rpt_buf *b, const char *s)
{
    rpt_html(b, s);
}

/* `code` spans in a hint become <code>; the rest is escaped text. */
static void hint_html(rpt_buf *b, const char *s)
{
    int in_code = 0;
    while (*s) {
        const char *tick = strchr(s, '`');
        size_t n = tick ? (size_t)(tick - s) : strlen(s);
        char part[700];
        snprintf(part, sizeof part, "%.*s", (int)(n < sizeof part ? n : sizeof part - 1), s);
        h(b, part);
        if (!tick)
            break;
        rpt_put(b, in_code ? "</code>" : "<code>");
        in_code = !in_code;
        s = tick + 1;
    }
    if (in_code)
        rpt_put(b, "</code>");
}

static void sev_card(rpt_buf *b, const char *sev, size_t n)
{
    rpt_printf(b, "<div class=\"card sev-%s%s\" id=\"sev-%s\"><div class=\"n\">%zu</div><div class=\"l\">%s</div></div>",
               sev, n ? " bad" : "", sev, n, sev);
}

void rpt_html_first_screen(rpt_buf *b, const rpt_model *m)
{
    const char *name = rpt_overall_name(m->overall);
    rpt_printf(b, "<section id=\"answer\" class=\"answer answer-%s\">\n<div class=\"verdict\" id=\"overall\" "
                  "data-verdict=\"%s\">%s</div>\n<p class=\"why\" id=\"overall-why\">", name, name, name);
    h(b, m->overall_why);
    rpt_put(b, ".</p>\n</section>\n");
    size_t byv[RES_N_VERDICTS], bys[6][RES_N_VERDICTS], total = 0;
    rpt_count(m, byv, bys);
    for (int v = 0; v < RES_N_VERDICTS; v++)
        total += byv[v];
    if (total) {
        rpt_put(b, "<div class=\"cards\" id=\"severity-counts\"><div class=\"cards-label\">FAILs by severity</div>");
        for (int s = 0; s < 5; s++)
            sev_card(b, rpt_severities[s], m->fails_by_sev[s]);
        if (m->fails_by_sev[5])
            sev_card(b, rpt_severities[5], m->fails_by_sev[5]);
        rpt_put(b, "</div>\n<p class=\"totals\" id=\"totals\">");
        char totals[400];
        rpt_totals_text(m, totals, sizeof totals);
        h(b, totals);
        rpt_put(b, ".");
        for (size_t i = 0; i < m->n_inputs; i++) {
            const rpt_input *in = &m->inputs[i];
            if (in->kind != RES_KIND_RUN)
                continue;
            rpt_printf(b, " <span class=\"gateway\" id=\"gateway-%s\">", in->label);
            h(b, in->label);
            if (in->gateway[0]) {
                rpt_put(b, ": the gateway looks like <strong>");
                h(b, in->gateway_name);
                rpt_put(b, "</strong> (");
                h(b, in->gateway_why);
                rpt_put(b, ").</span>");
            } else {
                rpt_put(b, ": gateway not recognized (no Server header or known pattern), so no configuration "
                           "hints.</span>");
            }
        }
        rpt_put(b, "</p>\n");
    }
    for (size_t i = 0; i < m->n_notices; i++) {
        rpt_put(b, "<div class=\"warn-box notice\">");
        h(b, m->notices[i]);
        rpt_put(b, ".</div>\n");
    }
    if (!m->n_findings)
        return;
    rpt_printf(b, "<section id=\"findings\"><h2>Critical and high findings (%zu)</h2>\n<ol class=\"findings\">\n",
               m->n_findings);
    for (size_t f = 0; f < m->n_findings; f++) {
        const rpt_finding *fd = &m->findings[f];
        const rpt_input *in = &m->inputs[fd->ref.input];
        const res_scenario *s = &in->run.items[fd->ref.item];
        rpt_printf(b, "<li class=\"finding\" data-severity=\"%s\"><span class=\"badge sev %s\">", s->severity,
                   s->severity);
        h(b, s->severity);
        rpt_put(b, "</span> <code class=\"sid\">");
        h(b, s->id);
        rpt_put(b, "</code> ");
        h(b, s->tls_version);
        if (m->n_inputs > 1) {
            rpt_put(b, " (");
            h(b, in->label);
            rpt_put(b, ")");
        }
        if (s->title[0]) {
            rpt_put(b, ": ");
            h(b, s->title);
        }
        rpt_put(b, "<div class=\"evidence\">expected ");
        h(b, s->expected);
        rpt_put(b, "; observed ");
        h(b, s->observed);
        char ev[2048];
        rpt_evidence_text(s, in->fingerprints ? in->fingerprints[fd->ref.item] : "", ev, sizeof ev);
        if (ev[0]) {
            rpt_put(b, " <span class=\"mono\">(");
            h(b, ev);
            rpt_put(b, ")</span>");
        }
        rpt_put(b, "</div>");
        if (fd->hint[0]) {
            rpt_put(b, "<div class=\"hint\"><strong>Fix (");
            h(b, in->gateway_name);
            rpt_put(b, "):</strong> ");
            hint_html(b, fd->hint);
            rpt_put(b, "</div>");
        }
        rpt_put(b, "</li>\n");
    }
    rpt_put(b, "</ol>\n</section>\n");
}

static void meta_row(rpt_buf *b, const char *k, const char *v, int mono)
{
    rpt_put(b, "<tr><th>");
    h(b, k);
    rpt_put(b, mono ? "</th><td class=\"mono\">" : "</th><td>");
    h(b, v && v[0] ? v : "-");
    rpt_put(b, "</td></tr>\n");
}

void rpt_html_metadata(rpt_buf *b, const rpt_model *m)
{
    rpt_put(b, "<section id=\"runs\"><h2>Runs</h2>\n");
    int same_flags = 1;
    for (size_t i = 1; i < m->n_inputs; i++)
        same_flags &= strcmp(m->inputs[i].wolfssl_flags, m->inputs[0].wolfssl_flags) == 0;
    for (size_t i = 0; i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        char t0[40], t1[40];
        const char *tool, *wolf, *sha, *cmd;
        int run = in->kind == RES_KIND_RUN;
        rpt_fmt_time(t0, sizeof t0, run ? in->run.started_ms : in->load->started_ms);
        rpt_fmt_time(t1, sizeof t1, run ? in->run.finished_ms : in->load->finished_ms);
        tool = run ? in->run.tool_version : in->load->tool_version;
        wolf = run ? in->run.wolfssl_version : in->load->wolfssl_version;
        sha = run ? in->run.manifest_sha256 : in->load->manifest_sha256;
        cmd = run ? in->run.command_line : in->load->command_line;
        rpt_printf(b, "<h3 id=\"meta-%s\">", in->label);
        h(b, in->label);
        rpt_put(b, run ? ": conformance run" : ": load");
        rpt_put(b, "</h3>\n<table class=\"meta\">\n");
        meta_row(b, "target", rpt_input_target(in), 1);
        meta_row(b, "result file", in->path, 1);
        char ver[80];
        snprintf(ver, sizeof ver, "mtlsprobe %s", tool[0] ? tool : "?");
        meta_row(b, "tool", ver, 0);
        meta_row(b, "wolfSSL", wolf, 0);
        meta_row(b, "fixture manifest SHA-256", sha, 1);
        meta_row(b, "started", t0, 0);
        meta_row(b, "finished", t1, 0);
        meta_row(b, "command line", cmd, 1);
        if (!run && in->load->n_merged) {
            char w[96];
            snprintf(w, sizeof w, "%zu workers merged (%zu of %d shards%s)", in->load->n_merged, in->load->n_merged,
                     in->load->shard_count, (int)in->load->n_merged < in->load->shard_count ? ": PARTIAL" : "");
            meta_row(b, "merged", w, 0);
        }
        rpt_put(b, "</table>\n");
        if (!same_flags || i == m->n_inputs - 1) {
            rpt_put(b, "<details class=\"flags\"><summary>wolfSSL build flags");
            if (same_flags && m->n_inputs > 1)
                rpt_put(b, " (the same for every input)");
            rpt_put(b, "</summary><p class=\"mono\">");
            h(b, in->wolfssl_flags[0] ? in->wolfssl_flags : "-");
            rpt_put(b, "</p></details>\n");
        }
    }
    rpt_put(b, "</section>\n");
}
