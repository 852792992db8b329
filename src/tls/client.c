/* The TLS client: its context (trust anchors, identity, versions, groups,
 * audit hooks) and the client side of a connection, from options to the
 * handshake step. The decision: a context is read-only once made, so load
 * workers can share one; everything per connection (SNI, ALPN, a session
 * to resume, a fleet identity) is set on the connection, and a connection's
 * wolfSSL object is reused for the next handshake where wolfSSL allows. */
#define _DEFAULT_SOURCE
#include "tls/tls_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tls/audit.h"
#include "tls/keyshare.h"
#include "tls/sigcache.h"
#include "util/timeutil.h"

/* Two ways to learn that the server sent a CertificateRequest, because
 * wolfSSL treats them differently: with a certificate loaded, the setup
 * callback; without one, the client-certificate callback, whose "no
 * certificate" answer (0) makes wolfSSL send the empty Certificate message
 * TLS requires. (A setup callback registered without a certificate makes
 * wolfSSL's TLS 1.3 client fail with NO_CERT_ERROR instead.) */
static void mark_requested(WOLFSSL *ssl)
{
    tls_conn *c = wolfSSL_GetIOReadCtx(ssl);
    if (c)
        c->out.cert_requested = 1;
}

static int on_cert_request(WOLFSSL *ssl, void *arg)
{
    (void)arg;
    mark_requested(ssl);
    return 1;
}

static int on_cert_request_without_cert(WOLFSSL *ssl, WOLFSSL_X509 **x509, WOLFSSL_EVP_PKEY **pkey)
{
    (void)x509;
    (void)pkey;
    mark_requested(ssl);
    return 0;
}

static int parse_groups(const char *list, int *groups, int *n, mp_err *e)
{
    static const struct { const char *name; int id; } known[] = {
        { "X25519", WOLFSSL_ECC_X25519 }, { "X448", WOLFSSL_ECC_X448 },
        { "P-256", WOLFSSL_ECC_SECP256R1 }, { "secp256r1", WOLFSSL_ECC_SECP256R1 },
        { "P-384", WOLFSSL_ECC_SECP384R1 }, { "secp384r1", WOLFSSL_ECC_SECP384R1 },
        { "P-521", WOLFSSL_ECC_SECP521R1 }, { "secp521r1", WOLFSSL_ECC_SECP521R1 },
        { "ffdhe2048", WOLFSSL_FFDHE_2048 }, { "ffdhe3072", WOLFSSL_FFDHE_3072 },
        { "ffdhe4096", WOLFSSL_FFDHE_4096 },
#ifdef WOLFSSL_HAVE_MLKEM
        { "X25519MLKEM768", WOLFSSL_X25519MLKEM768 },
        { "SecP256r1MLKEM768", WOLFSSL_SECP256R1MLKEM768 },
        { "SecP384r1MLKEM1024", WOLFSSL_SECP384R1MLKEM1024 },
#endif
    };
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ":,", &save); tok;
         tok = strtok_r(NULL, ":,", &save)) {
        size_t i;
        for (i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strcasecmp(tok, known[i].name) == 0)
                break;
        if (i == sizeof known / sizeof known[0])
            return mp_fail(e, "unknown group '%s' (X25519, X448, P-256, P-384, P-521, "
                              "ffdhe2048, ffdhe3072, ffdhe4096"
#ifdef WOLFSSL_HAVE_MLKEM
                              ", X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024"
#endif
                              ")", tok);
        if (*n == 16)
            return mp_fail(e, "too many groups");
        groups[(*n)++] = known[i].id;
    }
    return *n ? 0 : mp_fail(e, "empty group list");
}

int tls_client_init(tls_client *c, const tls_client_opts *o, mp_err *e)
{
    WOLFSSL_METHOD *m;
    memset(c, 0, sizeof *c);
    switch (o->version) {
    case TLS_V1_3: m = wolfTLSv1_3_client_method(); break;
    case TLS_V1_2: m = wolfTLSv1_2_client_method(); break;
    case TLS_V1_1: m = wolfTLSv1_1_client_method(); break;
    case TLS_V1_0: m = wolfTLSv1_client_method(); break;
    default: m = wolfSSLv23_client_method(); break;
    }
    c->ctx = m ? wolfSSL_CTX_new(m) : NULL;
    if (!c->ctx)
        return mp_fail(e, "cannot create a %s client context", tls_version_name(o->version));
    c->version = o->version;
    /* Old protocol versions are compiled in for probing only: never offered
     * unless asked for by name. */
    if (o->version == TLS_ANY && wolfSSL_CTX_SetMinVersion(c->ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS)
        goto fail_msg;
    if (o->verify_peer) {
        if (!o->ca_file || wolfSSL_CTX_load_verify_locations(c->ctx, o->ca_file, NULL) != WOLFSSL_SUCCESS) {
            mp_fail(e, "cannot load trust anchors from %s", o->ca_file ? o->ca_file : "(none)");
            goto fail;
        }
        wolfSSL_CTX_set_verify(c->ctx, WOLFSSL_VERIFY_PEER, NULL);
    } else {
        wolfSSL_CTX_set_verify(c->ctx, WOLFSSL_VERIFY_NONE, NULL);
    }
    if (o->chain_file || o->chain_pem) {
        if (tls_use_identity(c->ctx, o->chain_file, o->key_file, o->chain_pem, o->chain_pem_len,
                             o->key_der, o->key_der_len, "client", e) != 0)
            goto fail;
        if (o->require_key_match && wolfSSL_CTX_check_private_key(c->ctx) != WOLFSSL_SUCCESS) {
            mp_fail(e, "private key %s does not match certificate %s",
                    o->key_file ? o->key_file : "(in memory)", o->chain_file ? o->chain_file : "(in memory)");
            goto fail;
        }
    }
    if (o->ciphers && wolfSSL_CTX_set_cipher_list(c->ctx, o->ciphers) != WOLFSSL_SUCCESS) {
        mp_fail(e, "no cipher suite in '%s' is known to this wolfSSL", o->ciphers);
        goto fail;
    }
    int ecc_group = WOLFSSL_ECC_SECP256R1; /* wolfSSL's default list has it */
    if (o->groups) {
        int groups[16], n;
        if (parse_groups(o->groups, groups, &n, e) != 0)
            goto fail;
        if (wolfSSL_CTX_set_groups(c->ctx, groups, n) != WOLFSSL_SUCCESS) {
            mp_fail(e, "cannot set groups '%s'", o->groups);
            goto fail;
        }
        ecc_group = 0;
        for (int i = 0; i < n && !ecc_group; i++)
            if (groups[i] == WOLFSSL_ECC_SECP256R1 || groups[i] == WOLFSSL_ECC_SECP384R1 ||
                groups[i] == WOLFSSL_ECC_SECP521R1)
                ecc_group = groups[i];
    }
    if (o->reuse_key_share_ns > 0 &&
        !(c->keyshare = tls_keyshare_new(c->ctx, o->reuse_key_share_ns, ecc_group, e)))
        goto fail;
    /* Sessions to resume are kept by the caller (tls_conn_session) and set
     * per connection. wolfSSL's shared client cache would copy every ticket
     * under a global lock, which the load workers must not take. */
    wolfSSL_CTX_set_session_cache_mode(c->ctx, WOLFSSL_SESS_CACHE_OFF);
#ifdef HAVE_ECH
    /* No GREASE ECH extension: it costs an HPKE key pair per ClientHello and
     * is not what these probes and loads are about. */
    wolfSSL_CTX_SetEchEnable(c->ctx, 0);
#endif
    /* TLS 1.2 clients offer session tickets only when asked to. */
    if (!o->no_ticket && wolfSSL_CTX_UseSessionTicket(c->ctx) != WOLFSSL_SUCCESS) {
        mp_fail(e, "cannot enable session tickets");
        goto fail;
    }
    if (tls_audit_client_setup(c->ctx, o, e) != 0)
        goto fail;
    c->ocsp_stapling = o->ocsp_stapling;
    if (o->memo_signatures || o->watch_signatures) {
        if (!(c->sigcache = tls_sigcache_new(o->memo_signatures))) {
            mp_fail(e, "out of memory");
            goto fail;
        }
        tls_sigcache_install(c->ctx);
    }
    tls_use_own_io(c->ctx);
    if (o->chain_file || o->chain_pem)
        wolfSSL_CTX_set_cert_cb(c->ctx, on_cert_request, NULL);
    else
        wolfSSL_CTX_set_client_cert_cb(c->ctx, on_cert_request_without_cert);
    return 0;
fail_msg:
    mp_fail(e, "cannot configure the TLS client");
fail:
    tls_client_free(c);
    return -1;
}

void tls_client_free(tls_client *c)
{
    tls_free_ctx(&c->ctx);
    tls_sigcache_free(c->sigcache);
    c->sigcache = NULL;
    tls_keyshare_free(c->keyshare);
    c->keyshare = NULL;
}

int tls_client_take_sig_failure(tls_client *c, tls_sig_failure *f)
{
    return tls_sigcache_take_failure(c->sigcache, f);
}

unsigned long long tls_client_sig_overturned(const tls_client *c)
{
    return tls_sigcache_overturned(c->sigcache);
}

uint64_t tls_client_key_shares_made(const tls_client *c)
{
    return tls_keyshare_made(c->keyshare);
}

static int apply_opts(tls_conn *c, const tls_conn_opts *o, mp_err *e);

/* The fd-ownership rule (tls/tls.h): every failure ends here, the socket
 * closed and the object empty, so that the caller neither leaks nor closes
 * twice. */
static int conn_start_failed(tls_conn *c, int fd)
{
    if (c->fd != fd && fd >= 0)
        close(fd); /* not yet bound to the object */
    tls_conn_close(c, 1);
    return -1;
}

int tls_conn_init(tls_conn *c, tls_client *cl, int fd, const tls_conn_opts *o, mp_err *e)
{
    /* wolfSSL reads the context's static key at each key share, so a
     * renewed key reaches every later handshake. */
    if (cl->keyshare && tls_keyshare_refresh(cl->keyshare, cl->ctx, tm_mono_ns(), e) != 0) {
        memset(c, 0, sizeof *c);
        c->fd = -1;
        return conn_start_failed(c, fd);
    }
    if (tls_conn_setup(c, cl->ctx, fd, e) != 0) /* closed fd */
        return -1;
    if (tls_audit_conn_setup(c, cl, e) != 0)
        return conn_start_failed(c, fd);
    if (cl->sigcache)
        tls_sigcache_attach(c->ssl, cl->sigcache);
    if (apply_opts(c, o, e) != 0)
        return conn_start_failed(c, fd);
    return 0;
}

int tls_conn_reuse(tls_conn *c, tls_client *cl, int fd, const tls_conn_opts *o, mp_err *e)
{
    if (!c->ssl) {
        mp_fail(e, "cannot reuse the TLS connection");
        return conn_start_failed(c, fd);
    }
    /* wolfSSL_clear cannot undo a TLS 1.3 resumption: the flag that says a
     * PSK was negotiated survives it, and the next full handshake on the
     * object then takes the server's CertificateRequest for a protocol
     * violation and sends unexpected_message (wolfSSL 5.9: SANITY_MSG_E).
     * Once a session has been offered in TLS 1.3, the object is replaced;
     * so is one whose session was shared (tls_conn_share_session). */
    if ((c->psk_offered && wolfSSL_GetVersion(c->ssl) == WOLFSSL_TLSV1_3) || c->session_shared) {
        unsigned char *rbuf = c->rbuf;
        c->rbuf = NULL;
        wolfSSL_free(c->ssl);
        c->ssl = NULL;
        if (tls_conn_init(c, cl, fd, o, e) != 0) { /* closed fd */
            free(rbuf);
            return -1;
        }
        c->rbuf = rbuf;
        return 0;
    }
    /* wolfSSL_clear keeps the object and its RNG (whose instantiation and
     * self-test cost more than an ECDSA signature) and frees extensions,
     * which apply_opts sets again. */
    if (wolfSSL_clear(c->ssl) != WOLFSSL_SUCCESS) {
        mp_fail(e, "cannot reuse the TLS connection");
        return conn_start_failed(c, fd);
    }
    if (cl->keyshare && tls_keyshare_refresh(cl->keyshare, cl->ctx, tm_mono_ns(), e) != 0)
        return conn_start_failed(c, fd);
    /* After a completed handshake wolfSSL_clear keeps the session, and the
     * next handshake would silently resume it. A second clear, now that the
     * handshake no longer counts as done, replaces it with an empty one. */
    if ((!o || !o->resume) && wolfSSL_clear(c->ssl) != WOLFSSL_SUCCESS) {
        mp_fail(e, "cannot reset the TLS session");
        return conn_start_failed(c, fd);
    }
    WOLFSSL *ssl = c->ssl;
    unsigned char *rbuf = c->rbuf;
    memset(c, 0, sizeof *c);
    c->ssl = ssl;
    c->rbuf = rbuf;
    c->fd = fd;
    c->out.alert_code = -1;
    if (wolfSSL_set_fd(ssl, fd) != WOLFSSL_SUCCESS) {
        mp_fail(e, "cannot attach the socket");
        return conn_start_failed(c, fd);
    }
    wolfSSL_SetIOReadCtx(ssl, c);
    wolfSSL_SetIOWriteCtx(ssl, c);
    c->started_ns = tm_mono_ns();
    if (apply_opts(c, o, e) != 0)
        return conn_start_failed(c, fd);
    return 0;
}

static int apply_opts(tls_conn *c, const tls_conn_opts *o, mp_err *e)
{
    if (o && o->sni && *o->sni &&
        wolfSSL_UseSNI(c->ssl, WOLFSSL_SNI_HOST_NAME, o->sni, (word16)strlen(o->sni)) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot set SNI '%s'", o->sni);
    if (o && o->alpn && *o->alpn) {
        char alpn[256];
        snprintf(alpn, sizeof alpn, "%s", o->alpn);
        if (wolfSSL_UseALPN(c->ssl, alpn, (word32)strlen(alpn),
                            WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) != WOLFSSL_SUCCESS)
            return mp_fail(e, "cannot set ALPN '%s'", o->alpn);
    }
    if (o && o->sigalgs && wolfSSL_set1_sigalgs_list(c->ssl, o->sigalgs) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot offer signature algorithms '%s'", o->sigalgs);
    if (o && o->identity) {
        int fmt = o->identity_pem ? WOLFSSL_FILETYPE_PEM : WOLFSSL_FILETYPE_ASN1;
        int rc = o->identity_pem
                     ? wolfSSL_use_certificate_chain_buffer(c->ssl, o->identity->cert, (long)o->identity->cert_len)
                     : wolfSSL_use_certificate_buffer(c->ssl, o->identity->cert, (long)o->identity->cert_len, fmt);
        if (rc != WOLFSSL_SUCCESS ||
            wolfSSL_use_PrivateKey_buffer(c->ssl, o->identity->key, (long)o->identity->key_len, fmt) !=
                WOLFSSL_SUCCESS)
            return mp_fail(e, "cannot present the fleet identity");
    }
    if (o && o->resume) {
        if (wolfSSL_set_session(c->ssl, o->resume) != WOLFSSL_SUCCESS)
            return mp_fail(e, "cannot use the saved session");
        c->psk_offered = 1;
    }
    if (o && o->capture)
        tls_audit_capture(c, o->capture);
    c->early_data = NULL;
    c->early_data_len = 0;
    if (o && o->early_data && o->early_data_len && o->resume) {
        c->early_data = o->early_data;
        c->early_data_len = o->early_data_len;
    }
    c->started_ns = tm_mono_ns(); /* the handshake clock starts after the options */
    return 0;
}

/* 0-RTT: wolfSSL_write_early_data sends the ClientHello and the data,
 * driving the handshake as far as it must; the rest is wolfSSL_connect.
 * Data the session cannot carry (no early data allowed) is dropped, and
 * the handshake goes on without it. */
static int early_data_step(tls_conn *c, tls_step *s)
{
    int sent = 0;
    int rc = wolfSSL_write_early_data(c->ssl, c->early_data, (int)c->early_data_len, &sent);
    if (rc > 0 || sent > 0) {
        c->out.early_data_sent = sent > 0 ? sent : rc;
        c->early_data = NULL;
        return 0;
    }
    int err = wolfSSL_get_error(c->ssl, rc);
    if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
        *s = err == WOLFSSL_ERROR_WANT_READ ? TLS_STEP_WANT_READ : TLS_STEP_WANT_WRITE;
        return 1;
    }
    c->early_data = NULL;
    return 0;
}

tls_step tls_conn_handshake_step(tls_conn *c)
{
    tls_step s;
    if (c->early_data && early_data_step(c, &s))
        return s;
    s = tls_step_result(c, wolfSSL_connect(c->ssl));
    if (s == TLS_STEP_DONE && c->out.early_data_sent)
        c->out.early_data_status = wolfSSL_get_early_data_status(c->ssl);
    return s;
}
