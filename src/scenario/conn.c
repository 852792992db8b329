/* Scenario connections without Lua: open one to the gateway as a spec says,
 * send one request, reduce what happened to a vd_obs, and make the positive
 * control for it. A control repeats every condition of the connection (TLS
 * version, SNI, address, ALPN, suites, groups, and the request byte for
 * byte) with the control identity instead of the certificate under test,
 * and is made once per distinct set of conditions per run: the cache is
 * shared by the run's jobs under one lock. */
#define _DEFAULT_SOURCE
#include "scenario/conn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki/identity.h"
#include "util/str.h"
#include "util/timeutil.h"

#define MAX_BODY (1024 * 1024)

/* ---- opening ------------------------------------------------------------ */

/* Keeps copies of the server's chain: the connection may be closed before
 * the scenario looks at it. */
static void capture_chain(scn_conn *c)
{
    const uint8_t *der[8];
    size_t len[8];
    int n = tls_conn_peer_chain(&c->conn, der, len, 8);
    for (int i = 0; i < n; i++) {
        uint8_t *copy = malloc(len[i]);
        if (!copy)
            return;
        memcpy(copy, der[i], len[i]);
        c->chain[c->n_chain] = copy;
        c->chain_len[c->n_chain] = len[i];
        c->n_chain++;
    }
}

int scn_conn_open(scn_conn *c, scn_ctx *ctx, const scn_conn_spec *s, tls_session *resume, mp_err *e)
{
    const scn_config *cfg = ctx->cfg;
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
    c->net = NET_ERROR;
    c->conn.fd = -1;
    c->spec = *s;
    tls_client_opts to = { 0 };
    to.ca_file = cfg->ca_file;
    to.verify_peer = s->verify;
    to.version = s->version;
    if (s->cert[0]) {
        const pki_manifest_entry *f = pki_manifest_find(cfg->fixtures, s->cert);
        if (!f)
            return mp_fail(e, "unknown fixture '%s' (not in %s/manifest.json)", s->cert, cfg->fixtures->dir);
        if (!f->chain)
            return mp_fail(e, "fixture '%s' is a %s, not a client or server certificate", s->cert,
                           f->role ? f->role : "CA");
        to.chain_file = f->chain;
        to.key_file = f->key;
        if (f->identity) { /* run --identity: the user's own, in memory */
            to.chain_pem = f->identity->chain_pem;
            to.chain_pem_len = f->identity->chain_pem_len;
            to.key_der = f->identity->key_der;
            to.key_der_len = f->identity->key_der_len;
        }
        str_copy(c->fixture, sizeof c->fixture, s->cert);
    }
    to.ciphers = s->ciphers[0] ? s->ciphers : NULL;
    to.groups = s->groups[0] ? s->groups : NULL;
    to.ocsp_stapling = s->ocsp;
    to.watch_signatures = 1; /* the generic code's second opinion on a refused P-256 signature */
    to.no_ticket = s->no_ticket;
    to.secure_renegotiation = s->renegotiation;
    to.post_handshake_auth = s->post_handshake_auth;
    tls_conn_opts co = { 0 };
    co.sni = s->sni_set ? s->sni : NULL;
    co.alpn = s->alpn[0] ? s->alpn : NULL;
    co.capture = &c->capture;
    co.resume = resume;
    co.sigalgs = s->sigalgs[0] ? s->sigalgs : NULL;
    co.early_data = s->early_data[0] ? s->early_data : NULL;
    co.early_data_len = strlen(s->early_data);
    if (tls_client_init(&c->client, &to, e) != 0)
        return -1;
    c->have_tls = 1;

    net_addr addr;
    if (net_resolve(s->host, s->port, &addr, e) != 0) {
        c->net = NET_ERROR;
        str_copy(c->net_error, sizeof c->net_error, e->msg);
        return 0;
    }
    str_copy(c->addr, sizeof c->addr, addr.text);
    int64_t t0 = tm_mono_ns();
    int fd;
    c->net = net_connect(&addr, t0 + cfg->timeout_ns, &fd, e);
    c->connect_ms = (double)(tm_mono_ns() - t0) / 1e6;
    if (c->net != NET_OK) {
        str_copy(c->net_error, sizeof c->net_error, e->msg);
        return 0;
    }
    if (tls_conn_init(&c->conn, &c->client, fd, &co, e) != 0) /* closed fd */
        return -1;
    tls_transport(&c->xp, &c->conn);
    tls_conn_handshake(&c->conn, tm_mono_ns() + cfg->timeout_ns);
    tls_audit_finish(&c->conn);
    c->after = c->conn.out;
    capture_chain(c);
    return 0;
}

/* ---- one request -------------------------------------------------------- */

void scn_conn_send(scn_conn *c, const char *req, size_t req_len)
{
    const scn_config *cfg = c->ctx->cfg;
    free(c->request);
    c->request = malloc(req_len ? req_len : 1);
    if (c->request)
        memcpy(c->request, req, req_len);
    c->request_len = c->request ? req_len : 0;
    http_response_free(&c->resp);
    memset(&c->answer, 0, sizeof c->answer);
    c->requested = 1;
    c->responded = 0;
    c->app_error[0] = '\0';
    int64_t t0 = tm_mono_ns(), first_byte = 0;
    const proto_handler *h = proto_for(cfg->target.scheme);
    proto_result rc = h->exchange(&c->xp, &cfg->target, &cfg->app, req, req_len, t0 + cfg->timeout_ns, MAX_BODY,
                                  &c->answer, &c->resp, &first_byte, c->app_error, sizeof c->app_error);
    if (first_byte)
        c->first_byte_ms = (double)(first_byte - t0) / 1e6;
    /* what the TLS connection came to: an alert arriving here is how TLS 1.3
     * servers refuse a client certificate */
    c->after = c->conn.out;
    if (rc == PROTO_X_ANSWER) {
        c->responded = 1;
        if (c->after.result == TLS_R_TIMEOUT) /* tls://'s window passed: the connection stayed open */
            c->after.result = TLS_R_OK;
    } else if (rc == PROTO_X_CLOSED && c->after.result != TLS_R_ALERT_RECEIVED && c->after.result != TLS_R_RESET) {
        c->after.result = TLS_R_CLOSED;
    }
}

/* The scheme's default request: what every scenario that makes none sends. */
static int default_request(const scn_config *cfg, char **req, size_t *len, mp_err *e)
{
    http_header *hs = NULL;
    if (cfg->n_headers && !(hs = calloc(cfg->n_headers, sizeof *hs)))
        return mp_fail(e, "out of memory");
    for (size_t i = 0; i < cfg->n_headers; i++) {
        hs[i].name = cfg->headers[i].name;
        hs[i].value = cfg->headers[i].value;
    }
    int rc = proto_for(cfg->target.scheme)->default_request(&cfg->target, hs, cfg->n_headers, &cfg->app, req, len, e);
    free(hs);
    return rc;
}

int scn_conn_default_request(scn_conn *c, mp_err *e)
{
    char *req;
    size_t len;
    if (default_request(c->ctx->cfg, &req, &len, e) != 0)
        return -1;
    scn_conn_send(c, req, len);
    free(req);
    return 0;
}

void scn_conn_release(scn_conn *c)
{
    if (c->xp.ops)
        net_xp_close(&c->xp, 0);
    if (c->have_tls)
        tls_client_free(&c->client);
    c->have_tls = 0;
    http_response_free(&c->resp);
    for (int i = 0; i < c->n_chain; i++)
        free(c->chain[i]);
    c->n_chain = 0;
    free(c->request);
    c->request = NULL;
    c->request_len = 0;
}

/* ---- what happened ------------------------------------------------------ */

static int is_refusal(tls_result r)
{
    return r == TLS_R_ALERT_RECEIVED || r == TLS_R_RESET || r == TLS_R_CLOSED;
}

void scn_conn_observe(const scn_conn *c, vd_obs *o)
{
    memset(o, 0, sizeof *o);
    o->proto = c->ctx ? proto_for(c->ctx->cfg->target.scheme)->kind : PROTO_HTTP;
    if (c->net != NET_OK) {
        o->kind = VD_UNREACHABLE;
        str_copy(o->text, sizeof o->text, c->net_error[0] ? c->net_error : "not connected");
        return;
    }
    const tls_outcome *hs = &c->conn.out;
    o->cert_requested = hs->cert_requested || c->capture.cert_request_seen;
    for (int i = 0; i < c->capture.n_ca_names; i++) {
        size_t l = strlen(o->ca_names);
        snprintf(o->ca_names + l, sizeof o->ca_names - l, "%s%s", i ? "; " : "", c->capture.ca_names[i]);
    }
    /* wolfSSL names its own highest version before any ServerHello: only a
     * version the server chose is evidence. */
    if (hs->result == TLS_R_OK || hs->after_handshake || c->capture.server_hello_seen)
        str_copy(o->version, sizeof o->version, hs->version);
    if (hs->result != TLS_R_OK && !hs->after_handshake) {
        char d[280];
        tls_outcome_describe(hs, d, sizeof d);
        if (is_refusal(hs->result)) {
            o->kind = VD_REFUSED;
            o->alert_received = hs->result == TLS_R_ALERT_RECEIVED;
            str_copy(o->text, sizeof o->text, d);
        } else if (hs->result == TLS_R_TIMEOUT) {
            o->kind = VD_TIMEOUT;
            str_copy(o->text, sizeof o->text, d);
        } else {
            o->kind = VD_FAILED;
            o->not_tls = hs->not_tls;
            snprintf(o->text, sizeof o->text, "%s%s", d,
                     hs->result == TLS_R_VERIFY_FAILED ? " (check --ca, --sni)" : "");
        }
        return;
    }
    if (c->responded) {
        o->kind = VD_ANSWER;
        o->answer = c->answer;
        str_copy(o->text, sizeof o->text, c->answer.text);
        return;
    }
    char d[280];
    tls_outcome_describe(&c->after, d, sizeof d);
    if (is_refusal(c->after.result)) {
        o->kind = VD_REFUSED;
        o->after_handshake = 1;
        o->alert_received = c->after.result == TLS_R_ALERT_RECEIVED;
        o->request_sent = c->requested;
        str_copy(o->text, sizeof o->text, c->after.result == TLS_R_CLOSED && c->app_error[0] ? c->app_error : d);
    } else if (c->after.result == TLS_R_TIMEOUT) {
        o->kind = VD_TIMEOUT;
        str_copy(o->text, sizeof o->text, d);
    } else {
        o->kind = VD_FAILED;
        str_copy(o->text, sizeof o->text, c->app_error[0] ? c->app_error : "no answer");
    }
}

/* ---- controls ----------------------------------------------------------- */

typedef struct control_entry {
    char *key;
    vd_obs obs;
} control_entry;

struct scn_controls {
    pthread_mutex_t lock;
    control_entry *v;
    size_t n;
    scn_control_maker make;
};

/* The control of a run: a real connection to the gateway. */
static int control_connect(scn_ctx *ctx, const scn_conn_spec *spec, const char *request, size_t request_len,
                           vd_obs *out, mp_err *e)
{
    scn_conn *k = calloc(1, sizeof *k);
    if (!k)
        return mp_fail(e, "out of memory");
    int rc = -1;
    if (scn_conn_open(k, ctx, spec, NULL, e) == 0) {
        if (k->net == NET_OK && k->conn.out.result == TLS_R_OK)
            scn_conn_send(k, request, request_len);
        scn_conn_observe(k, out);
        rc = 0;
    }
    scn_conn_release(k);
    free(k);
    return rc;
}

scn_controls *scn_controls_new_with(scn_control_maker make)
{
    scn_controls *s = calloc(1, sizeof *s);
    if (s) {
        pthread_mutex_init(&s->lock, NULL);
        s->make = make ? make : control_connect;
    }
    return s;
}

scn_controls *scn_controls_new(void)
{
    return scn_controls_new_with(NULL);
}

void scn_controls_free(scn_controls *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].key);
    free(s->v);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Every condition the control must repeat, as one string. */
static char *control_key(const scn_conn *c, const char *fixture, const char *request, size_t request_len)
{
    const scn_conn_spec *s = &c->spec;
    char head[6144];
    int n = snprintf(head, sizeof head, "%s|v%d|verify%d|sni%d:%s|alpn:%s|ciphers:%s|groups:%s|sigalgs:%s|%d%d%d%d|%s:%d|",
                     fixture, (int)s->version, s->verify, s->sni_set, s->sni, s->alpn, s->ciphers, s->groups, s->sigalgs,
                     s->ocsp, s->no_ticket, s->renegotiation, s->post_handshake_auth, s->host, s->port);
    if (n < 0)
        return NULL;
    size_t hl = strlen(head);
    char *key = malloc(hl + request_len + 1);
    if (!key)
        return NULL;
    memcpy(key, head, hl);
    if (request_len)
        memcpy(key + hl, request, request_len);
    key[hl + request_len] = '\0';
    return key;
}

int scn_control_observe(scn_ctx *ctx, const scn_conn *c, const char *fixture, vd_obs *out, mp_err *e)
{
    scn_controls *cache = ctx->cfg->controls;
    /* A connection that never got to send its request (its handshake was
     * refused) would have sent the default one. */
    char *own = NULL;
    const char *request = c->request;
    size_t request_len = c->request_len;
    if (!c->requested) {
        if (default_request(ctx->cfg, &own, &request_len, e) != 0)
            return -1;
        request = own;
    }
    char *key = control_key(c, fixture, request, request_len);
    if (!key) {
        free(own);
        return mp_fail(e, "out of memory");
    }
    if (cache) {
        pthread_mutex_lock(&cache->lock);
        for (size_t i = 0; i < cache->n; i++) {
            if (strcmp(cache->v[i].key, key) == 0) {
                *out = cache->v[i].obs;
                pthread_mutex_unlock(&cache->lock);
                free(key);
                free(own);
                return 0;
            }
        }
    }
    /* Made under the lock: jobs that need the same control wait for it
     * instead of making it again. */
    scn_conn_spec spec = c->spec;
    str_copy(spec.cert, sizeof spec.cert, fixture);
    int rc = (cache ? cache->make : control_connect)(ctx, &spec, request, request_len, out, e);
    if (cache) {
        control_entry *nv = rc == 0 ? realloc(cache->v, (cache->n + 1) * sizeof *nv) : NULL;
        if (nv) {
            cache->v = nv;
            cache->v[cache->n].key = key;
            cache->v[cache->n].obs = *out;
            cache->n++;
            key = NULL;
        }
        pthread_mutex_unlock(&cache->lock);
    }
    free(key);
    free(own);
    return rc;
}
