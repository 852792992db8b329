/* The report's one answer: PASS, FAIL or INCONCLUSIVE over every input,
 * the sentence that says why, and the critical and high findings that go on
 * the first screen. The report judges nothing a run or load did not: it
 * only adds up their verdicts, thresholds and regressions, and anything left
 * unjudged or unmeasured keeps the answer from being PASS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/model.h"

const char *rpt_overall_name(rpt_overall o)
{
    static const char *const n[] = { "PASS", "FAIL", "INCONCLUSIVE" };
    return n[o];
}

int rpt_is_recorded(const res_scenario *s)
{
    return s->verdict == RES_INFO;
}

void rpt_totals_text(const rpt_model *m, char *out, size_t n)
{
    size_t byv[RES_N_VERDICTS], bys[6][RES_N_VERDICTS], total = 0, not_run = 0;
    size_t waived = rpt_count(m, byv, bys);
    for (int v = 0; v < RES_N_VERDICTS; v++)
        total += byv[v];
    rpt_ref r = RPT_REF_START;
    for (const res_scenario *s; (s = rpt_next_verdict(m, &r)) != NULL;)
        not_run += res_scenario_not_run(s) != 0;
    char w[40] = "", nr[64] = "";
    if (waived)
        snprintf(w, sizeof w, " (%zu waived)", waived);
    if (not_run)
        snprintf(nr, sizeof nr, ", %zu of them not run (interrupted)", not_run);
    snprintf(out, n, "%zu scenario verdicts: %zu PASS, %zu FAIL%s, %zu INCONCLUSIVE, %zu ERROR, %zu SKIP%s, "
             "%zu INFO (recorded, not judged)", total, byv[RES_PASS], byv[RES_FAIL], w, byv[RES_INCONCLUSIVE],
             byv[RES_ERROR], byv[RES_SKIP], nr, byv[RES_INFO]);
}

static void notice(rpt_model *m, const char *text);

/* One notice naming the scenarios skipped because an option was not given,
 * grouped by what they need: "3 scenarios skipped for options not given:
 * bypass/a, bypass/b need --mtls-host and --public-host; ...". */
static void skipped_for_options(rpt_model *m)
{
    res_skip_group g[RES_MAX_SKIP_GROUPS];
    size_t n = 0, runs = 0;
    rpt_ref r = RPT_REF_START;
    for (const res_scenario *s; (s = rpt_next_verdict(m, &r)) != NULL;)
        res_skip_group_add(g, &n, RES_MAX_SKIP_GROUPS, s);
    for (size_t k = 0; k < n; k++)
        runs += g[k].runs;
    if (!runs)
        return;
    char text[sizeof m->notices[0]];
    size_t o = (size_t)snprintf(text, sizeof text, "%zu scenario run%s skipped for options not given: ", runs,
                                runs == 1 ? "" : "s");
    for (size_t k = 0; k < n && o < sizeof text; k++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%s%s for %s", k ? "; " : "", g[k].need, g[k].ids);
    notice(m, text);
}

/* Appends ", TEXT" (or TEXT first) to the reason. */
static void why(char *out, size_t n, const char *text)
{
    size_t l = strlen(out);
    snprintf(out + l, n - l, "%s%s", l ? "; " : "", text);
}

static void notice(rpt_model *m, const char *text)
{
    if (m->n_notices < RPT_MAX_NOTICES)
        snprintf(m->notices[m->n_notices++], sizeof m->notices[0], "%s", text);
}

static int add_finding(rpt_model *m, rpt_ref ref)
{
    rpt_finding *f = realloc(m->findings, (m->n_findings + 1) * sizeof *f);
    if (!f)
        return -1;
    m->findings = f;
    memset(&f[m->n_findings], 0, sizeof *f);
    f[m->n_findings++].ref = ref;
    return 0;
}

int rpt_judge(rpt_model *m, mp_err *e)
{
    size_t byv[RES_N_VERDICTS] = { 0 }, waived = 0;
    memset(m->fails_by_sev, 0, sizeof m->fails_by_sev);
    free(m->findings);
    m->findings = NULL;
    m->n_findings = 0;
    /* critical first, then high; input order within */
    for (int rank = 0; rank < 2; rank++) {
        rpt_ref r = RPT_REF_START;
        for (const res_scenario *s; (s = rpt_next_verdict(m, &r)) != NULL;)
            if (s->verdict == RES_FAIL && !s->waived && rpt_severity_rank(s->severity) == rank &&
                add_finding(m, r) != 0)
                return mp_fail(e, "out of memory");
    }
    rpt_ref r = RPT_REF_START;
    for (const res_scenario *s; (s = rpt_next_verdict(m, &r)) != NULL;) {
        byv[s->verdict]++;
        if (s->verdict == RES_FAIL && s->waived)
            waived++;
        else if (s->verdict == RES_FAIL)
            m->fails_by_sev[rpt_severity_rank(s->severity)]++;
    }
    char fail[800] = "", unjudged[800] = "", t[400];
    size_t fails = byv[RES_FAIL] - waived;
    if (fails) {
        size_t o = (size_t)snprintf(t, sizeof t, "%zu FAIL%s (", fails, fails == 1 ? "" : "s");
        for (int s = 0, first = 1; s < 6; s++)
            if (m->fails_by_sev[s]) {
                o += (size_t)snprintf(t + o, o < sizeof t ? sizeof t - o : 0, "%s%zu %s", first ? "" : ", ",
                                      m->fails_by_sev[s], rpt_severities[s]);
                first = 0;
            }
        if (o < sizeof t)
            snprintf(t + o, sizeof t - o, ")");
        why(fail, sizeof fail, t);
    }
    if (m->n_regs) {
        snprintf(t, sizeof t, "%zu regression%s against the baseline", m->n_regs, m->n_regs == 1 ? "" : "s");
        why(fail, sizeof fail, t);
    }
    if (byv[RES_INCONCLUSIVE] || byv[RES_ERROR]) {
        snprintf(t, sizeof t, "%zu INCONCLUSIVE, %zu ERROR", byv[RES_INCONCLUSIVE], byv[RES_ERROR]);
        why(unjudged, sizeof unjudged, t);
    }
    size_t runs = 0, judged = byv[RES_PASS] + byv[RES_FAIL];
    for (size_t i = 0; i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        if (in->kind == RES_KIND_RUN) {
            runs++;
            if (in->run.interrupted) {
                size_t nr = 0;
                for (size_t k = 0; k < in->run.n; k++)
                    nr += res_scenario_not_run(&in->run.items[k]) != 0;
                snprintf(t, sizeof t, "%s was interrupted: %zu scenario run%s did not run", in->label, nr,
                         nr == 1 ? "" : "s");
                why(unjudged, sizeof unjudged, t);
            }
            continue;
        }
        const res_load *l = in->load;
        for (size_t k = 0; k < l->n_thresholds; k++) {
            if (l->thresholds[k].ok > 0)
                continue;
            snprintf(t, sizeof t, "%s: threshold %s %s", in->label, l->thresholds[k].expr,
                     l->thresholds[k].ok == 0 ? "breached" : "not measured");
            why(l->thresholds[k].ok == 0 ? fail : unjudged, l->thresholds[k].ok == 0 ? sizeof fail : sizeof unjudged, t);
        }
        if (!l->ok) {
            snprintf(t, sizeof t, "%s: no handshake succeeded", in->label);
            why(unjudged, sizeof unjudged, t);
        }
        if (l->interrupted) {
            snprintf(t, sizeof t, "%s was interrupted", in->label);
            why(unjudged, sizeof unjudged, t);
        }
        if (l->n_merged && (int)l->n_merged < l->shard_count) {
            snprintf(t, sizeof t, "%s merges %zu of %d shards", in->label, l->n_merged, l->shard_count);
            why(unjudged, sizeof unjudged, t);
            char n[400];
            snprintf(n, sizeof n, "%s is a partial merge: %zu of %d shards; its totals and rates cover only "
                                  "the workers given, not the whole load", in->label, l->n_merged, l->shard_count);
            notice(m, n);
        }
    }
    if (runs && !judged)
        why(unjudged, sizeof unjudged, byv[RES_INFO] ? "no scenario was judged (the INFO ones only recorded)"
                                                     : "no scenario was judged");
    skipped_for_options(m);
    if (fail[0]) {
        m->overall = RPT_OVERALL_FAIL;
        snprintf(m->overall_why, sizeof m->overall_why, "%s%s%s", fail, unjudged[0] ? "; also " : "", unjudged);
    } else if (unjudged[0]) {
        m->overall = RPT_OVERALL_INCONCLUSIVE;
        snprintf(m->overall_why, sizeof m->overall_why, "nothing failed, but not everything was judged: %s",
                 unjudged);
    } else {
        m->overall = RPT_OVERALL_PASS;
        size_t thresholds = 0;
        for (size_t i = 0; i < m->n_inputs; i++)
            thresholds += m->inputs[i].kind == RES_KIND_LOAD ? m->inputs[i].load->n_thresholds : 0;
        const char *loads = runs == m->n_inputs ? ""
                            : thresholds      ? "every load measured and every threshold held"
                                              : "every load measured (no thresholds set)";
        if (runs)
            snprintf(m->overall_why, sizeof m->overall_why, "every judged scenario passed (%zu PASS%s%s)%s%s",
                     byv[RES_PASS], waived ? ", waived FAILs aside" : "",
                     byv[RES_INFO] ? "; the INFO observations judge nothing" : "", loads[0] ? "; " : "", loads);
        else
            snprintf(m->overall_why, sizeof m->overall_why, "%s", loads);
    }
    return 0;
}
