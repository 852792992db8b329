/* SARIF 2.1.0 and GitHub annotations: the run's findings for code-scanning
 * dashboards and workflow logs. A rule is a scenario (its id, title and
 * severity), a result one verdict that is not green: FAIL at the level of
 * its severity, INCONCLUSIVE and ERROR as warnings (nothing could be judged,
 * which must not look like a clean scan). A waived FAIL stays a result,
 * with an external, accepted suppression carrying the waiver's reason. */
#include "report/sarif.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

const char *rpt_sarif_level(const char *severity)
{
    if (strcmp(severity, "critical") == 0 || strcmp(severity, "high") == 0)
        return "error";
    if (strcmp(severity, "medium") == 0)
        return "warning";
    return "note";
}

/* GitHub's code scanning ranks by this number (0.0-10.0, as a string). */
static const char *security_severity(const char *severity)
{
    static const char *const names[] = { "critical", "high", "medium", "low" };
    static const char *const scores[] = { "9.5", "8.0", "5.5", "2.0" };
    for (size_t i = 0; i < 4; i++)
        if (strcmp(severity, names[i]) == 0)
            return scores[i];
    return "0.0";
}

static int reported(const res_scenario *s)
{
    return s->verdict == RES_FAIL || s->verdict == RES_INCONCLUSIVE || s->verdict == RES_ERROR;
}

static void message(const res_scenario *s, char *out, size_t n)
{
    if (s->verdict == RES_FAIL)
        snprintf(out, n, "%s [%s]: expected %s, observed %s", s->title, s->tls_version, s->expected,
                 s->observed);
    else
        snprintf(out, n, "%s [%s] %s: %s", s->title, s->tls_version, res_verdict_name(s->verdict),
                 s->reason[0] ? s->reason : s->observed);
}

static json_t *rule_of(const res_scenario *s)
{
    json_t *rule = json_object(), *props = json_object(), *tags = json_array();
    json_object_set_new(rule, "id", json_string(s->id));
    json_object_set_new(rule, "shortDescription", json_pack("{s:s}", "text", s->title[0] ? s->title : s->id));
    json_object_set_new(rule, "defaultConfiguration", json_pack("{s:s}", "level", rpt_sarif_level(s->severity)));
    json_array_append_new(tags, json_string("security"));
    for (int k = 0; k < s->n_tags; k++)
        json_array_append_new(tags, json_string(s->tags[k]));
    json_object_set_new(props, "tags", tags);
    json_object_set_new(props, "severity", json_string(s->severity));
    json_object_set_new(props, "security-severity", json_string(security_severity(s->severity)));
    if (s->n_controls) {
        json_t *ctl = json_array();
        for (int k = 0; k < s->n_controls; k++)
            json_array_append_new(ctl, json_string(s->controls[k]));
        json_object_set_new(props, "controls", ctl);
    }
    json_object_set_new(rule, "properties", props);
    return rule;
}

static json_t *result_of(const res_run *r, const res_scenario *s, size_t rule_index)
{
    char text[1600];
    message(s, text, sizeof text);
    json_t *res = json_object(), *props = json_object();
    json_object_set_new(res, "ruleId", json_string(s->id));
    json_object_set_new(res, "ruleIndex", json_integer((json_int_t)rule_index));
    json_object_set_new(res, "kind", json_string("fail"));
    json_object_set_new(res, "level",
                        json_string(s->verdict == RES_FAIL ? rpt_sarif_level(s->severity) : "warning"));
    json_object_set_new(res, "message", json_pack("{s:s}", "text", text));
    /* the scenario file is where the check is written; the gateway is
     * where the finding lives, which a URI artifact cannot name */
    json_t *loc = json_object();
    json_object_set_new(loc, "physicalLocation",
                        json_pack("{s:{s:s}}", "artifactLocation", "uri",
                                  s->file[0] ? s->file : "scenarios"));
    json_object_set_new(loc, "logicalLocations",
                        json_pack("[{s:s,s:s}]", "fullyQualifiedName", r->target, "kind", "resource"));
    json_object_set_new(res, "locations", json_pack("[o]", loc));
    char fp[700];
    snprintf(fp, sizeof fp, "%s|%s|%s", s->id, s->tls_version, r->target);
    json_object_set_new(res, "partialFingerprints", json_pack("{s:s}", "mtlsprobe/v1", fp));
    json_object_set_new(props, "verdict", json_string(res_verdict_name(s->verdict)));
    json_object_set_new(props, "severity", json_string(s->severity));
    json_object_set_new(props, "tls_version", json_string(s->tls_version));
    json_object_set_new(props, "expected", json_string(s->expected));
    json_object_set_new(props, "observed", json_string(s->observed));
    if (s->has_control)
        json_object_set_new(props, "control_observed", json_string(s->control_observed));
    json_object_set_new(res, "properties", props);
    if (s->waived) {
        char why[400];
        snprintf(why, sizeof why, "waived: %s, expires %s", s->waiver_reason, s->waiver_expires);
        json_object_set_new(res, "suppressions",
                            json_pack("[{s:s,s:s,s:s}]", "kind", "external", "status", "accepted",
                                      "justification", why));
    }
    return res;
}

int rpt_sarif_write(const res_run *r, const char *path, mp_err *e)
{
    json_t *rules = json_array(), *results = json_array();
    size_t *rule_of_item = calloc(r->n ? r->n : 1, sizeof *rule_of_item);
    if (!rules || !results || !rule_of_item) {
        json_decref(rules);
        json_decref(results);
        free(rule_of_item);
        return mp_fail(e, "out of memory writing %s", path);
    }
    /* one rule per scenario id, however many TLS versions it ran under */
    for (size_t i = 0; i < r->n; i++) {
        size_t k = 0;
        for (; k < json_array_size(rules); k++)
            if (strcmp(json_string_value(json_object_get(json_array_get(rules, k), "id")), r->items[i].id) == 0)
                break;
        if (k == json_array_size(rules))
            json_array_append_new(rules, rule_of(&r->items[i]));
        rule_of_item[i] = k;
    }
    for (size_t i = 0; i < r->n; i++)
        if (reported(&r->items[i]))
            json_array_append_new(results, result_of(r, &r->items[i], rule_of_item[i]));
    free(rule_of_item);

    char start[21], end[21];
    tm_format_iso(r->started_ms / 1000, start);
    tm_format_iso(r->finished_ms / 1000, end);
    json_t *driver = json_pack("{s:s,s:s,s:s,s:o}", "name", "mtlsprobe", "version", r->tool_version,
                               "semanticVersion", r->tool_version, "rules", rules);
    json_t *invocation = json_pack("{s:b,s:s,s:s,s:s}", "executionSuccessful", !r->interrupted,
                                   "commandLine", r->command_line, "startTimeUtc", start, "endTimeUtc", end);
    if (r->interrupted && invocation) {
        /* an interrupted run is no clean bill: the dashboard says what did not run */
        char text[200];
        snprintf(text, sizeof text, "the run was interrupted: %zu scenario run%s did not run, so these results "
                 "are incomplete", res_run_count(r).not_run, res_run_count(r).not_run == 1 ? "" : "s");
        json_object_set_new(invocation, "toolExecutionNotifications",
                            json_pack("[{s:s,s:{s:s}}]", "level", "error", "message", "text", text));
    }
    json_t *run = json_pack("{s:{s:o},s:[o],s:o,s:{s:s}}", "tool", "driver", driver, "invocations",
                            invocation, "results", results, "properties", "target", r->target);
    json_t *root = json_pack("{s:s,s:s,s:[o]}", "$schema",
                             "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
                             "version", "2.1.0", "runs", run);
    if (!root)
        return mp_fail(e, "out of memory writing %s", path);
    int rc = res_json_save(root, path, e);
    json_decref(root);
    return rc;
}

/* Workflow command data: %, CR and LF are escaped; in properties also
 * ':' and ','. */
static size_t gh_escape(char *out, size_t cap, const char *s, int property)
{
    size_t o = 0;
    for (; *s && o + 4 < cap; s++) {
        const char *rep = *s == '%' ? "%25" : *s == '\r' ? "%0D" : *s == '\n' ? "%0A"
                          : property && *s == ':' ? "%3A" : property && *s == ',' ? "%2C" : NULL;
        if (rep) {
            memcpy(out + o, rep, 3);
            o += 3;
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
    return o;
}

/* Appends "::cmd title=TITLE::MSG\n" to *out (grown); -1 when out of memory
 * (*out is then freed). */
static int annotate(char **out, size_t *cap, size_t *len, const char *cmd, const char *title, const char *msg)
{
    char etitle[1300], emsg[4900];
    gh_escape(etitle, sizeof etitle, title, 1);
    gh_escape(emsg, sizeof emsg, msg, 0);
    size_t need = strlen(cmd) + strlen(etitle) + strlen(emsg) + 16;
    char *n = realloc(*out, *cap + need);
    if (!n) {
        free(*out);
        *out = NULL;
        return -1;
    }
    *out = n;
    *cap += need;
    *len += (size_t)snprintf(*out + *len, *cap - *len, "::%s title=%s::%s\n", cmd, etitle, emsg);
    return 0;
}

char *rpt_github_annotations(const res_run *r, int fail_on)
{
    size_t cap = 1, len = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        const res_scenario *s = &r->items[i];
        if (!reported(s) || s->waived)
            continue;
        int rank = res_severity_rank(s->severity);
        const char *cmd = s->verdict == RES_FAIL && (rank < 0 || rank <= fail_on) ? "error" : "warning";
        char title[400], msg[1600];
        snprintf(title, sizeof title, "mtlsprobe %s %s [%s]", res_verdict_name(s->verdict), s->id,
                 s->tls_version);
        message(s, msg, sizeof msg);
        if (annotate(&out, &cap, &len, cmd, title, msg) != 0)
            return NULL;
    }
    if (r->interrupted) { /* an interrupted run is never a clean check */
        char msg[200];
        snprintf(msg, sizeof msg, "%zu scenario runs did not run: the results are incomplete (exit 3)",
                 res_run_count(r).not_run);
        if (annotate(&out, &cap, &len, "error", "mtlsprobe run interrupted", msg) != 0)
            return NULL;
    }
    return out;
}
