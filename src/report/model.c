/* The report model: reading inputs, ordering verdicts for people (failures
 * first), and comparing against baselines. Baseline matching is by scenario
 * id and TLS version for runs, and by target, mode, TLS version and
 * concurrency or rate for loads, so a baseline from last week's run of the same suite lines up even when
 * the scenario list grew. */
#include "report/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text.h"
#include "util/str.h"

const char *const rpt_severities[6] = { "critical", "high", "medium", "low", "info", "other" };

const char *rpt_status_name(rpt_status s)
{
    static const char *const n[] = { "met", "not met", "partial", "not assessed" };
    return n[s];
}

const char *rpt_status_class(rpt_status s)
{
    static const char *const n[] = { "met", "not-met", "partial", "not-assessed" };
    return n[s];
}

int rpt_severity_rank(const char *severity)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(severity, rpt_severities[i]) == 0)
            return i;
    return 5;
}

/* Certificate fingerprints, when a scenario recorded any: every string in
 * the evidence (two levels deep) whose key names a fingerprint or hash. */
static void collect_fingerprints(const json_t *o, const char *prefix, char *out, size_t n, int depth)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        char key[128];
        snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", k);
        if (json_is_string(v) && (strstr(k, "fingerprint") || strstr(k, "sha256"))) {
            size_t l = strlen(out);
            snprintf(out + l, n - l, "%s%s: %s", l ? "; " : "", key, json_string_value(v));
        } else if (json_is_object(v) && depth < 2) {
            collect_fingerprints(v, key, out, n, depth + 1);
        } else if (json_is_array(v) && depth < 2) {
            size_t i;
            json_t *x;
            json_array_foreach(v, i, x) {
                if (json_is_object(x)) {
                    char sub[160];
                    snprintf(sub, sizeof sub, "%s[%zu]", key, i);
                    collect_fingerprints(x, sub, out, n, depth + 1);
                }
            }
        }
    }
}

int rpt_input_load(const char *path, rpt_input *in, mp_err *e)
{
    memset(in, 0, sizeof *in);
    str_copy(in->path, sizeof in->path, path);
    json_t *root;
    if (res_doc_load(path, &root, &in->kind, e) != 0)
        return -1;
    int rc = 0;
    json_t *flags = json_object_get(json_object_get(root, "tool"), "wolfssl_flags");
    str_copy(in->wolfssl_flags, sizeof in->wolfssl_flags, json_is_string(flags) ? json_string_value(flags) : "");
    if (in->kind == RES_KIND_RUN) {
        rc = res_run_from_json(root, &in->run, e);
        if (rc == 0 && in->run.n) {
            in->fingerprints = calloc(in->run.n, sizeof *in->fingerprints);
            if (!in->fingerprints)
                rc = mp_fail(e, "out of memory");
            json_t *list = json_object_get(root, "results");
            for (size_t i = 0; rc == 0 && i < in->run.n; i++) {
                json_t *ev = json_object_get(json_array_get(list, i), "evidence");
                if (json_is_object(ev))
                    collect_fingerprints(ev, "", in->fingerprints[i], sizeof in->fingerprints[i], 0);
            }
        }
    } else {
        in->load = res_load_new();
        rc = in->load ? res_load_from_json(root, in->load, e) : mp_fail(e, "out of memory");
    }
    json_decref(root);
    if (rc != 0) {
        mp_wrap(e, "%s", path);
        rpt_input_free(in);
        return -1;
    }
    return 0;
}

void rpt_input_free(rpt_input *in)
{
    res_run_free(&in->run);
    free(in->fingerprints);
    in->fingerprints = NULL;
    res_load_free(in->load);
    in->load = NULL;
}

void rpt_model_free(rpt_model *m)
{
    for (size_t i = 0; i < m->n_inputs; i++)
        rpt_input_free(&m->inputs[i]);
    for (size_t i = 0; i < m->n_baselines; i++)
        rpt_input_free(&m->baselines[i]);
    for (size_t i = 0; i < m->n_controls; i++)
        free(m->controls[i].refs);
    free(m->inputs);
    free(m->baselines);
    free(m->regs);
    free(m->controls);
    free(m->findings);
    memset(m, 0, sizeof *m);
}

static int verdict_rank(res_verdict v)
{
    switch (v) {
    case RES_FAIL: return 0;
    case RES_INCONCLUSIVE: return 1;
    case RES_ERROR: return 2;
    case RES_SKIP: return 3;
    default: return 4;
    }
}

void rpt_order_items(const res_run *r, size_t *order)
{
    for (size_t i = 0; i < r->n; i++)
        order[i] = i;
    /* insertion sort: stable, and suites have tens of items */
    for (size_t i = 1; i < r->n; i++) {
        size_t cur = order[i], j = i;
        const res_scenario *c = &r->items[cur];
        while (j > 0) {
            const res_scenario *p = &r->items[order[j - 1]];
            int d = verdict_rank(c->verdict) - verdict_rank(p->verdict);
            if (d == 0)
                d = rpt_severity_rank(c->severity) - rpt_severity_rank(p->severity);
            if (d == 0)
                d = strcmp(c->id, p->id);
            if (d >= 0)
                break;
            order[j] = order[j - 1];
            j--;
        }
        order[j] = cur;
    }
}

const res_scenario *rpt_next_verdict(const rpt_model *m, rpt_ref *ref)
{
    ref->item++; /* RPT_REF_START's item wraps to 0 */
    for (; ref->input < m->n_inputs; ref->input++, ref->item = 0) {
        const rpt_input *in = &m->inputs[ref->input];
        if (in->kind == RES_KIND_RUN && ref->item < in->run.n)
            return &in->run.items[ref->item];
    }
    return NULL;
}

int rpt_phase_shown(const res_load *l, int phase)
{
    return phase != RES_PH_TOTAL_UNCORRECTED || l->rate > 0;
}

int rpt_phase_cells(const hist *h, char cells[7][24])
{
    if (!h->total)
        return 0;
    const double ns[] = { (double)hist_percentile(h, 50), (double)hist_percentile(h, 90),
                          (double)hist_percentile(h, 99), (double)hist_percentile(h, 99.9), (double)h->max,
                          hist_mean(h) };
    for (int i = 0; i < 6; i++)
        rpt_fmt_ms(cells[i], sizeof cells[i], ns[i] / 1e6);
    snprintf(cells[6], sizeof cells[6], "%llu", (unsigned long long)h->total);
    return 1;
}

size_t rpt_count(const rpt_model *m, size_t by_verdict[RES_N_VERDICTS], size_t by_sev[6][RES_N_VERDICTS])
{
    memset(by_verdict, 0, RES_N_VERDICTS * sizeof by_verdict[0]);
    memset(by_sev, 0, 6 * sizeof by_sev[0]);
    size_t waived = 0;
    rpt_ref r = RPT_REF_START;
    for (const res_scenario *s; (s = rpt_next_verdict(m, &r)) != NULL;) {
        by_verdict[s->verdict]++;
        by_sev[rpt_severity_rank(s->severity)][s->verdict]++;
        waived += s->waived != 0;
    }
    return waived;
}

const char *rpt_verdict_label(const res_scenario *s)
{
    return s->waived ? "FAIL (waived)" : res_verdict_name(s->verdict);
}

static int add_regression(rpt_model *m, const char *input, const char *what, mp_err *e)
{
    rpt_regression *r = realloc(m->regs, (m->n_regs + 1) * sizeof *r);
    if (!r)
        return mp_fail(e, "out of memory");
    m->regs = r;
    str_copy(r[m->n_regs].input, sizeof r[m->n_regs].input, input);
    str_copy(r[m->n_regs].what, sizeof r[m->n_regs].what, what);
    m->n_regs++;
    return 0;
}

static const res_scenario *find_scenario(const res_run *r, const res_scenario *s)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->items[i].id, s->id) == 0 && strcmp(r->items[i].tls_version, s->tls_version) == 0)
            return &r->items[i];
    return NULL;
}

static int run_regressions(rpt_model *m, rpt_input *cur, const rpt_input *base, mp_err *e)
{
    for (size_t i = 0; i < cur->run.n; i++)
        cur->baseline_matches += find_scenario(&base->run, &cur->run.items[i]) != NULL;
    for (size_t i = 0; i < cur->run.n; i++) {
        const res_scenario *s = &cur->run.items[i];
        if (s->verdict != RES_FAIL && s->verdict != RES_ERROR && s->verdict != RES_INCONCLUSIVE)
            continue;
        if (s->waived)
            continue; /* an accepted finding, not a new failure */
        const res_scenario *old = find_scenario(&base->run, s);
        if (old && old->verdict == s->verdict)
            continue;
        if (old && old->verdict == RES_FAIL)
            continue; /* FAIL -> ERROR: still failing, not a new failure */
        char what[2200];
        snprintf(what, sizeof what, "%s [%s] is %s now, was %s in %s", s->id, s->tls_version,
                 res_verdict_name(s->verdict), old ? res_verdict_name(old->verdict) : "not run",
                 base->path);
        if (add_regression(m, cur->label, what, e) != 0)
            return -1;
    }
    return 0;
}

/* Loads are comparable when they asked the same of the same gateway: a
 * p99 at 32 connections says nothing about one at 8. */
static int same_load(const res_load *c, const res_load *b)
{
    if (strcmp(c->target, b->target) != 0 || strcmp(c->mode, b->mode) != 0 ||
        strcmp(c->tls_version, b->tls_version) != 0)
        return 0;
    if ((c->rate > 0) != (b->rate > 0))
        return 0;
    if (c->rate > 0)
        return c->rate == b->rate;
    return c->connections == b->connections;
}

static int load_regressions(rpt_model *m, rpt_input *cur, const rpt_input *base, mp_err *e)
{
    const res_load *c = cur->load, *b = base->load;
    if (!same_load(c, b))
        return 0;
    cur->baseline_matches++;
    const hist *hc = &c->phases[RES_PH_TOTAL], *hb = &b->phases[RES_PH_TOTAL];
    if (!hc->total || !hb->total)
        return 0;
    double now = (double)hist_percentile(hc, 99) / 1e6, was = (double)hist_percentile(hb, 99) / 1e6;
    if (was > 0 && now > was * (1 + m->regress_pct / 100)) {
        char what[2200];
        snprintf(what, sizeof what, "total p99 %.3f ms, was %.3f ms in %s (+%.1f%%, limit +%g%%)", now,
                 was, base->path, (now / was - 1) * 100, m->regress_pct);
        return add_regression(m, cur->label, what, e);
    }
    return 0;
}

int rpt_find_regressions(rpt_model *m, mp_err *e)
{
    for (size_t i = 0; i < m->n_inputs; i++) {
        for (size_t k = 0; k < m->n_baselines; k++) {
            rpt_input *cur = &m->inputs[i];
            const rpt_input *base = &m->baselines[k];
            if (cur->kind != base->kind)
                continue;
            int rc = cur->kind == RES_KIND_RUN ? run_regressions(m, cur, base, e)
                                               : load_regressions(m, cur, base, e);
            if (rc != 0)
                return -1;
        }
    }
    for (size_t i = 0; m->n_baselines && i < m->n_inputs; i++) {
        const rpt_input *in = &m->inputs[i];
        if (in->baseline_matches || m->n_notices == RPT_MAX_NOTICES)
            continue;
        if (in->kind == RES_KIND_RUN)
            snprintf(m->notices[m->n_notices++], sizeof m->notices[0],
                     "%s: no baseline matched (no run with the same scenarios and TLS versions): not compared",
                     in->label);
        else if (in->load->rate > 0)
            snprintf(m->notices[m->n_notices++], sizeof m->notices[0],
                     "%s: no baseline matched (target, %s mode, %s, rate %.1f/s): not compared", in->label,
                     in->load->mode, in->load->tls_version, in->load->rate);
        else
            snprintf(m->notices[m->n_notices++], sizeof m->notices[0],
                     "%s: no baseline matched (target, %s mode, %s, %d connections): not compared", in->label,
                     in->load->mode, in->load->tls_version, in->load->connections);
    }
    return 0;
}

void rpt_evidence_text(const res_scenario *s, const char *fingerprints, char *out, size_t n)
{
    const res_evidence *ev = &s->ev;
    size_t o = 0;
    out[0] = '\0';
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (o < n) {                                                                               \
            if (o)                                                                                 \
                o += (size_t)snprintf(out + o, n - o, "; ");                                      \
            if (o < n)                                                                             \
                o += (size_t)snprintf(out + o, n - o, __VA_ARGS__);                               \
        }                                                                                          \
    } while (0)
    if (ev->alert_code >= 0)
        ADD("alert %s (%d) %s", ev->alert_name[0] ? ev->alert_name : "?", ev->alert_code,
            ev->alert_sent ? "sent" : "received");
    if (ev->verify_error[0])
        ADD("verify error: %s", ev->verify_error);
    if (ev->http_status)
        ADD("HTTP %d", ev->http_status);
    if (ev->rejected_in[0])
        ADD("rejected in %s", ev->rejected_in);
    if (ev->tls_version[0])
        ADD("%s%s%s%s%s%s", ev->tls_version, ev->cipher[0] ? " " : "", ev->cipher, ev->group[0] ? " " : "",
            ev->group, ev->resumed ? " resumed" : "");
    if (ev->connect_ms >= 0 || ev->handshake_ms >= 0 || ev->first_byte_ms >= 0) {
        char t[160] = "", v[32];
        size_t tl = 0;
        const struct { const char *n; double v; } tm[] = {
            { "connect", ev->connect_ms }, { "handshake", ev->handshake_ms }, { "first byte", ev->first_byte_ms },
        };
        for (int i = 0; i < 3; i++) {
            if (tm[i].v < 0)
                continue;
            snprintf(v, sizeof v, "%.2f", tm[i].v);
            tl += (size_t)snprintf(t + tl, sizeof t - tl, "%s%s %s ms", tl ? ", " : "", tm[i].n, v);
        }
        ADD("%s", t);
    }
    if (fingerprints && fingerprints[0])
        ADD("%s", fingerprints);
    if (s->reason[0])
        ADD("reason: %s", s->reason);
    if (s->has_control)
        ADD("control %s: %s", s->control_fixture[0] ? s->control_fixture : "-",
            s->control_observed[0] ? s->control_observed : s->control_served ? "served" : "not served");
    if (s->waived)
        ADD("waived: %s, expires %s", s->waiver_reason, s->waiver_expires);
#undef ADD
    if (o >= n && n > 4)
        memcpy(out + n - 4, "...", 4);
}

const char *rpt_input_target(const rpt_input *in)
{
    return in->kind == RES_KIND_RUN ? in->run.target : in->load->target;
}

size_t rpt_load_notes(const res_load *l, char (*notes)[RPT_NOTE_MAX], size_t max)
{
    size_t n = 0;
    if (l->in_flight && n < max)
        snprintf(notes[n++], RPT_NOTE_MAX, "In flight at the end (never finished): %llu, the oldest %.3f s.",
                 (unsigned long long)l->in_flight, l->in_flight_max_age_ms / 1000);
    if (l->fleet_size && n < max)
        snprintf(notes[n++], RPT_NOTE_MAX, "Client identities used: %llu of a fleet of %llu.",
                 (unsigned long long)l->identities_used, (unsigned long long)l->fleet_size);
    if (l->reuse_key_share_s > 0 && n < max)
        snprintf(notes[n++], RPT_NOTE_MAX,
                 "Key shares reused for %g s (--reuse-key-share): %llu made; the load client's forward secrecy "
                 "was weakened, the gateway's work was not.",
                 l->reuse_key_share_s, (unsigned long long)l->key_shares_made);
    if (l->http2_streams && n < max)
        snprintf(notes[n++], RPT_NOTE_MAX, "HTTP/2, %d concurrent streams per connection.", l->http2_streams);
    return n;
}
