/* Which gateway a run tested, and the configuration that fixes a finding on
 * it. Both are data in reports/hints.json (compiled in), so a new gateway or
 * a better hint is an edit there. The Server header decides when a response
 * carried one; otherwise a signal (a scenario whose evidence matches a
 * pattern that only that gateway produces) may. A run with no such evidence
 * gets no gateway and its findings no hint: a wrong hint is worse than none. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/assets.h"
#include "report/model.h"
#include "util/str.h"

static const char *jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A pattern ending in a star matches any id it begins; otherwise exact. */
static int id_matches(const char *pattern, const char *id)
{
    size_t l = strlen(pattern);
    if (l && pattern[l - 1] == '*')
        return strncmp(pattern, id, l - 1) == 0;
    return strcmp(pattern, id) == 0;
}

/* The product token of a Server header: "nginx/1.22.1" -> "nginx". */
static void product(const char *server, char *out, size_t n)
{
    size_t i = 0;
    for (; server[i] && server[i] != '/' && server[i] != ' ' && i + 1 < n; i++)
        out[i] = (char)tolower((unsigned char)server[i]);
    out[i] = '\0';
}

static int signal_matches(const json_t *sig, const res_scenario *s)
{
    const char *scn = jstr(sig, "scenario");
    if (!scn || !id_matches(scn, s->id))
        return 0;
    const char *v;
    if ((v = jstr(sig, "rejected_in")) && strcmp(v, s->ev.rejected_in) != 0)
        return 0;
    if ((v = jstr(sig, "tls_version")) && strcmp(v, s->ev.tls_version) != 0)
        return 0;
    if ((v = jstr(sig, "alpn")) && strcmp(v, s->ev.alpn) != 0)
        return 0;
    const json_t *n = json_object_get(sig, "http_status");
    if (json_is_integer(n) && json_integer_value(n) != s->ev.http_status)
        return 0;
    n = json_object_get(sig, "alert_code");
    if (json_is_integer(n) && json_integer_value(n) != s->ev.alert_code)
        return 0;
    return 1;
}

static void set_gateway(rpt_input *in, const json_t *gw, const char *why)
{
    str_copy(in->gateway, sizeof in->gateway, jstr(gw, "id") ? jstr(gw, "id") : "");
    str_copy(in->gateway_name, sizeof in->gateway_name, jstr(gw, "name") ? jstr(gw, "name") : in->gateway);
    str_copy(in->gateway_why, sizeof in->gateway_why, why);
}

static void recognize(rpt_input *in, const json_t *gateways)
{
    size_t i, k;
    const json_t *gw, *x;
    for (size_t j = 0; j < in->run.n; j++) {
        const char *server = in->run.items[j].ev.http_server;
        if (!server[0])
            continue;
        char tok[64];
        product(server, tok, sizeof tok);
        json_array_foreach(gateways, i, gw) {
            json_array_foreach(json_object_get(gw, "server"), k, x) {
                if (json_is_string(x) && strcasecmp(json_string_value(x), tok) == 0) {
                    char why[300];
                    snprintf(why, sizeof why, "Server header \"%s\"", server);
                    set_gateway(in, gw, why);
                    return;
                }
            }
        }
    }
    json_array_foreach(gateways, i, gw) {
        json_array_foreach(json_object_get(gw, "signals"), k, x) {
            for (size_t j = 0; j < in->run.n; j++) {
                if (signal_matches(x, &in->run.items[j])) {
                    const char *because = jstr(x, "because");
                    set_gateway(in, gw, because ? because : in->run.items[j].id);
                    return;
                }
            }
        }
    }
}

static const char *hint_for(const json_t *hints, const char *gateway, const char *id)
{
    size_t i, k;
    const json_t *h, *p;
    json_array_foreach(hints, i, h) {
        const char *text = jstr(h, gateway);
        if (!text)
            continue;
        json_array_foreach(json_object_get(h, "scenarios"), k, p) {
            if (json_is_string(p) && id_matches(json_string_value(p), id))
                return text;
        }
    }
    return NULL;
}

int rpt_hints_apply(rpt_model *m, mp_err *e)
{
    const rpt_asset *a = rpt_asset_find("hints.json");
    json_error_t je;
    json_t *root = a ? json_loadb(a->data, *a->len, 0, &je) : NULL;
    if (!root)
        return mp_fail(e, "reports/hints.json (compiled in) is not valid JSON");
    const json_t *gateways = json_object_get(root, "gateways"), *hints = json_object_get(root, "hints");
    for (size_t i = 0; i < m->n_inputs; i++)
        if (m->inputs[i].kind == RES_KIND_RUN)
            recognize(&m->inputs[i], gateways);
    for (size_t f = 0; f < m->n_findings; f++) {
        rpt_finding *fd = &m->findings[f];
        const rpt_input *in = &m->inputs[fd->ref.input];
        fd->hint[0] = '\0';
        if (!in->gateway[0])
            continue;
        const char *h = hint_for(hints, in->gateway, in->run.items[fd->ref.item].id);
        if (h)
            str_copy(fd->hint, sizeof fd->hint, h);
    }
    json_decref(root);
    return 0;
}
