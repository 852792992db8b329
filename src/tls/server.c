/* The TLS server of `serve`: a strict context whatever the probing wolfSSL
 * build allows, the extra certificate policy of the caller adapted to
 * wolfSSL's verify callback (the caller sees only DER, depth and wolfSSL's
 * own verdict), the accept step, and what a server learns of its client. */
#define _DEFAULT_SOURCE
#include "tls/tls_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/wolfcrypt/sha256.h>

#include "pki/der.h"

/* Every server here is strict, whatever the probing build of wolfSSL
 * compiles in (old versions, RC4, NULL, anonymous and 3DES suites, client
 * renegotiation): TLS 1.2 and 1.3 only; the TLS 1.3 suites and, for TLS 1.2,
 * ECDHE with AES-GCM or ChaCha20-Poly1305 (forward secrecy and AEAD); the
 * groups X25519, P-256 and P-384; and a renegotiation the client starts is
 * refused with a no_renegotiation warning (the server still answers
 * renegotiation_info, RFC 5746, so secure renegotiation is announced). */
static const char server_suites[] =
    "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static int strict_server(WOLFSSL_CTX *ctx, mp_err *e)
{
    if (wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot restrict the server to TLS 1.2 and 1.3");
    if (wolfSSL_CTX_set_cipher_list(ctx, server_suites) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot restrict the server to AEAD suites with forward secrecy");
    if (wolfSSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot restrict the server's key exchange groups");
    wolfSSL_CTX_set_options(ctx, WOLFSSL_OP_NO_RENEGOTIATION);
    return 0;
}

/* The caller's policy, where the verify callback finds it: in the
 * context's ex_data, since wolfSSL's callback takes no argument. On the
 * heap, so a tls_server may be copied after tls_server_init. */
struct tls_server_policy {
    tls_verify_fn fn;
};

#define POLICY_EX_DATA 0

/* wolfSSL's verify callback: hands the policy the certificate as DER, its
 * depth and wolfSSL's verdict. Anything it cannot find refuses. */
static int policy_verify(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    WOLFSSL *ssl = wolfSSL_X509_STORE_CTX_get_ex_data(store, wolfSSL_get_ex_data_X509_STORE_CTX_idx());
    WOLFSSL_CTX *ctx = ssl ? wolfSSL_get_SSL_CTX(ssl) : NULL;
    const struct tls_server_policy *p = ctx ? wolfSSL_CTX_get_ex_data(ctx, POLICY_EX_DATA) : NULL;
    if (!p || !p->fn)
        return 0;
    WOLFSSL_X509 *x = wolfSSL_X509_STORE_CTX_get_current_cert(store);
    int depth = wolfSSL_X509_STORE_CTX_get_error_depth(store);
    int len = 0;
    const unsigned char *der = x ? wolfSSL_X509_get_der(x, &len) : NULL;
    return p->fn(preverify, der, der && len > 0 ? (size_t)len : 0, depth);
}

int tls_server_init(tls_server *s, const tls_server_opts *o, mp_err *e)
{
    memset(s, 0, sizeof *s);
    s->ctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
    if (!s->ctx)
        return mp_fail(e, "cannot create a TLS server context");
    if (strict_server(s->ctx, e) != 0)
        goto fail;
    if (tls_use_identity(s->ctx, o->chain_file, o->key_file, o->chain_pem, o->chain_pem_len,
                         o->key_der, o->key_der_len, "the server", e) != 0)
        goto fail;
    if (wolfSSL_CTX_check_private_key(s->ctx) != WOLFSSL_SUCCESS) {
        mp_fail(e, "the server key %s does not match the certificate",
                o->key_file ? o->key_file : "(in memory)");
        goto fail;
    }
    if (o->require_client_cert) {
        if (!o->ca_file || wolfSSL_CTX_load_verify_locations(s->ctx, o->ca_file, NULL) != WOLFSSL_SUCCESS) {
            mp_fail(e, "cannot load client trust anchors from %s", o->ca_file ? o->ca_file : "(none)");
            goto fail;
        }
        if (o->verify_cb) {
            s->policy = malloc(sizeof *s->policy);
            if (!s->policy) {
                mp_fail(e, "out of memory");
                goto fail;
            }
            s->policy->fn = o->verify_cb;
            if (wolfSSL_CTX_set_ex_data(s->ctx, POLICY_EX_DATA, s->policy) != WOLFSSL_SUCCESS) {
                mp_fail(e, "cannot install the certificate policy");
                goto fail;
            }
        }
        wolfSSL_CTX_set_verify(s->ctx, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                               o->verify_cb ? policy_verify : NULL);
        if (o->n_crl_files) {
            if (wolfSSL_CTX_EnableCRL(s->ctx, WOLFSSL_CRL_CHECKALL) != WOLFSSL_SUCCESS) {
                mp_fail(e, "cannot enable CRL checking");
                goto fail;
            }
            /* Through the X509 store: wolfSSL_CTX_LoadCRLFile verifies each
             * CRL's signature at load time against the trust anchors, which
             * fails for an intermediate's CRL (intermediates are not, and
             * must not be, trust anchors). The store defers the check until
             * the chain supplies the issuer. */
            WOLFSSL_X509_STORE *store = wolfSSL_CTX_get_cert_store(s->ctx);
            WOLFSSL_X509_LOOKUP *lookup = store ? wolfSSL_X509_STORE_add_lookup(store, wolfSSL_X509_LOOKUP_file()) : NULL;
            for (size_t i = 0; i < o->n_crl_files; i++) {
                if (!lookup || wolfSSL_X509_LOOKUP_load_file(lookup, o->crl_files[i], WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
                    mp_fail(e, "cannot load CRL %s", o->crl_files[i]);
                    goto fail;
                }
            }
        }
    } else {
        wolfSSL_CTX_set_verify(s->ctx, WOLFSSL_VERIFY_NONE, NULL);
    }
    /* Weak client keys are refused in the handshake. */
    wolfSSL_CTX_SetMinRsaKey_Sz(s->ctx, 2048);
    wolfSSL_CTX_SetMinEccKey_Sz(s->ctx, 256);
    tls_use_own_io(s->ctx);
    return 0;
fail:
    tls_server_free(s);
    return -1;
}

void tls_server_free(tls_server *s)
{
    tls_free_ctx(&s->ctx);
    free(s->policy);
    s->policy = NULL;
}

int tls_conn_init_server(tls_conn *c, tls_server *s, int fd, mp_err *e)
{
    return tls_conn_setup(c, s->ctx, fd, e);
}

tls_step tls_conn_accept_step(tls_conn *c)
{
    int rc = wolfSSL_accept(c->ssl);
    /* wolfSSL keeps every intermediate CA a client sends in the context's
     * certificate manager, so a later client could omit its intermediate and
     * still verify. Each Certificate message is processed within one step,
     * and a server drives its connections from one thread, so dropping the
     * cached chain CAs after every step closes that window. */
    wolfSSL_CertManagerUnloadIntermediateCerts(wolfSSL_CTX_GetCertManager(wolfSSL_get_SSL_CTX(c->ssl)));
    return tls_step_result(c, rc);
}

void tls_conn_peer(tls_conn *c, tls_peer *p)
{
    memset(p, 0, sizeof *p);
    void *name = NULL;
    word16 n = wolfSSL_SNI_GetRequest(c->ssl, WOLFSSL_SNI_HOST_NAME, &name);
    if (name && n > 0)
        snprintf(p->sni, sizeof p->sni, "%.*s", (int)n, (const char *)name);
    WOLFSSL_X509 *x = wolfSSL_get_peer_certificate(c->ssl);
    if (!x)
        return;
    int len = 0;
    const unsigned char *der = wolfSSL_X509_get_der(x, &len);
    der_cert_parts parts;
    if (der && len > 0 && der_cert_split(der, (size_t)len, &parts) == 0) {
        der_name_string(parts.subject, p->subject, sizeof p->subject);
        der_name_string(parts.issuer, p->issuer, sizeof p->issuer);
        uint8_t fp[WC_SHA256_DIGEST_SIZE];
        wc_Sha256Hash(der, (word32)len, fp);
        der_hex(fp, sizeof fp, 0, p->sha256, sizeof p->sha256);
    }
    wolfSSL_X509_free(x);
}
