/* Reference gateway: the strict TLS server context (src/tls), the
 * certificate policy wolfSSL does not apply by itself, and the answer, on
 * the one HTTP/1.1 engine every server of `serve` shares (serve/httpd.c).
 * Requests are answered once their head is in: a body is never read, and a
 * request that has one is answered and its connection closed. */
#define _DEFAULT_SOURCE
#include "serve/gateway.h"

#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "pki/identity.h"
#include "pki/inspect.h"
#include "serve/httpd.h"
#include "tls/tls.h"

/* ---- policy ------------------------------------------------------------- */

static int policy_verify(int preverify, const uint8_t *der, size_t len, int depth)
{
    if (!preverify)
        return 0;
    pki_cert_info info;
    if (!der || len == 0 || pki_inspect(der, len, &info) != 0)
        return 0;
    if ((info.sig_sha1 || info.sig_md5) && !info.self_issued)
        return 0; /* a SHA-1 or MD5 signature anywhere below the trust anchor */
    if (depth == 0) {
        if (info.has_key_usage && !info.ku_digital_signature)
            return 0; /* the key may not sign CertificateVerify */
        if (info.has_eku && !info.eku_client_auth && !info.eku_any)
            return 0;
    }
    return 1;
}

/* ---- answers ------------------------------------------------------------ */

/* Only a verified client reaches a request: the handshake refused the rest. */
static void answer(void *arg, const srv_http_info *info, const http_request *q, srv_http_reply *r)
{
    (void)arg;
    (void)q;
    char body[700];
    int n = snprintf(body, sizeof body, "verified client: %s\n", info->client_subject);
    srv_http_reply_text(r, 200, "text/plain", body, n > 0 ? (size_t)n : 0);
}

/* What a signal needs: where to say so, and which loop to stop. */
typedef struct stopper {
    FILE *log;
    struct event_base *base;
} stopper;

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    stopper *st = arg;
    if (st->log)
        fprintf(st->log, "mtlsprobe serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    event_base_loopexit(st->base, NULL);
}

struct srv_gateway {
    const srv_gateway_opts *o;
    srv_http_opts ho;       /* the server keeps a pointer to it */
    tls_server server;
    struct event_base *base;
    srv_http *h;
    stopper st;
    struct event *sig[2];
};

int srv_gateway_start(const srv_gateway_opts *o, srv_gateway **out, mp_err *e)
{
    *out = NULL;
    const pki_manifest *m = o->fixtures;
    const pki_manifest_entry *srv = pki_manifest_find(m, o->server_fixture);
    if (!srv || !srv->chain)
        return mp_fail(e, "fixture '%s' is not a server certificate in %s", o->server_fixture, m->dir);
    const char *crls[256];
    size_t n_crls = 0;
    for (size_t i = 0; i < m->n && n_crls < 256; i++)
        if (m->entries[i].crl)
            crls[n_crls++] = m->entries[i].crl;
    srv_gateway *g = calloc(1, sizeof *g);
    if (!g)
        return mp_fail(e, "out of memory");
    g->o = o;
    tls_server_opts so = {
        .chain_file = srv->chain, .key_file = srv->key, .ca_file = m->trust_bundle,
        .crl_files = crls, .n_crl_files = n_crls, .require_client_cert = 1,
        .verify_cb = policy_verify,
    };
    if (srv->identity) { /* serve --identity: the user's own, in memory */
        so.chain_pem = srv->identity->chain_pem;
        so.chain_pem_len = srv->identity->chain_pem_len;
        so.key_der = srv->identity->key_der;
        so.key_der_len = srv->identity->key_der_len;
    }
    if (tls_server_init(&g->server, &so, e) != 0) {
        free(g);
        return -1;
    }
    g->base = event_base_new();
    if (!g->base) {
        tls_server_free(&g->server);
        free(g);
        return mp_fail(e, "cannot create an event loop");
    }
    srv_http_opts ho = {
        .name = "gateway", .listen = o->listen, .tls = &g->server, .handle = answer,
        .timeout_ms = o->timeout_ms, .head_only = 1, .log = o->log, .max_connections = o->max_connections,
    };
    g->ho = ho;
    if (srv_http_start(g->base, &g->ho, &g->h, e) != 0) {
        event_base_free(g->base);
        tls_server_free(&g->server);
        free(g);
        return -1;
    }
    g->st = (stopper){ o->log, g->base };
    g->sig[0] = evsignal_new(g->base, SIGINT, signal_cb, &g->st);
    g->sig[1] = evsignal_new(g->base, SIGTERM, signal_cb, &g->st);
    for (size_t i = 0; i < 2; i++)
        if (g->sig[i])
            event_add(g->sig[i], NULL);
    signal(SIGPIPE, SIG_IGN);
    if (o->announce) {
        /* the first line of the log: where to connect, the port chosen for
         * port 0 included (docs/serve.md) */
        fprintf(o->announce, "mtlsprobe serve: listening on https://%s (%s, trust %s, %zu CRLs)\n",
                srv_http_address(g->h), o->server_fixture, m->trust_bundle, n_crls);
        fflush(o->announce);
    }
    *out = g;
    return 0;
}

const char *srv_gateway_address(const srv_gateway *g)
{
    return srv_http_address(g->h);
}

void srv_gateway_run(srv_gateway *g)
{
    event_base_dispatch(g->base);
    unsigned long served, refused;
    srv_http_counts(g->h, &served, &refused);
    if (g->o->log) {
        fprintf(g->o->log, "mtlsprobe serve: stopped after %lu served, %lu refused\n", served, refused);
        fflush(g->o->log);
    }
}

void srv_gateway_free(srv_gateway *g)
{
    if (!g)
        return;
    srv_http_free(g->h);
    for (size_t i = 0; i < 2; i++)
        if (g->sig[i])
            event_free(g->sig[i]);
    event_base_free(g->base);
    tls_server_free(&g->server);
    free(g);
}
