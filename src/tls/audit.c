/* Audit extras on the one TLS path (see audit.h). The server's TLS 1.2
 * messages are read from wolfSSL's message callback rather than from its
 * internal state, so what is reported is what the server sent, byte for
 * byte; wolfSSL's own verdicts (OCSP, chain) are reported beside it. */
#define _DEFAULT_SOURCE
#include "tls/audit.h"
#include "tls/tls_int.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net/net.h"
#include "pki/der.h"
#include "pki/inspect.h"
#include "util/timeutil.h"

static uint32_t be(const uint8_t *p, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static void on_server_hello(tls_capture *cap, const uint8_t *p, size_t n)
{
    if (n < 2 + 32 + 1)
        return;
    size_t at = 2 + 32;
    size_t sid = p[at++];
    if (at + sid + 3 > n)
        return;
    at += sid;
    cap->server_hello_seen = 1;
    cap->version = (uint16_t)be(p, 2);
    cap->suite = (uint16_t)be(p + at, 2);
    cap->compression = p[at + 2];
    at += 3;
    if (at + 2 > n)
        return;
    size_t end = at + 2 + be(p + at, 2);
    at += 2;
    if (end > n)
        end = n;
    while (at + 4 <= end) {
        uint16_t type = (uint16_t)be(p + at, 2);
        size_t len = be(p + at + 2, 2);
        /* TLS 1.3 names its version in supported_versions; the legacy
         * field says TLS 1.2. */
        if (type == 43 && len == 2 && at + 6 <= end)
            cap->version = (uint16_t)be(p + at + 4, 2);
        if (cap->n_extensions < 32)
            cap->extensions[cap->n_extensions++] = type;
        at += 4 + len;
    }
}

static void add_ca_name(tls_capture *cap, const uint8_t *der, size_t len)
{
    if (cap->n_ca_names >= TLS_CAPTURE_MAX_CA_NAMES)
        return;
    der_in name = { der, len };
    char *out = cap->ca_names[cap->n_ca_names];
    if (der_name_string(name, out, sizeof cap->ca_names[0]) == 0)
        cap->n_ca_names++;
}

/* TLS 1.2 CertificateRequest: certificate_types<1..255>,
 * supported_signature_algorithms<2..2^16-2>, certificate_authorities. */
static void on_cert_request(tls_capture *cap, const uint8_t *p, size_t n, int tls12)
{
    cap->cert_request_seen = 1;
    if (n < 1)
        return;
    size_t at = 1 + p[0];
    if (tls12) {
        if (at + 2 > n)
            return;
        size_t len = be(p + at, 2);
        at += 2;
        for (size_t i = 0; i + 1 < len && at + i + 1 < n && cap->n_sig_algs < 64; i += 2)
            cap->sig_algs[cap->n_sig_algs++] = (uint16_t)be(p + at + i, 2);
        at += len;
    }
    if (at + 2 > n)
        return;
    size_t end = at + 2 + be(p + at, 2);
    at += 2;
    if (end > n)
        return;
    cap->ca_names_known = 1;
    while (at + 2 <= end) {
        size_t len = be(p + at, 2);
        at += 2;
        if (at + len > end)
            break;
        add_ca_name(cap, p + at, len);
        at += len;
    }
}

static void on_message(int write_p, int version, int content_type, const void *buf, size_t len,
                       WOLFSSL *ssl, void *arg)
{
    (void)ssl;
    tls_capture *cap = arg;
    const uint8_t *p = buf;
    if (write_p || content_type != 22 || len < 4 || !cap)
        return;
    size_t body = be(p + 1, 3);
    if (body + 4 > len)
        body = len - 4;
    switch (p[0]) {
    case 2: on_server_hello(cap, p + 4, body); break;
    case 4: cap->ticket_received = 1; break;
    case 13: on_cert_request(cap, p + 4, body, version >= 0x0303); break;
    default: break;
    }
}

/* Called by wolfSSL with its own verdict on a stapled response; recording
 * it and answering 0 lets the handshake go on, so an audit can say what
 * was wrong with the staple instead of only that the handshake failed. */
static int on_ocsp_status(WOLFSSL *ssl, int err, byte *resp, word32 len, word32 idx, void *arg)
{
    (void)resp;
    (void)arg;
    tls_conn *c = wolfSSL_GetIOReadCtx(ssl);
    if (idx != 0 || !c || !c->capture)
        return err;
    c->capture->ocsp_received = len > 0;
    c->capture->ocsp_len = len;
    c->capture->ocsp_error = err;
    return 0;
}

int tls_audit_client_setup(WOLFSSL_CTX *ctx, const tls_client_opts *o, mp_err *e)
{
    if (o->ocsp_stapling) {
        if (wolfSSL_CTX_EnableOCSPStapling(ctx) != WOLFSSL_SUCCESS)
            return mp_fail(e, "cannot request OCSP stapling");
        wolfSSL_CTX_set_ocsp_status_verify_cb(ctx, on_ocsp_status, NULL);
    }
    if (o->secure_renegotiation && wolfSSL_CTX_UseSecureRenegotiation(ctx) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot offer secure renegotiation");
    if (o->post_handshake_auth && wolfSSL_CTX_allow_post_handshake_auth(ctx) != 0)
        return mp_fail(e, "cannot offer post-handshake authentication");
    return 0;
}

void tls_audit_capture(tls_conn *c, tls_capture *cap)
{
    memset(cap, 0, sizeof *cap);
    c->capture = cap;
    wolfSSL_set_msg_callback(c->ssl, on_message);
    wolfSSL_set_msg_callback_arg(c->ssl, cap);
}

/* Whether p starts a "/ATTR=" component of a one-line name. */
static int component_start(const char *p)
{
    if (*p != '/')
        return 0;
    p++;
    const char *q = p;
    while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '.')
        q++;
    return q > p && *q == '=';
}

/* A name wolfSSL parsed from a TLS 1.3 certificate_authorities extension,
 * as "CN=..., O=..." (last RDN first, as der_name_string writes it).
 * wolfSSL keeps such a name only as its one-line form ("/C=DE/O=x/CN=y"):
 * its DER and attribute entries are empty, so the string is rebuilt from
 * the one-line form. -1 when it is empty. */
static int name_entries_string(WOLFSSL_X509_NAME *name, char *out, size_t outlen)
{
    char line[1024];
    out[0] = '\0';
    if (!wolfSSL_X509_NAME_oneline(name, line, (int)sizeof line) || !component_start(line))
        return -1;
    const char *starts[32];
    int n = 0;
    for (const char *p = line; *p && n < 32; p++)
        if (component_start(p))
            starts[n++] = p + 1;
    size_t o = 0;
    for (int i = n - 1; i >= 0; i--) {
        const char *end = i + 1 < n ? starts[i + 1] - 1 : starts[i] + strlen(starts[i]);
        int w = snprintf(out + o, outlen - o, "%s%.*s", o ? ", " : "", (int)(end - starts[i]), starts[i]);
        if (w < 0 || (size_t)w >= outlen - o)
            break;
        o += (size_t)w;
    }
    return o ? 0 : -1;
}

void tls_audit_finish(tls_conn *c)
{
    tls_capture *cap = c->capture;
    if (!cap || !c->ssl || cap->ca_names_known)
        return;
    /* TLS 1.3 sends its CertificateRequest encrypted: take wolfSSL's parse
     * of the certificate_authorities extension. */
    WOLF_STACK_OF(WOLFSSL_X509_NAME) *names = wolfSSL_get0_peer_CA_list(c->ssl);
    if (!c->out.cert_requested)
        return;
    cap->cert_request_seen = 1;
    cap->ca_names_known = 1;
    int n = names ? wolfSSL_sk_X509_NAME_num(names) : 0;
    for (int i = 0; i < n && cap->n_ca_names < TLS_CAPTURE_MAX_CA_NAMES; i++) {
        WOLFSSL_X509_NAME *name = wolfSSL_sk_X509_NAME_value(names, i);
        if (name && name_entries_string(name, cap->ca_names[cap->n_ca_names], sizeof cap->ca_names[0]) == 0)
            cap->n_ca_names++;
    }
}

int tls_audit_conn_setup(tls_conn *c, const tls_client *cl, mp_err *e)
{
    /* The status request goes on each connection: wolfSSL matches the
     * server's answer against the connection's own extensions. */
    if (cl->ocsp_stapling && wolfSSL_UseOCSPStapling(c->ssl, WOLFSSL_CSR_OCSP, 0) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot request OCSP stapling");
    return 0;
}

int tls_secure_renegotiation(tls_conn *c)
{
    if (c->capture && c->capture->server_hello_seen) {
        for (int i = 0; i < c->capture->n_extensions; i++)
            if (c->capture->extensions[i] == 0xff01)
                return 1;
        return 0;
    }
    return c->ssl && wolfSSL_SSL_get_secure_renegotiation_support(c->ssl) == 1;
}

int tls_conn_renegotiate(tls_conn *c, int64_t deadline_ns, char *out, size_t outlen)
{
    if (!c->ssl || c->out.result != TLS_R_OK) {
        snprintf(out, outlen, "no established connection");
        return -1;
    }
    for (;;) {
        int rc = wolfSSL_Rehandshake(c->ssl);
        if (rc == WOLFSSL_SUCCESS) {
            snprintf(out, outlen, "completed by the server");
            return 1;
        }
        int err = wolfSSL_get_error(c->ssl, rc);
        WOLFSSL_ALERT_HISTORY h;
        memset(&h, 0, sizeof h);
        wolfSSL_get_alert_history(c->ssl, &h);
        if (h.last_rx.code == no_renegotiation) {
            snprintf(out, outlen, "refused with alert no_renegotiation (100)");
            return 0;
        }
        if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
            int r = net_wait(c->fd, err == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline_ns);
            if (r <= 0) {
                snprintf(out, outlen, "refused: no answer to the new ClientHello");
                return 0;
            }
            continue;
        }
        if (err == SECURE_RENEGOTIATION_E || err == WC_NO_ERR_TRACE(SECURE_RENEGOTIATION_E)) {
            snprintf(out, outlen, "not tried: the server did not agree to secure renegotiation");
            return -1;
        }
        if (h.last_rx.level == alert_fatal) {
            snprintf(out, outlen, "refused with alert %s (%d)", tls_alert_name(h.last_rx.code),
                     h.last_rx.code);
            return 0;
        }
        if (c->io_closed || c->io_reset) {
            snprintf(out, outlen, "refused: the server closed the connection");
            return 0;
        }
        char buf[WOLFSSL_MAX_ERROR_SZ];
        wolfSSL_ERR_error_string_n((unsigned long)err, buf, sizeof buf);
        snprintf(out, outlen, "refused: %s", buf);
        return 0;
    }
}

int tls_verify_chain(const uint8_t *const *der, const size_t *len, int n, const char *ca_file,
                     int check_time, char *err, size_t errlen)
{
    int rc = -1;
    WOLFSSL_X509_STORE *store = wolfSSL_X509_STORE_new();
    WOLFSSL_X509_STORE_CTX *sctx = wolfSSL_X509_STORE_CTX_new();
    WOLF_STACK_OF(WOLFSSL_X509) *untrusted = wolfSSL_sk_X509_new_null();
    WOLFSSL_X509 *leaf = NULL;
    if (!store || !sctx || !untrusted || n < 1) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (wolfSSL_X509_STORE_load_locations(store, ca_file, NULL) != WOLFSSL_SUCCESS) {
        snprintf(err, errlen, "cannot load trust anchors from %s", ca_file);
        goto out;
    }
    leaf = wolfSSL_X509_d2i(NULL, der[0], (int)len[0]);
    for (int i = 1; i < n; i++) {
        WOLFSSL_X509 *x = wolfSSL_X509_d2i(NULL, der[i], (int)len[i]);
        if (x && wolfSSL_sk_X509_push(untrusted, x) <= 0)
            wolfSSL_X509_free(x);
    }
    if (!leaf || wolfSSL_X509_STORE_CTX_init(sctx, store, leaf, untrusted) != WOLFSSL_SUCCESS) {
        snprintf(err, errlen, "cannot parse the server's certificate");
        goto out;
    }
    if (!check_time) {
        /* wolfSSL's verifier does not honour NO_CHECK_TIME; verifying at
         * an instant inside every sent certificate's validity (the latest
         * notBefore) leaves dates out of the question. */
        int64_t at = 0, nb, na;
        for (int i = 0; i < n; i++)
            if (pki_inspect_validity(der[i], len[i], &nb, &na) == 0 && nb > at)
                at = nb;
        if (at > 0)
            wolfSSL_X509_STORE_CTX_set_time(sctx, 0, (time_t)at + 1);
    }
    if (wolfSSL_X509_verify_cert(sctx) == WOLFSSL_SUCCESS) {
        rc = 1;
    } else {
        int code = wolfSSL_X509_STORE_CTX_get_error(sctx);
        snprintf(err, errlen, "%s (%d)", wolfSSL_X509_verify_cert_error_string(code), code);
        /* wolfSSL reports a date error only once the signatures verified,
         * so with time left out a date error means the chain is good. */
        rc = !check_time && (code == WOLFSSL_X509_V_ERR_CERT_HAS_EXPIRED ||
                             code == WOLFSSL_X509_V_ERR_CERT_NOT_YET_VALID);
    }
out:
    if (sctx)
        wolfSSL_X509_STORE_CTX_free(sctx);
    if (untrusted)
        wolfSSL_sk_X509_pop_free(untrusted, wolfSSL_X509_free);
    if (leaf)
        wolfSSL_X509_free(leaf);
    if (store)
        wolfSSL_X509_STORE_free(store);
    return rc;
}

const char *tls_cipher_iana(const char *name)
{
    byte b0, b1;
    int flags = 0;
    if (wolfSSL_get_cipher_suite_from_name(name, &b0, &b1, &flags) != 0)
        return NULL;
    return wolfSSL_get_cipher_name_iana_from_suite(b0, b1);
}

void tls_cipher_suites(tls_version v, void (*fn)(const char *name, const char *iana, void *arg),
                       void *arg)
{
    char list[8192];
    if (wolfSSL_get_ciphers(list, (int)sizeof list) != WOLFSSL_SUCCESS)
        return;
    const char *seen[256];
    int n_seen = 0;
    for (char *save = NULL, *tok = strtok_r(list, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
        int tls13 = strncmp(tok, "TLS13-", 6) == 0;
        if (tls13 != (v == TLS_V1_3))
            continue;
        const char *iana = tls_cipher_iana(tok);
        if (!iana)
            continue;
        /* wolfSSL lists some suites under two spellings (CCM-8 and CCM8):
         * offer each suite once. */
        int dup = 0;
        for (int i = 0; i < n_seen && !dup; i++)
            dup = strcmp(seen[i], iana) == 0;
        if (dup || n_seen == 256)
            continue;
        seen[n_seen++] = iana;
        fn(tok, iana, arg);
    }
}

const char *tls_sigalg_name(uint16_t code)
{
    static const struct { uint16_t code; const char *name; } t[] = {
        { 0x0201, "rsa_pkcs1_sha1" }, { 0x0203, "ecdsa_sha1" }, { 0x0202, "dsa_sha1" },
        { 0x0301, "rsa_pkcs1_sha224" }, { 0x0303, "ecdsa_sha224" },
        { 0x0401, "rsa_pkcs1_sha256" }, { 0x0501, "rsa_pkcs1_sha384" },
        { 0x0601, "rsa_pkcs1_sha512" }, { 0x0403, "ecdsa_secp256r1_sha256" },
        { 0x0503, "ecdsa_secp384r1_sha384" }, { 0x0603, "ecdsa_secp521r1_sha512" },
        { 0x0804, "rsa_pss_rsae_sha256" }, { 0x0805, "rsa_pss_rsae_sha384" },
        { 0x0806, "rsa_pss_rsae_sha512" }, { 0x0807, "ed25519" }, { 0x0808, "ed448" },
        { 0x0809, "rsa_pss_pss_sha256" }, { 0x080a, "rsa_pss_pss_sha384" },
        { 0x080b, "rsa_pss_pss_sha512" }, { 0x081a, "ecdsa_brainpoolP256r1tls13_sha256" },
        { 0x081b, "ecdsa_brainpoolP384r1tls13_sha384" },
        { 0x081c, "ecdsa_brainpoolP512r1tls13_sha512" },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].code == code)
            return t[i].name;
    return NULL;
}
