/* The compliance view: controls (PCI DSS, NIST SP 800-52r2, Mozilla, BSI,
 * RFCs) are data in reports/controls.json, compiled in; scenarios cite them
 * by id. A control's status follows from the verdicts that evidence it: any
 * FAIL means not met; a control whose `needs` (the scenarios that can show
 * it) did not all run, cite it and pass is not assessed, however many other
 * scenarios passed (the client-auth suite alone says nothing about a
 * server's protocols); PASS mixed with ERROR, INCONCLUSIVE or SKIP is
 * partial; otherwise met. An INFO verdict only records what the gateway
 * did: it is counted apart and never evidence either way. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fnmatch.h>

#include "report/assets.h"
#include "report/model.h"
#include "util/str.h"

/* The definition whose id or alias is id (case-insensitive), or NULL. */
static json_t *find_def(json_t *defs, const char *id)
{
    size_t i;
    json_t *d;
    json_array_foreach(defs, i, d) {
        json_t *did = json_object_get(d, "id");
        if (json_is_string(did) && strcasecmp(json_string_value(did), id) == 0)
            return d;
        size_t k;
        json_t *a;
        json_array_foreach(json_object_get(d, "aliases"), k, a) {
            if (json_is_string(a) && strcasecmp(json_string_value(a), id) == 0)
                return d;
        }
    }
    return NULL;
}

static const char *str_field(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* The needs of c's definition that no scenario citing c satisfied: each
 * glob must match one that ran and passed (or recorded, where the profile
 * asks nothing). Names them in c->missing. */
static void missing_needs(const rpt_model *m, json_t *def, rpt_control *c)
{
    size_t i;
    json_t *g;
    c->missing[0] = '\0';
    json_array_foreach(json_object_get(def, "needs"), i, g) {
        if (!json_is_string(g))
            continue;
        const char *glob = json_string_value(g);
        int met = 0;
        for (size_t r = 0; r < c->n_refs && !met; r++) {
            const res_scenario *s = &m->inputs[c->refs[r].input].run.items[c->refs[r].item];
            met = (s->verdict == RES_PASS || s->verdict == RES_INFO) && fnmatch(glob, s->id, 0) == 0;
        }
        if (!met) {
            size_t l = strlen(c->missing);
            snprintf(c->missing + l, sizeof c->missing - l, "%s%s", l ? ", " : "", glob);
        }
    }
}

static rpt_control *control_for(rpt_model *m, json_t *root, const char *cited, mp_err *e)
{
    json_t *def = find_def(json_object_get(root, "controls"), cited);
    const char *id = def ? str_field(def, "id") : cited;
    for (size_t i = 0; i < m->n_controls; i++)
        if (strcasecmp(m->controls[i].id, id) == 0)
            return &m->controls[i];
    rpt_control *c = realloc(m->controls, (m->n_controls + 1) * sizeof *c);
    if (!c) {
        mp_fail(e, "out of memory");
        return NULL;
    }
    m->controls = c;
    c = &m->controls[m->n_controls++];
    memset(c, 0, sizeof *c);
    str_copy(c->id, sizeof c->id, id);
    c->defined = def != NULL;
    if (def) {
        const char *fw = str_field(def, "framework");
        json_t *name = json_object_get(json_object_get(root, "frameworks"), fw);
        str_copy(c->framework, sizeof c->framework, json_is_string(name) ? json_string_value(name) : fw);
        str_copy(c->title, sizeof c->title, str_field(def, "title"));
        str_copy(c->text, sizeof c->text, str_field(def, "text"));
    }
    return c;
}

static int status_rank(rpt_status s)
{
    switch (s) {
    case RPT_NOT_MET: return 0;
    case RPT_PARTIAL: return 1;
    case RPT_NOT_ASSESSED: return 2;
    default: return 3;
    }
}

static int cmp_controls(const void *a, const void *b)
{
    const rpt_control *x = a, *y = b;
    /* failing first; then defined ones, grouped by framework, in id order */
    int r = status_rank(x->status) - status_rank(y->status);
    if (r)
        return r;
    if (x->defined != y->defined)
        return y->defined - x->defined;
    int d = strcmp(x->framework, y->framework);
    return d ? d : strcmp(x->id, y->id);
}

int rpt_controls_evaluate(rpt_model *m, mp_err *e)
{
    const rpt_asset *a = rpt_asset_find("controls.json");
    json_error_t je;
    json_t *root = a ? json_loadb(a->data, *a->len, 0, &je) : NULL;
    if (!root)
        return mp_fail(e, "reports/controls.json (compiled in) is not valid JSON");
    rpt_ref at = RPT_REF_START;
    for (const res_scenario *s; (s = rpt_next_verdict(m, &at)) != NULL;) {
        for (int j = 0; j < s->n_controls; j++) {
            rpt_control *c = control_for(m, root, s->controls[j], e);
            rpt_ref *r = c ? realloc(c->refs, (c->n_refs + 1) * sizeof *r) : NULL;
            if (!r) {
                json_decref(root);
                return c ? mp_fail(e, "out of memory") : -1;
            }
            c->refs = r;
            r[c->n_refs++] = at;
            if (rpt_is_recorded(s))
                c->recorded++;
            else
                c->counts[s->verdict]++;
        }
    }
    for (size_t i = 0; i < m->n_controls; i++) {
        rpt_control *c = &m->controls[i];
        json_t *def = c->defined ? find_def(json_object_get(root, "controls"), c->id) : NULL;
        if (def)
            missing_needs(m, def, c);
        if (c->counts[RES_FAIL])
            c->status = RPT_NOT_MET;
        else if (!c->counts[RES_PASS] || c->missing[0])
            c->status = RPT_NOT_ASSESSED;
        else if (c->counts[RES_ERROR] || c->counts[RES_SKIP] || c->counts[RES_INCONCLUSIVE])
            c->status = RPT_PARTIAL;
        else
            c->status = RPT_MET;
    }
    if (m->n_controls > 1) /* qsort may not be given a NULL base, even for none */
        qsort(m->controls, m->n_controls, sizeof *m->controls, cmp_controls);
    size_t i;
    json_t *d;
    m->uncited[0] = '\0';
    json_array_foreach(json_object_get(root, "controls"), i, d) {
        const char *id = str_field(d, "id");
        int cited = 0;
        for (size_t k = 0; k < m->n_controls; k++)
            cited |= strcasecmp(m->controls[k].id, id) == 0;
        if (!cited) {
            size_t l = strlen(m->uncited);
            snprintf(m->uncited + l, sizeof m->uncited - l, "%s%s", l ? ", " : "", id);
        }
    }
    json_decref(root);
    return 0;
}
