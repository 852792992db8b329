/* wolfSSL client connections and the classification of their outcomes.
 * Socket I/O goes through our own callbacks, so a reset, a clean close and a
 * timeout are known exactly instead of being inferred from error codes. */
#define _DEFAULT_SOURCE
#include "tls/tls.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wolfssl/wolfcrypt/sha256.h>

#include "net/net.h"
#include "pki/der.h"
#include "tls/audit.h"
#include "tls/keyshare.h"
#include "tls/sigcache.h"
#include "util/timeutil.h"

int tls_version_parse(const char *s, tls_version *v)
{
    static const struct { const char *n; tls_version v; } t[] = {
        { "1.0", TLS_V1_0 }, { "1.1", TLS_V1_1 }, { "1.2", TLS_V1_2 }, { "1.3", TLS_V1_3 },
        { "any", TLS_ANY }, { "TLSv1.0", TLS_V1_0 }, { "TLSv1.1", TLS_V1_1 },
        { "TLSv1.2", TLS_V1_2 }, { "TLSv1.3", TLS_V1_3 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcasecmp(s, t[i].n) == 0) {
            *v = t[i].v;
            return 0;
        }
    }
    return -1;
}

const char *tls_version_name(tls_version v)
{
    switch (v) {
    case TLS_V1_0: return "TLSv1.0";
    case TLS_V1_1: return "TLSv1.1";
    case TLS_V1_2: return "TLSv1.2";
    case TLS_V1_3: return "TLSv1.3";
    default: return "any";
    }
}

const char *tls_result_name(tls_result r)
{
    static const char *const n[] = { "none", "ok", "alert received", "alert sent",
                                     "verify failed", "timeout", "reset", "closed", "error" };
    return (r >= 0 && r <= TLS_R_ERROR) ? n[r] : "?";
}

const char *tls_alert_name(int code)
{
    switch (code) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 41: return "no_certificate";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 60: return "export_restriction";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 111: return "certificate_unobtainable";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 114: return "bad_certificate_hash_value";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown_alert";
    }
}

/* ---- I/O callbacks ------------------------------------------------------ */

/* wolfSSL asks for a record header, then its body: two recv calls per
 * record, a dozen per handshake. Reading ahead into a small buffer serves a
 * whole flight from one or two. Every caller waits for readability only
 * after a read returned "want read", which this buffer returns only when it
 * is empty, so buffered bytes are never stranded behind an idle socket. */
#define TLS_READ_AHEAD 2048

static int recv_result(tls_conn *c, ssize_t n)
{
    if (n > 0)
        return (int)n;
    if (n == 0) {
        c->io_closed = 1;
        return WOLFSSL_CBIO_ERR_CONN_CLOSE;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return WOLFSSL_CBIO_ERR_WANT_READ;
    if (errno == ECONNRESET) {
        c->io_reset = 1;
        return WOLFSSL_CBIO_ERR_CONN_RST;
    }
    c->io_errno = errno;
    return WOLFSSL_CBIO_ERR_GENERAL;
}

static ssize_t recv_retry(int fd, void *buf, size_t len)
{
    ssize_t n;
    do
        n = recv(fd, buf, len, 0);
    while (n < 0 && errno == EINTR);
    return n;
}

/* One recv of up to len bytes; with edge reads, none at all until the
 * socket was reported readable, and a short read means it is drained. */
static int gated_recv(tls_conn *c, void *buf, size_t len)
{
    if (c->edge_reads && !c->readable)
        return WOLFSSL_CBIO_ERR_WANT_READ;
    int n = recv_result(c, recv_retry(c->fd, buf, len));
    if (n == WOLFSSL_CBIO_ERR_WANT_READ || (n > 0 && (size_t)n < len))
        c->readable = 0;
    return n;
}

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    tls_conn *c = ctx;
    size_t want = (size_t)sz;
    if (c->rpos < c->rlen) {
        size_t n = c->rlen - c->rpos < want ? c->rlen - c->rpos : want;
        memcpy(buf, c->rbuf + c->rpos, n);
        c->rpos += (unsigned)n;
        return (int)n;
    }
    if (want >= TLS_READ_AHEAD || (!c->rbuf && !(c->rbuf = malloc(TLS_READ_AHEAD))))
        return gated_recv(c, buf, want);
    int n = gated_recv(c, c->rbuf, TLS_READ_AHEAD);
    if (n <= 0)
        return n;
    c->rlen = (unsigned)n;
    c->rpos = (unsigned)(want < (size_t)n ? want : (size_t)n);
    memcpy(buf, c->rbuf, c->rpos);
    return (int)c->rpos;
}

void tls_conn_edge_reads(tls_conn *c)
{
    c->edge_reads = 1;
}

void tls_conn_readable(tls_conn *c)
{
    c->readable = 1;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    tls_conn *c = ctx;
    for (;;) {
        ssize_t n = send(c->fd, buf, (size_t)sz, MSG_NOSIGNAL);
        if (n >= 0)
            return (int)n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return WOLFSSL_CBIO_ERR_WANT_WRITE;
        if (errno == ECONNRESET || errno == EPIPE) {
            c->io_reset = 1;
            /* A socket error would put wolfSSL in an error state that
             * refuses every later read (see tls_conn_write). */
            return c->io_writing ? WOLFSSL_CBIO_ERR_WANT_WRITE : WOLFSSL_CBIO_ERR_CONN_RST;
        }
        c->io_errno = errno;
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
}

/* Our sockets are non-blocking and every caller waits in its event loop.
 * wolfSSL's OpenSSL-compatible defaults turn on auto-retry, which calls
 * recv ten more times on each "would block" during a handshake: ten wasted
 * system calls per flight. */
static void use_own_io(WOLFSSL_CTX *ctx)
{
    wolfSSL_CTX_SetIORecv(ctx, io_recv);
    wolfSSL_CTX_SetIOSend(ctx, io_send);
    wolfSSL_CTX_clear_mode(ctx, WOLFSSL_MODE_AUTO_RETRY);
}

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

/* ---- contexts ----------------------------------------------------------- */

static void free_ctx(WOLFSSL_CTX **ctx)
{
    if (*ctx)
        wolfSSL_CTX_free(*ctx);
    *ctx = NULL;
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

/* Loads a certificate chain and its key, from files or from memory. A key
 * that does not match its certificate is loaded as it is: fixtures such as
 * client/key-mismatch exist to send exactly that; callers check the match. */
static int use_identity(WOLFSSL_CTX *ctx, const char *chain_file, const char *key_file,
                        const uint8_t *chain_pem, size_t chain_pem_len, const uint8_t *key_der,
                        size_t key_der_len, const char *role, mp_err *e)
{
    if (chain_pem) {
        if (wolfSSL_CTX_use_certificate_chain_buffer(ctx, chain_pem, (long)chain_pem_len) != WOLFSSL_SUCCESS)
            return mp_fail(e, "cannot load %s certificate chain %s", role,
                           chain_file ? chain_file : "(in memory)");
        if (!key_der || wolfSSL_CTX_use_PrivateKey_buffer(ctx, key_der, (long)key_der_len,
                                                          WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS)
            return mp_fail(e, "cannot load %s private key %s", role,
                           key_file ? key_file : chain_file ? chain_file : "(in memory)");
        return 0;
    }
    if (!chain_file || wolfSSL_CTX_use_certificate_chain_file(ctx, chain_file) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot load %s certificate chain %s", role, chain_file ? chain_file : "(none)");
    if (!key_file || wolfSSL_CTX_use_PrivateKey_file(ctx, key_file, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot load %s private key %s", role, key_file ? key_file : "(none)");
    return 0;
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
        if (use_identity(c->ctx, o->chain_file, o->key_file, o->chain_pem, o->chain_pem_len,
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
    if (o->memo_signatures) {
        if (!(c->sigcache = tls_sigcache_new())) {
            mp_fail(e, "out of memory");
            goto fail;
        }
        tls_sigcache_install(c->ctx);
    }
    use_own_io(c->ctx);
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
    free_ctx(&c->ctx);
    tls_sigcache_free(c->sigcache);
    c->sigcache = NULL;
    tls_keyshare_free(c->keyshare);
    c->keyshare = NULL;
}

uint64_t tls_client_key_shares_made(const tls_client *c)
{
    return tls_keyshare_made(c->keyshare);
}

/* ---- connections -------------------------------------------------------- */

/* The part of a connection that clients and servers share. */
static int conn_setup(tls_conn *c, WOLFSSL_CTX *ctx, int fd, mp_err *e)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->out.alert_code = -1;
    c->ssl = wolfSSL_new(ctx);
    if (!c->ssl) {
        close(fd);
        c->fd = -1;
        return mp_fail(e, "cannot create a TLS connection (out of memory)");
    }
    wolfSSL_SetIOReadCtx(c->ssl, c);
    wolfSSL_SetIOWriteCtx(c->ssl, c);
    c->started_ns = tm_mono_ns();
    return 0;
}

static int apply_opts(tls_conn *c, const tls_conn_opts *o, mp_err *e);

int tls_conn_init(tls_conn *c, tls_client *cl, int fd, const tls_conn_opts *o, mp_err *e)
{
    /* wolfSSL reads the context's static key at each key share, so a
     * renewed key reaches every later handshake. */
    if (cl->keyshare && tls_keyshare_refresh(cl->keyshare, cl->ctx, tm_mono_ns(), e) != 0) {
        memset(c, 0, sizeof *c);
        c->fd = -1;
        close(fd);
        return -1;
    }
    if (conn_setup(c, cl->ctx, fd, e) != 0 || tls_audit_conn_setup(c, cl, e) != 0)
        return -1;
    if (cl->sigcache)
        tls_sigcache_attach(c->ssl, cl->sigcache);
    return apply_opts(c, o, e);
}

int tls_conn_reuse(tls_conn *c, tls_client *cl, int fd, const tls_conn_opts *o, mp_err *e)
{
    if (!c->ssl)
        return mp_fail(e, "cannot reuse the TLS connection");
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
        if (tls_conn_init(c, cl, fd, o, e) != 0) {
            free(rbuf);
            return -1;
        }
        c->rbuf = rbuf;
        return 0;
    }
    /* wolfSSL_clear keeps the object and its RNG (whose instantiation and
     * self-test cost more than an ECDSA signature) and frees extensions,
     * which apply_opts sets again. */
    if (wolfSSL_clear(c->ssl) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot reuse the TLS connection");
    if (cl->keyshare && tls_keyshare_refresh(cl->keyshare, cl->ctx, tm_mono_ns(), e) != 0)
        return -1;
    /* After a completed handshake wolfSSL_clear keeps the session, and the
     * next handshake would silently resume it. A second clear, now that the
     * handshake no longer counts as done, replaces it with an empty one. */
    if ((!o || !o->resume) && wolfSSL_clear(c->ssl) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot reset the TLS session");
    WOLFSSL *ssl = c->ssl;
    unsigned char *rbuf = c->rbuf;
    memset(c, 0, sizeof *c);
    c->ssl = ssl;
    c->rbuf = rbuf;
    c->fd = fd;
    c->out.alert_code = -1;
    if (wolfSSL_set_fd(ssl, fd) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot attach the socket");
    wolfSSL_SetIOReadCtx(ssl, c);
    wolfSSL_SetIOWriteCtx(ssl, c);
    c->started_ns = tm_mono_ns();
    return apply_opts(c, o, e);
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

static void fill_success(tls_conn *c)
{
    tls_outcome *o = &c->out;
    const char *s;
    o->result = TLS_R_OK;
    o->handshake_ns = tm_mono_ns() - c->started_ns;
    snprintf(o->version, sizeof o->version, "%s", wolfSSL_get_version(c->ssl));
    s = wolfSSL_get_cipher_name(c->ssl);
    snprintf(o->cipher, sizeof o->cipher, "%s", s ? s : "");
    s = wolfSSL_get_curve_name(c->ssl);
    snprintf(o->group, sizeof o->group, "%s", s ? s : "");
    o->resumed = wolfSSL_session_reused(c->ssl);
    char *proto = NULL;
    word16 plen = 0;
    if (wolfSSL_ALPN_GetProtocol(c->ssl, &proto, &plen) == WOLFSSL_SUCCESS && proto)
        snprintf(o->alpn, sizeof o->alpn, "%.*s", (int)plen, proto);
}

/* Classifies a failed wolfSSL call: the peer's alert first (it says why),
 * then our own alert, then what the socket saw. */
static void classify_failure(tls_conn *c, int err)
{
    tls_outcome *o = &c->out;
    if (o->result == TLS_R_OK)
        o->after_handshake = 1;
    WOLFSSL_ALERT_HISTORY h;
    memset(&h, 0, sizeof h);
    wolfSSL_get_alert_history(c->ssl, &h);
    o->wolf_error = err;
    char buf[WOLFSSL_MAX_ERROR_SZ];
    wolfSSL_ERR_error_string_n((unsigned long)err, buf, sizeof buf);
    snprintf(o->error_text, sizeof o->error_text, "%s", buf);
    if (h.last_rx.level == alert_fatal || err == FATAL_ERROR) {
        o->result = TLS_R_ALERT_RECEIVED;
        o->alert_code = h.last_rx.code;
        o->alert_sent = 0;
    } else if (c->io_reset) {
        o->result = TLS_R_RESET;
    } else if (c->io_closed || err == SOCKET_PEER_CLOSED_E) {
        o->result = TLS_R_CLOSED;
    } else if (h.last_tx.code >= 0 && h.last_tx.code != close_notify) {
        /* We refused: most often the server's certificate did not verify. */
        int verify = (h.last_tx.code >= bad_certificate && h.last_tx.code <= unknown_ca) ||
                     err == ASN_NO_SIGNER_E || err == DOMAIN_NAME_MISMATCH ||
                     err == ASN_AFTER_DATE_E || err == ASN_BEFORE_DATE_E ||
                     err == VERIFY_CERT_ERROR;
        o->result = verify ? TLS_R_VERIFY_FAILED : TLS_R_ALERT_SENT;
        o->alert_code = h.last_tx.code;
        o->alert_sent = 1;
    } else if (c->io_errno) {
        o->result = TLS_R_ERROR;
        snprintf(o->error_text, sizeof o->error_text, "socket error: %s", strerror(c->io_errno));
    } else {
        o->result = TLS_R_ERROR;
    }
    if (!o->version[0]) {
        const char *v = wolfSSL_get_version(c->ssl);
        snprintf(o->version, sizeof o->version, "%s", v ? v : "");
    }
    if (!o->handshake_ns)
        o->handshake_ns = tm_mono_ns() - c->started_ns;
}

/* What one wolfSSL_connect or wolfSSL_accept call returned, as a step. */
static tls_step step_result(tls_conn *c, int rc)
{
    if (rc == WOLFSSL_SUCCESS) {
        fill_success(c);
        return TLS_STEP_DONE;
    }
    int err = wolfSSL_get_error(c->ssl, rc);
    if (err == WOLFSSL_ERROR_WANT_READ)
        return TLS_STEP_WANT_READ;
    if (err == WOLFSSL_ERROR_WANT_WRITE)
        return TLS_STEP_WANT_WRITE;
    classify_failure(c, err);
    return TLS_STEP_FAILED;
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
    s = step_result(c, wolfSSL_connect(c->ssl));
    if (s == TLS_STEP_DONE && c->out.early_data_sent)
        c->out.early_data_status = wolfSSL_get_early_data_status(c->ssl);
    return s;
}

static void set_timeout(tls_conn *c, const char *what)
{
    if (c->out.result == TLS_R_OK)
        c->out.after_handshake = 1;
    c->out.result = TLS_R_TIMEOUT;
    snprintf(c->out.error_text, sizeof c->out.error_text, "timed out %s", what);
    if (!c->out.handshake_ns)
        c->out.handshake_ns = tm_mono_ns() - c->started_ns;
}

tls_result tls_conn_handshake(tls_conn *c, int64_t deadline_ns)
{
    for (;;) {
        tls_step s = tls_conn_handshake_step(c);
        if (s == TLS_STEP_DONE || s == TLS_STEP_FAILED)
            return c->out.result;
        int r = net_wait(c->fd, s == TLS_STEP_WANT_READ ? POLLIN : POLLOUT, deadline_ns);
        if (r <= 0) {
            set_timeout(c, "during the handshake");
            return c->out.result;
        }
    }
}

/* The peer reset the connection while we wrote. What it sent before the
 * reset is still in our socket's receive queue (a reset discards only what
 * we had yet to send), and wolfSSL can still read it because the reset was
 * reported as "would block": a TLS 1.3 server that refuses the client's
 * certificate sends its alert, then resets, often before our request
 * leaves. Peeking processes an alert without consuming data that came
 * instead. Returns 0 when the peer sent data, -1 with c->out filled. */
static int read_after_reset(tls_conn *c)
{
    unsigned char b;
    int n = wolfSSL_peek(c->ssl, &b, 1);
    if (n > 0)
        return 0;
    classify_failure(c, wolfSSL_get_error(c->ssl, n));
    return -1;
}

int tls_conn_write(tls_conn *c, const void *buf, size_t len, int64_t deadline_ns)
{
    const char *p = buf;
    while (len > 0) {
        c->io_writing = 1;
        int n = wolfSSL_write(c->ssl, p, (int)(len > 65536 ? 65536 : len));
        c->io_writing = 0;
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        int err = wolfSSL_get_error(c->ssl, n);
        if (c->io_reset)
            return read_after_reset(c);
        if (err == WOLFSSL_ERROR_WANT_WRITE || err == WOLFSSL_ERROR_WANT_READ) {
            if (net_wait(c->fd, err == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline_ns) <= 0) {
                set_timeout(c, "writing");
                return -1;
            }
            continue;
        }
        classify_failure(c, err);
        return -1;
    }
    return 0;
}

ssize_t tls_conn_read(tls_conn *c, void *buf, size_t len, int64_t deadline_ns)
{
    for (;;) {
        int n = wolfSSL_read(c->ssl, buf, (int)(len > 65536 ? 65536 : len));
        if (n > 0)
            return n;
        int err = wolfSSL_get_error(c->ssl, n);
        if (err == WOLFSSL_ERROR_ZERO_RETURN)
            return 0;
        if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
            if (net_wait(c->fd, err == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline_ns) <= 0) {
                set_timeout(c, "waiting for the response");
                return -1;
            }
            continue;
        }
        if (c->io_closed && err != FATAL_ERROR) {
            /* A FIN without close_notify: the peer is done, as HTTP/1.1
             * servers often are after "Connection: close". */
            return 0;
        }
        classify_failure(c, err);
        return -1;
    }
}

/* ---- server side -------------------------------------------------------- */

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

int tls_server_init(tls_server *s, const tls_server_opts *o, mp_err *e)
{
    memset(s, 0, sizeof *s);
    s->ctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
    if (!s->ctx)
        return mp_fail(e, "cannot create a TLS server context");
    if (strict_server(s->ctx, e) != 0)
        goto fail;
    if (use_identity(s->ctx, o->chain_file, o->key_file, o->chain_pem, o->chain_pem_len,
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
        wolfSSL_CTX_set_verify(s->ctx, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                               o->verify_cb);
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
    use_own_io(s->ctx);
    return 0;
fail:
    free_ctx(&s->ctx);
    return -1;
}

void tls_server_free(tls_server *s)
{
    free_ctx(&s->ctx);
}

int tls_conn_init_server(tls_conn *c, tls_server *s, int fd, mp_err *e)
{
    return conn_setup(c, s->ctx, fd, e);
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
    return step_result(c, rc);
}

static int nb_result(tls_conn *c, int n)
{
    if (n > 0)
        return n;
    int err = wolfSSL_get_error(c->ssl, n);
    if (err == WOLFSSL_ERROR_ZERO_RETURN)
        return 0;
    if (err == WOLFSSL_ERROR_WANT_READ)
        return TLS_IO_WANT_READ;
    if (err == WOLFSSL_ERROR_WANT_WRITE)
        return TLS_IO_WANT_WRITE;
    if (c->io_closed && err != FATAL_ERROR)
        return 0;
    classify_failure(c, err);
    return TLS_IO_FAILED;
}

int tls_conn_read_nb(tls_conn *c, void *buf, size_t len)
{
    return nb_result(c, wolfSSL_read(c->ssl, buf, (int)(len > 65536 ? 65536 : len)));
}

int tls_conn_write_nb(tls_conn *c, const void *buf, size_t len)
{
    return nb_result(c, wolfSSL_write(c->ssl, buf, (int)(len > 65536 ? 65536 : len)));
}

int tls_conn_peer_chain(tls_conn *c, const uint8_t **der, size_t *len, int max)
{
    WOLFSSL_X509_CHAIN *ch = c->ssl ? wolfSSL_get_peer_chain(c->ssl) : NULL;
    int n = ch ? wolfSSL_get_chain_count(ch) : 0, got = 0;
    for (int i = 0; i < n && got < max; i++) {
        int l = wolfSSL_get_chain_length(ch, i);
        unsigned char *d = wolfSSL_get_chain_cert(ch, i);
        if (!d || l <= 0)
            continue;
        der[got] = d;
        len[got] = (size_t)l;
        got++;
    }
    return got;
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

void tls_conn_shutdown_write(tls_conn *c)
{
    if (c->ssl && c->out.result == TLS_R_OK)
        wolfSSL_shutdown(c->ssl); /* one non-blocking close_notify */
    if (c->fd >= 0)
        shutdown(c->fd, SHUT_WR);
}

WOLFSSL_SESSION *tls_conn_session(tls_conn *c)
{
    return c->ssl ? wolfSSL_get1_session(c->ssl) : NULL;
}

int tls_conn_share_session(tls_conn *c, tls_shared_session *sh)
{
    if (!c->ssl || c->session_shared || c->out.result != TLS_R_OK)
        return 0;
    if (!sh->session) {
        sh->session = wolfSSL_get1_session(c->ssl);
        snprintf(sh->version, sizeof sh->version, "%s", c->out.version);
        snprintf(sh->cipher, sizeof sh->cipher, "%s", c->out.cipher);
        return 0; /* this connection's own session is now the shared one */
    }
    if (strcmp(sh->version, c->out.version) != 0 || strcmp(sh->cipher, c->out.cipher) != 0)
        return 0;
    /* A session not in wolfSSL's cache is taken by reference: the
     * connection's own is freed (wolfSSL 5.9, ssl_sess.c SetSession). */
    if (wolfSSL_set_session(c->ssl, sh->session) != WOLFSSL_SUCCESS)
        return 0;
    c->session_shared = 1;
    return 1;
}

void tls_shared_session_free(tls_shared_session *sh)
{
    if (sh->session)
        wolfSSL_SESSION_free(sh->session);
    sh->session = NULL;
}

void tls_conn_close_keep(tls_conn *c, int rst)
{
    if (c->ssl && !rst && c->out.result == TLS_R_OK)
        wolfSSL_shutdown(c->ssl); /* one non-blocking close_notify */
    if (c->fd >= 0) {
        if (rst)
            net_close_rst(c->fd);
        else
            close(c->fd);
        c->fd = -1;
    }
}

void tls_conn_close(tls_conn *c, int rst)
{
    tls_conn_close_keep(c, rst);
    if (c->ssl) {
        wolfSSL_free(c->ssl);
        c->ssl = NULL;
    }
    free(c->rbuf);
    c->rbuf = NULL;
    c->rpos = c->rlen = 0;
}

void tls_outcome_describe(const tls_outcome *o, char *out, size_t outlen)
{
    switch (o->result) {
    case TLS_R_OK:
        snprintf(out, outlen, "handshake completed (%s, %s)", o->version, o->cipher);
        break;
    case TLS_R_ALERT_RECEIVED:
        snprintf(out, outlen, "alert %s (%d) received", tls_alert_name(o->alert_code), o->alert_code);
        break;
    case TLS_R_ALERT_SENT:
        snprintf(out, outlen, "alert %s (%d) sent: %s", tls_alert_name(o->alert_code),
                 o->alert_code, o->error_text);
        break;
    case TLS_R_VERIFY_FAILED:
        snprintf(out, outlen, "server certificate not verified: %s", o->error_text);
        break;
    case TLS_R_TIMEOUT:
        snprintf(out, outlen, "%s", o->error_text[0] ? o->error_text : "timeout");
        break;
    case TLS_R_RESET:
        snprintf(out, outlen, "connection reset");
        break;
    case TLS_R_CLOSED:
        snprintf(out, outlen, "connection closed without an alert");
        break;
    case TLS_R_ERROR:
        snprintf(out, outlen, "TLS error: %s", o->error_text);
        break;
    default:
        snprintf(out, outlen, "not connected");
        break;
    }
}
