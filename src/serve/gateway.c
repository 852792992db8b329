/* Reference gateway: the strict TLS server context (src/tls), the
 * certificate policy wolfSSL does not apply by itself, and the answer, on
 * the one HTTP/1.1 engine every server of `serve` shares (serve/httpd.c).
 * Requests are answered once their head is in: a body is never read, and a
 * request that has one is answered and its connection closed. */
#define _DEFAULT_SOURCE
#include "serve/gateway.h"

#include <event2/event.h>
#include <signal.h>
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

int srv_gateway_run(const srv_gateway_opts *o, mp_err *e)
{
    const pki_manifest *m = o->fixtures;
    const pki_manifest_entry *srv = pki_manifest_find(m, o->server_fixture);
    if (!srv || !srv->chain)
        return mp_fail(e, "fixture '%s' is not a server certificate in %s", o->server_fixture, m->dir);
    const char *crls[256];
    size_t n_crls = 0;
    for (size_t i = 0; i < m->n && n_crls < 256; i++)
        if (m->entries[i].crl)
            crls[n_crls++] = m->entries[i].crl;
    tls_server server;
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
    if (tls_server_init(&server, &so, e) != 0)
        return -1;
    struct event_base *base = event_base_new();
    if (!base) {
        tls_server_free(&server);
        return mp_fail(e, "cannot create an event loop");
    }
    srv_http_opts ho = {
        .name = "gateway", .listen = o->listen, .tls = &server, .handle = answer,
        .timeout_ms = o->timeout_ms, .head_only = 1, .log = o->log, .max_connections = o->max_connections,
    };
    srv_http *h = NULL;
    if (srv_http_start(base, &ho, &h, e) != 0) {
        event_base_free(base);
        tls_server_free(&server);
        return -1;
    }
    stopper st = { o->log, base };
    struct event *sig[2] = { evsignal_new(base, SIGINT, signal_cb, &st),
                             evsignal_new(base, SIGTERM, signal_cb, &st) };
    for (size_t i = 0; i < 2; i++)
        if (sig[i])
            event_add(sig[i], NULL);
    signal(SIGPIPE, SIG_IGN);
    if (o->log) {
        fprintf(o->log, "mtlsprobe serve: listening on https://%s (%s, trust %s, %zu CRLs)\n",
                srv_http_address(h), o->server_fixture, m->trust_bundle, n_crls);
        fflush(o->log);
    }
    event_base_dispatch(base);
    unsigned long served, refused;
    srv_http_counts(h, &served, &refused);
    srv_http_free(h);
    if (o->log) {
        fprintf(o->log, "mtlsprobe serve: stopped after %lu served, %lu refused\n", served, refused);
        fflush(o->log);
    }
    for (size_t i = 0; i < 2; i++)
        if (sig[i])
            event_free(sig[i]);
    event_base_free(base);
    tls_server_free(&server);
    return 0;
}
