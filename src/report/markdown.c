/* report.md, for CI job summaries (GitHub, GitLab) and chat: the overall
 * verdict, the FAILs by severity, the critical and high findings with a fix
 * for the recognized gateway, notices, regressions and failures come first; the full scenario list and
 * the controls sit in collapsed <details> blocks so the summary stays short;
 * charts are linked as PNG files next to the report, or left out
 * (--md-images none) where the Markdown travels without them, as in a CI
 * job summary, so it never shows a broken image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/render.h"
#include "report/text.h"
#include "tls/names.h"
#include "util/fs.h"

static void md(rpt_buf *b, const char *s)
{
    rpt_md(b, s);
}

static void scenario_rows(rpt_buf *b, const rpt_input *in, const size_t *order, int failures_only)
{
    rpt_put(b, "| verdict | severity | scenario | TLS | expected | observed | evidence |\n"
               "| --- | --- | --- | --- | --- | --- | --- |\n");
    for (size_t k = 0; k < in->run.n; k++) {
        const res_scenario *s = &in->run.items[order[k]];
        if (failures_only && s->verdict != RES_FAIL && s->verdict != RES_ERROR && s->verdict != RES_INCONCLUSIVE)
            continue;
        char ev[2048];
        rpt_evidence_text(s, in->fingerprints ? in->fingerprints[order[k]] : "", ev, sizeof ev);
        rpt_printf(b, "| **%s** |", rpt_verdict_label(s));
        rpt_md_cells(b, (const char *const[]){ s->severity, s->id, s->tls_version, s->expected, s->observed, ev }, 6);
        rpt_put(b, "\n");
    }
}

static void conformance(rpt_buf *b, const rpt_model *m, int images)
{
    size_t byv[RES_N_VERDICTS], bys[6][RES_N_VERDICTS];
    rpt_count(m, byv, bys);
    size_t total = 0;
    for (int v = 0; v < RES_N_VERDICTS; v++)
        total += byv[v];
    if (!total)
        return;
    rpt_put(b, "\n## Conformance\n\n| severity |");
    for (int v = 0; v < RES_N_VERDICTS; v++)
        rpt_printf(b, " %s |", res_verdict_name((res_verdict)v));
    rpt_put(b, " total |\n| --- |");
    for (int v = 0; v <= RES_N_VERDICTS; v++)
        rpt_put(b, " ---: |");
    rpt_put(b, "\n");
    for (int s = 0; s < 6; s++) {
        size_t row = 0;
        for (int v = 0; v < RES_N_VERDICTS; v++)
            row += bys[s][v];
        if (!row)
            continue;
        rpt_printf(b, "| %s |", rpt_severities[s]);
        for (int v = 0; v < RES_N_VERDICTS; v++)
            rpt_printf(b, " %zu |", bys[s][v]);
        rpt_printf(b, " %zu |\n", row);
    }
    rpt_put(b, "| **all** |");
    for (int v = 0; v < RES_N_VERDICTS; v++)
        rpt_printf(b, " **%zu** |", byv[v]);
    rpt_printf(b, " **%zu** |\n", total);
    for (size_t c = 0; images && c < m->n_charts; c++)
        if (m->charts[c].input < 0)
            rpt_printf(b, "\n![%s](charts/%s.png)\n", m->charts[c].title, m->charts[c].name);
    for (size_t i = 0; i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        if (in->kind != RES_KIND_RUN)
            continue;
        size_t *order = malloc((in->run.n ? in->run.n : 1) * sizeof *order);
        if (!order) {
            b->oom = 1;
            return;
        }
        rpt_order_items(&in->run, order);
        res_counts c = res_run_count(&in->run);
        rpt_printf(b, "\n### %s: ", in->label);
        md(b, in->run.target);
        char waived[48] = "";
        if (c.waived)
            snprintf(waived, sizeof waived, " (%zu waived)", c.waived);
        rpt_printf(b, "\n\n%zu passed, %zu failed%s, %zu inconclusive, %zu errors, %zu skipped.\n\n",
                   c.passed, c.failed, waived, c.inconclusive, c.errors, c.skipped);
        if (c.failed || c.errors || c.inconclusive) {
            scenario_rows(b, in, order, 1);
            rpt_put(b, "\n");
        }
        rpt_printf(b, "<details><summary>All %zu verdicts</summary>\n\n", in->run.n);
        scenario_rows(b, in, order, 0);
        rpt_put(b, "\n</details>\n");
        free(order);
    }
}

static void compliance(rpt_buf *b, const rpt_model *m)
{
    if (!m->n_controls)
        return;
    rpt_put(b, "\n## Compliance\n\nFailing controls first; *recorded* (INFO) observations evidence nothing and never "
               "make a control met, and a control is *not assessed* until the scenarios it needs ran and passed.\n\n<details><summary>Controls evidenced by the scenarios</summary>\n\n"
               "| control | status | PASS | FAIL | INCONCL. | ERROR | SKIP | recorded | failing scenarios |\n"
               "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for (size_t i = 0; i < m->n_controls; i++) {
        const rpt_control *c = &m->controls[i];
        rpt_put(b, "| ");
        md(b, c->id);
        if (c->defined) {
            rpt_put(b, " ");
            md(b, c->framework);
            rpt_put(b, ": ");
            md(b, c->title);
        } else {
            rpt_put(b, " (no definition)");
        }
        rpt_printf(b, " | **%s**", rpt_status_name(c->status));
        if (c->status == RPT_NOT_ASSESSED && c->missing[0]) {
            rpt_put(b, " (needs ");
            md(b, c->missing);
            rpt_put(b, ")");
        }
        rpt_printf(b, " | %zu | %zu | %zu | %zu | %zu | %zu | ",
                   c->counts[RES_PASS], c->counts[RES_FAIL], c->counts[RES_INCONCLUSIVE], c->counts[RES_ERROR],
                   c->counts[RES_SKIP], c->recorded);
        size_t bad = 0;
        for (size_t r = 0; r < c->n_refs; r++) {
            const rpt_input *in = &m->inputs[c->refs[r].input];
            const res_scenario *s = &in->run.items[c->refs[r].item];
            if (s->verdict == RES_PASS || s->verdict == RES_SKIP || s->verdict == RES_INFO)
                continue;
            rpt_put(b, bad++ ? ", " : "");
            md(b, s->id);
            rpt_printf(b, " %s %s", s->tls_version, rpt_verdict_label(s));
        }
        rpt_put(b, bad ? " |\n" : "- |\n");
    }
    rpt_put(b, "\n</details>\n");
}

static void loads(rpt_buf *b, const rpt_model *m, int images)
{
    for (size_t i = 0; i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        if (in->kind != RES_KIND_LOAD)
            continue;
        const res_load *l = in->load;
        rpt_printf(b, "\n## Load %s: ", in->label);
        md(b, l->target);
        if (l->n_merged && (int)l->n_merged < l->shard_count)
            rpt_printf(b, "\n\n> **Partial merge: %zu of %d shards.** Totals, rates and charts cover only the "
                          "workers given.", l->n_merged, l->shard_count);
        rpt_printf(b, "\n\n%s mode, %s, %d connections; %llu handshakes, %llu ok, %llu errors, %.1f/s%s.\n\n",
                   l->mode, l->tls_version, l->connections, (unsigned long long)l->handshakes,
                   (unsigned long long)l->ok, (unsigned long long)l->errors, l->rate_per_s,
                   l->interrupted ? " (interrupted)" : "");
        rpt_put(b, "| phase (ms) | p50 | p90 | p99 | p99.9 | max | mean | count |\n"
                   "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        char cells[7][24];
        for (int p = 0; p < RES_PHASES; p++) {
            if (!rpt_phase_shown(l, p) || !rpt_phase_cells(&l->phases[p], cells))
                continue;
            rpt_printf(b, "| %s |", res_phase_name(p));
            rpt_md_cells(b, (const char *const[]){ cells[0], cells[1], cells[2], cells[3], cells[4], cells[5],
                                                   cells[6] }, 7);
            rpt_put(b, "\n");
        }
        if (l->errors) {
            rpt_put(b, "\nErrors:");
            for (size_t k = 0; k < l->by_class.n; k++) {
                rpt_put(b, k ? ", " : " ");
                md(b, l->by_class.items[k].key);
                rpt_printf(b, " %llu", (unsigned long long)l->by_class.items[k].count);
            }
            for (size_t k = 0; k < l->alerts.n; k++)
                rpt_printf(b, "; alert %s (%d) %llu", tls_alert_name(atoi(l->alerts.items[k].key)),
                           atoi(l->alerts.items[k].key), (unsigned long long)l->alerts.items[k].count);
            for (size_t k = 0; k < l->http_status.n; k++)
                rpt_printf(b, "; HTTP %d %llu", atoi(l->http_status.items[k].key),
                           (unsigned long long)l->http_status.items[k].count);
            rpt_put(b, ".\n");
            for (size_t k = 0; k < l->n_messages; k++) {
                rpt_put(b, k ? "; " : "\nFirst error messages: ");
                md(b, l->messages[k].text);
                rpt_printf(b, " (%llu)", (unsigned long long)l->messages[k].count);
            }
            if (l->n_messages)
                rpt_put(b, ".\n");
        }
        char notes[4][RPT_NOTE_MAX];
        for (size_t k = 0, nn = rpt_load_notes(l, notes, 4); k < nn; k++)
            rpt_printf(b, "\n%s\n", notes[k]);
        if (l->n_sources)
            rpt_printf(b, "\nSource addresses: %d (%s).\n", l->n_sources, l->sources);
        if (l->n_stages) {
            rpt_printf(b, "\n| stage | duration (s) | target (%s) | ok | errors | per second | handshake p99 (ms) | total p99 (ms) |\n"
                          "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
                       strcmp(l->stages_kind, "rate") == 0 ? "per second" : "connections");
            for (size_t k = 0; k < l->n_stages; k++) {
                const res_stage *g = &l->stages[k];
                rpt_printf(b, "| %zu | %.1f | %g | %llu | %llu | %.1f | ", k + 1, g->duration_s, g->target,
                           (unsigned long long)g->ok, (unsigned long long)g->errors, g->rate_per_s);
                if (g->handshake_p99_ms >= 0) rpt_printf(b, "%.3f | ", g->handshake_p99_ms);
                else rpt_put(b, "- | ");
                if (g->total_p99_ms >= 0) rpt_printf(b, "%.3f |\n", g->total_p99_ms);
                else rpt_put(b, "- |\n");
            }
        }
        if (l->n_thresholds) {
            rpt_put(b, "\n| threshold | observed | |\n| --- | ---: | --- |\n");
            for (size_t k = 0; k < l->n_thresholds; k++) {
                rpt_put(b, "| ");
                md(b, l->thresholds[k].expr);
                rpt_put(b, " | ");
                md(b, l->thresholds[k].observed);
                rpt_printf(b, " | %s |\n", l->thresholds[k].ok > 0 ? "\u2713 met" : l->thresholds[k].ok < 0 ? "? not measured" : "\u2717 breached");
            }
        }
        rpt_put(b, "\n");
        for (size_t c = 0; images && c < m->n_charts; c++)
            if (m->charts[c].input == (int)i)
                rpt_printf(b, "![%s](charts/%s.png)\n", m->charts[c].title, m->charts[c].name);
    }
}

static void metadata(rpt_buf *b, const rpt_model *m)
{
    rpt_put(b, "\n## Runs\n\n| input | target | tool | wolfSSL | manifest SHA-256 | started | finished |\n"
               "| --- | --- | --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        int run = in->kind == RES_KIND_RUN;
        char t0[40], t1[40];
        rpt_fmt_time(t0, sizeof t0, run ? in->run.started_ms : in->load->started_ms);
        rpt_fmt_time(t1, sizeof t1, run ? in->run.finished_ms : in->load->finished_ms);
        const char *sha = run ? in->run.manifest_sha256 : in->load->manifest_sha256;
        rpt_printf(b, "| %s | ", in->label);
        md(b, rpt_input_target(in));
        rpt_put(b, " | ");
        md(b, run ? in->run.tool_version : in->load->tool_version);
        rpt_put(b, " | ");
        md(b, run ? in->run.wolfssl_version : in->load->wolfssl_version);
        rpt_put(b, " | ");
        md(b, sha[0] ? sha : "-");
        rpt_printf(b, " | %s | %s |\n", t0, t1);
    }
    int same_flags = 1;
    for (size_t i = 1; i < m->n_inputs; i++)
        same_flags &= strcmp(m->inputs[i].wolfssl_flags, m->inputs[0].wolfssl_flags) == 0;
    rpt_put(b, "\n<details><summary>Command lines and wolfSSL build flags</summary>\n\n");
    for (size_t i = 0; i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        int run = in->kind == RES_KIND_RUN;
        rpt_printf(b, "- %s (", in->label);
        md(b, in->path);
        rpt_put(b, "): ");
        md(b, run ? in->run.command_line : in->load->command_line);
        if (!same_flags) {
            rpt_put(b, "; wolfSSL flags: ");
            md(b, in->wolfssl_flags[0] ? in->wolfssl_flags : "-");
        }
        rpt_put(b, "\n");
    }
    if (same_flags && m->n_inputs) {
        rpt_put(b, "- wolfSSL flags (every input): ");
        md(b, m->inputs[0].wolfssl_flags[0] ? m->inputs[0].wolfssl_flags : "-");
        rpt_put(b, "\n");
    }
    rpt_put(b, "\n</details>\n");
}

/* The answer first: verdict, FAILs by severity, notices, then the critical
 * and high findings with their evidence and fix. */
static void first_screen(rpt_buf *b, const rpt_model *m)
{
    rpt_printf(b, "\n## Verdict: %s\n\n", rpt_overall_name(m->overall));
    md(b, m->overall_why);
    rpt_put(b, ".\n");
    size_t byv[RES_N_VERDICTS], bys[6][RES_N_VERDICTS], total = 0;
    rpt_count(m, byv, bys);
    for (int v = 0; v < RES_N_VERDICTS; v++)
        total += byv[v];
    if (total) {
        rpt_put(b, "\n| FAILs by severity | critical | high | medium | low | info |\n| --- | ---: | ---: | ---: | ---: | ---: |\n| |");
        for (int s = 0; s < 5; s++)
            rpt_printf(b, " %zu |", m->fails_by_sev[s]);
        rpt_put(b, "\n");
        for (size_t i = 0; i < m->n_inputs; i++) {
            const rpt_input *in = &m->inputs[i];
            if (in->kind != RES_KIND_RUN)
                continue;
            rpt_printf(b, "\n%s: ", in->label);
            if (in->gateway[0]) {
                rpt_put(b, "the gateway looks like **");
                md(b, in->gateway_name);
                rpt_put(b, "** (");
                md(b, in->gateway_why);
                rpt_put(b, ").\n");
            } else {
                rpt_put(b, "gateway not recognized, so no configuration hints.\n");
            }
        }
    }
    for (size_t i = 0; i < m->n_notices; i++) {
        rpt_put(b, "\n> **Note:** ");
        md(b, m->notices[i]);
        rpt_put(b, ".\n");
    }
    if (!m->n_findings)
        return;
    rpt_printf(b, "\n### Critical and high findings (%zu)\n\n", m->n_findings);
    for (size_t f = 0; f < m->n_findings; f++) {
        const rpt_finding *fd = &m->findings[f];
        const rpt_input *in = &m->inputs[fd->ref.input];
        const res_scenario *s = &in->run.items[fd->ref.item];
        rpt_printf(b, "%zu. **%s** `", f + 1, s->severity);
        md(b, s->id);
        rpt_put(b, "` ");
        md(b, s->tls_version);
        if (m->n_inputs > 1)
            rpt_printf(b, " (%s)", in->label);
        rpt_put(b, ": expected ");
        md(b, s->expected);
        rpt_put(b, "; observed ");
        md(b, s->observed);
        rpt_put(b, ".");
        if (fd->hint[0]) {
            rpt_put(b, "<br/>Fix (");
            md(b, in->gateway_name);
            rpt_put(b, "): ");
            rpt_md_code(b, fd->hint);
        }
        rpt_put(b, "\n");
    }
}

int rpt_markdown_write(const rpt_model *m, const char *path, int images, mp_err *e)
{
    rpt_buf b;
    rpt_buf_init(&b);
    rpt_put(&b, "# ");
    md(&b, m->title);
    size_t byv[RES_N_VERDICTS], bys[6][RES_N_VERDICTS];
    size_t waived = rpt_count(m, byv, bys);
    char when[40];
    rpt_fmt_time(when, sizeof when, m->generated_ms);
    rpt_printf(&b, "\n\nGenerated %s by mtlsprobe %s. ", when, MTLSPROBE_VERSION);
    size_t total = 0;
    for (int v = 0; v < RES_N_VERDICTS; v++)
        total += byv[v];
    if (total) {
        char totals[400];
        rpt_totals_text(m, totals, sizeof totals);
        rpt_put(&b, "**");
        md(&b, totals);
        rpt_put(&b, ".** ");
    }
    if (waived)
        rpt_printf(&b, "%zu of the FAILs %s waived (`run --waivers`). ", waived, waived == 1 ? "is" : "are");
    rpt_put(&b, "The full report with inline charts is `index.html`.\n");
    first_screen(&b, m);
    if (m->n_baselines) {
        rpt_printf(&b, "\n## Regressions\n\n");
        size_t compared = 0;
        for (size_t i = 0; i < m->n_inputs; i++)
            compared += m->inputs[i].baseline_matches > 0;
        if (!m->n_regs && compared)
            rpt_printf(&b, "No regression in the %zu input%s a baseline matched.\n", compared, compared == 1 ? "" : "s");
        for (size_t i = 0; i < m->n_inputs; i++)
            if (!m->inputs[i].baseline_matches)
                rpt_printf(&b, "- %s: no baseline matched, so it was not compared.\n", m->inputs[i].label);
        for (size_t i = 0; i < m->n_regs; i++) {
            rpt_put(&b, "- **REGRESSION** ");
            md(&b, m->regs[i].input);
            rpt_put(&b, ": ");
            md(&b, m->regs[i].what);
            rpt_put(&b, "\n");
        }
    }
    conformance(&b, m, images);
    loads(&b, m, images);
    compliance(&b, m);
    metadata(&b, m);
    int rc = b.oom ? mp_fail(e, "out of memory writing %s", path)
                   : fs_write_file(path, b.s ? b.s : "", b.len, 0644, e);
    rpt_buf_free(&b);
    return rc;
}
