/* Echo upstreams. The echo is the record: the JSON body a gateway relays
 * back is what scenarios judge, which needs no side channel between the
 * scenario and the upstream and stays right when several upstreams run.
 * The same JSON also goes, one line per request, to --upstream-record for
 * people and tests reading it afterwards. */
#define _DEFAULT_SOURCE
#include "serve/upstream.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pki/identity.h"
#include "util/timeutil.h"

int srv_upstream_parse(const char *spec, srv_upstream *u, mp_err *e)
{
    memset(u, 0, sizeof *u);
    const char *eq = strrchr(spec, '=');
    if (!eq || eq == spec || !eq[1])
        return mp_fail(e, "--upstream '%s': expected ADDR:PORT=FIXTURE[,client-auth]", spec);
    if ((size_t)(eq - spec) >= sizeof u->listen)
        return mp_fail(e, "--upstream '%s': address too long", spec);
    memcpy(u->listen, spec, (size_t)(eq - spec));
    char rest[256];
    snprintf(rest, sizeof rest, "%s", eq + 1);
    char *save = NULL;
    char *fx = strtok_r(rest, ",", &save);
    if (!fx)
        return mp_fail(e, "--upstream '%s': no fixture", spec);
    snprintf(u->name, sizeof u->name, "%s", strncmp(fx, "server/", 7) == 0 ? fx + 7 : fx);
    snprintf(u->fixture, sizeof u->fixture, "%s%s", strchr(fx, '/') ? "" : "server/", fx);
    for (char *opt = strtok_r(NULL, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
        if (strcmp(opt, "client-auth") == 0)
            u->client_auth = 1;
        else
            return mp_fail(e, "--upstream '%s': unknown option '%s' (client-auth)", spec, opt);
    }
    return 0;
}

int srv_upstream_init(srv_upstream *u, const pki_manifest *m, mp_err *e)
{
    const pki_manifest_entry *f = pki_manifest_find(m, u->fixture);
    if (!f || !f->chain || !f->role || strcmp(f->role, "server") != 0)
        return mp_fail(e, "--upstream: '%s' is not a server fixture in %s (valid, expired, wrong-san, "
                          "self-signed, untrusted, pin-mismatch...)", u->fixture, m->dir);
    tls_server_opts so = { .chain_file = f->chain, .key_file = f->key, .ca_file = m->trust_bundle,
                           .require_client_cert = u->client_auth };
    if (f->identity) { /* serve --identity: the user's own, in memory */
        so.chain_pem = f->identity->chain_pem;
        so.chain_pem_len = f->identity->chain_pem_len;
        so.key_der = f->identity->key_der;
        so.key_der_len = f->identity->key_der_len;
    }
    if (tls_server_init(&u->tls, &so, e) != 0)
        return mp_wrap(e, "--upstream %s", u->name);
    u->have_tls = 1;
    return 0;
}

void srv_upstream_free(srv_upstream *u)
{
    if (u->have_tls)
        tls_server_free(&u->tls);
    u->have_tls = 0;
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

void srv_upstream_handle(void *arg, const srv_http_info *info, const http_request *q,
                         srv_http_reply *r)
{
    srv_upstream *u = arg;
    json_t *o = json_object();
    char when[21];
    tm_format_iso(tm_now(), when);
    json_object_set_new(o, "upstream", json_string(u->name));
    json_object_set_new(o, "fixture", json_string(u->fixture));
    json_object_set_new(o, "time", json_string(when));
    json_object_set_new(o, "peer", json_string(info->peer));
    json_object_set_new(o, "method", json_string(q->method));
    json_object_set_new(o, "target", json_string(q->target ? q->target : ""));
    json_object_set_new(o, "http_version", json_string(q->http_minor ? "1.1" : "1.0"));
    json_t *hs = json_array();
    for (size_t i = 0; i < q->n_headers; i++) {
        json_t *pair = json_array();
        json_array_append_new(pair, json_string(q->headers[i].name ? q->headers[i].name : ""));
        json_array_append_new(pair, json_string(q->headers[i].value ? q->headers[i].value : ""));
        json_array_append_new(hs, pair);
    }
    json_object_set_new(o, "headers", hs);
    json_object_set_new(o, "body_length", json_integer((json_int_t)q->body_len));
    json_t *tls = json_object();
    json_object_set_new(tls, "version", json_string(info->tls_version));
    json_object_set_new(tls, "sni", str_or_null(info->sni));
    json_object_set_new(o, "tls", tls);
    if (info->client_subject[0]) {
        json_t *cc = json_object();
        json_object_set_new(cc, "subject", json_string(info->client_subject));
        json_object_set_new(cc, "issuer", json_string(info->client_issuer));
        json_object_set_new(cc, "sha256", json_string(info->client_sha256));
        json_object_set_new(o, "client_cert", cc);
    } else {
        json_object_set_new(o, "client_cert", json_null());
    }
    json_object_set_new(o, "connection_requests", json_integer((json_int_t)info->conn_requests));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!text) {
        srv_http_reply_text(r, 500, "text/plain", "echo failed\n", 12);
        return;
    }
    if (u->record) {
        fprintf(u->record, "%s\n", text);
        fflush(u->record);
    }
    r->status = 200;
    r->content_type = "application/json";
    r->body_len = strlen(text);
    r->body = text;
}
