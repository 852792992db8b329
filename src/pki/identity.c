/* The user's own identities: PEM/DER certificates with a plain or encrypted
 * key, or PKCS#12. A file's type is told by its content, not its name:
 * PEM armour, else a PKCS#12 PFX (a SEQUENCE starting with version 3),
 * else one DER certificate. PKCS#12 is opened with wolfCrypt
 * (wc_PKCS12_parse), keeping the key's PKCS#8 header so that EC keys keep
 * their curve; the decrypted key only ever lives in memory and is wiped
 * when freed. */
#include "pki/identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/pkcs12.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "pki/der.h"
#include "pki/inspect.h"
#include "pki/key.h"
#include "pki/secret.h"
#include "util/fs.h"
#include "util/str.h"

/* Identity files are small; this bounds what a wrong path makes us read. */
#define IDENTITY_FILE_MAX (1u << 20)
#define MAX_CERTS 16

typedef struct cert_list {
    uint8_t *der[MAX_CERTS];
    size_t len[MAX_CERTS];
    int n;
} cert_list;

static void certs_free(cert_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->der[i]);
    l->n = 0;
}

static int certs_add(cert_list *l, const uint8_t *der, size_t len, mp_err *e)
{
    if (l->n == MAX_CERTS)
        return mp_fail(e, "more than %d certificates", MAX_CERTS);
    if (!(l->der[l->n] = malloc(len)))
        return mp_fail(e, "out of memory");
    memcpy(l->der[l->n], der, len);
    l->len[l->n++] = len;
    return 0;
}

static int read_file(const char *path, char **data, size_t *len, mp_err *e)
{
    if (fs_read_file(path, data, len, e) != 0)
        return -1;
    if (*len > IDENTITY_FILE_MAX) {
        pki_secret_free(*data, *len);
        *data = NULL;
        return mp_fail(e, "%s is larger than %u bytes: not a certificate, key or PKCS#12 file", path,
                       IDENTITY_FILE_MAX);
    }
    return 0;
}

static int is_pem(const char *data, size_t len)
{
    return len >= 11 && strstr(data, "-----BEGIN ") != NULL;
}

static int looks_cert(const uint8_t *d, size_t len)
{
    der_cert_parts parts;
    return der_cert_split(d, len, &parts) == 0;
}

/* Every CERTIFICATE block of a PEM text, in order. */
static int pem_certs(const char *path, const char *text, cert_list *l, mp_err *e)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
    const char *p = text;
    while ((p = strstr(p, begin))) {
        const char *q = strstr(p, end);
        if (!q)
            return mp_fail(e, "%s: a certificate without its END line", path);
        q += sizeof end - 1;
        int cap = (int)(q - p);
        uint8_t *der = malloc((size_t)cap);
        if (!der)
            return mp_fail(e, "out of memory");
        int n = wc_CertPemToDer((const unsigned char *)p, cap, der, cap, CERT_TYPE);
        if (n <= 0) {
            free(der);
            return mp_fail(e, "%s: certificate %d is not valid PEM: %s", path, l->n + 1, wc_GetErrorString(n));
        }
        if (!looks_cert(der, (size_t)n)) {
            free(der);
            return mp_fail(e, "%s: certificate %d is not a valid X.509 certificate", path, l->n + 1);
        }
        int rc = certs_add(l, der, (size_t)n, e);
        free(der);
        if (rc != 0)
            return -1;
        p = q;
    }
    return 0;
}

/* A PFX begins SEQUENCE { INTEGER 3, ContentInfo ... }; a certificate
 * begins SEQUENCE { SEQUENCE ... }. */
static int looks_pkcs12(const uint8_t *d, size_t len)
{
    der_in in = { d, len }, body, whole;
    uint8_t tag;
    if (der_next(&in, &tag, &body, &whole) != 0 || tag != DER_SEQUENCE)
        return 0;
    der_in v;
    return der_next(&body, &tag, &v, &whole) == 0 && tag == DER_INTEGER && v.len == 1 && v.p[0] == 3;
}

/* Leaf first, then each certificate's issuer as found among the others;
 * certificates not on that path are left out (a PKCS#12 file may carry
 * unrelated CAs). */
static void order_chain(cert_list *l)
{
    for (int i = 0; i + 1 < l->n; i++) {
        der_cert_parts cur;
        if (der_cert_split(l->der[i], l->len[i], &cur) != 0 ||
            (cur.issuer.len == cur.subject.len && memcmp(cur.issuer.p, cur.subject.p, cur.issuer.len) == 0)) {
            for (int k = i + 1; k < l->n; k++)
                free(l->der[k]);
            l->n = i + 1;
            return;
        }
        int found = -1;
        for (int k = i + 1; k < l->n && found < 0; k++) {
            der_cert_parts c;
            if (der_cert_split(l->der[k], l->len[k], &c) == 0 && c.subject.len == cur.issuer.len &&
                memcmp(c.subject.p, cur.issuer.p, c.subject.len) == 0)
                found = k;
        }
        if (found < 0) {
            for (int k = i + 1; k < l->n; k++)
                free(l->der[k]);
            l->n = i + 1;
            return;
        }
        uint8_t *d = l->der[i + 1];
        size_t n = l->len[i + 1];
        l->der[i + 1] = l->der[found];
        l->len[i + 1] = l->len[found];
        l->der[found] = d;
        l->len[found] = n;
    }
}

static int open_pkcs12(pki_identity *id, const char *path, const uint8_t *data, size_t len,
                       const char *pass, cert_list *certs, mp_err *e)
{
    WC_PKCS12 *p12 = wc_PKCS12_new();
    if (!p12)
        return mp_fail(e, "out of memory");
    int rc = wc_d2i_PKCS12(data, (word32)len, p12);
    if (rc != 0) {
        wc_PKCS12_free(p12);
        return mp_fail(e, "%s is not a valid PKCS#12 file: %s", path, wc_GetErrorString(rc));
    }
    byte *key = NULL, *leaf = NULL;
    word32 key_len = 0, leaf_len = 0;
    WC_DerCertList *ca = NULL;
    /* Without --pass, try the empty password that `openssl pkcs12 -passout
     * pass:` gives, so that only a real lack of password is reported. */
    rc = wc_PKCS12_parse_ex(p12, pass ? pass : "", &key, &key_len, &leaf, &leaf_len, &ca, 1);
    wc_PKCS12_free(p12);
    if (rc != 0) {
        if (key)
            wc_ForceZero(key, key_len);
        XFREE(key, NULL, DYNAMIC_TYPE_PUBLIC_KEY);
        XFREE(leaf, NULL, DYNAMIC_TYPE_PKCS);
        wc_FreeCertList(ca, NULL);
        if (rc == MAC_CMP_FAILED_E)
            return pass ? mp_fail(e, "%s: wrong password for this PKCS#12 file (its MAC does not verify)", path)
                        : mp_fail(e, "%s is a PKCS#12 file protected by a password: give it with --pass", path);
        if (rc == ALGO_ID_E || rc == ASN_INPUT_E || rc == NOT_COMPILED_IN)
            return mp_fail(e, "%s: PKCS#12 encryption not supported by this wolfSSL build (RC2-40 from "
                              "`openssl pkcs12 -legacy` needs wolfSSL's --enable-rc2); re-export it with "
                              "`openssl pkcs12 -export -keypbe AES-256-CBC -certpbe AES-256-CBC` (%s)",
                           path, wc_GetErrorString(rc));
        return mp_fail(e, "%s: cannot open this PKCS#12 file: %s", path, wc_GetErrorString(rc));
    }
    int ok = 0;
    if (!key || !key_len) {
        mp_fail(e, "%s: this PKCS#12 file holds no private key (exported with -nokeys?)", path);
    } else if (!leaf || !leaf_len) {
        mp_fail(e, "%s: this PKCS#12 file holds no certificate for its private key", path);
    } else if (certs_add(certs, leaf, leaf_len, e) == 0) {
        ok = 1;
        for (WC_DerCertList *c = ca; c && ok; c = c->next)
            ok = certs_add(certs, c->buffer, c->bufferSz, e) == 0;
        if (ok && !(id->key_der = malloc(key_len))) {
            mp_fail(e, "out of memory");
            ok = 0;
        }
        if (ok) {
            memcpy(id->key_der, key, key_len);
            id->key_der_len = key_len;
        }
    }
    if (key)
        wc_ForceZero(key, key_len);
    XFREE(key, NULL, DYNAMIC_TYPE_PUBLIC_KEY);
    XFREE(leaf, NULL, DYNAMIC_TYPE_PKCS);
    wc_FreeCertList(ca, NULL);
    return ok ? 0 : -1;
}

/* The key must be the leaf's: a user's own identity that does not match
 * is a mistake to report now, not a refusal to judge later. */
static int check_match(pki_identity *id, const char *key_path, int encrypted, const cert_list *certs,
                       mp_err *e)
{
    pki_key k;
    memset(&k, 0, sizeof k);
    /* A traditional PEM key (DEK-Info) decrypted with a wrong password
     * often passes its padding check and only fails to parse. */
    if (pki_key_load(&k, id->key_der, id->key_der_len, NULL, e) != 0)
        return encrypted ? mp_fail(e, "%s: cannot decrypt the private key: wrong password", key_path)
                         : mp_wrap(e, "%s", key_path);
    uint8_t spki[1024];
    int n = pki_key_spki_der(&k, spki, sizeof spki, e);
    pki_key_free(&k);
    if (n < 0)
        return mp_wrap(e, "%s", key_path);
    der_cert_parts parts;
    if (der_cert_split(certs->der[0], certs->len[0], &parts) != 0)
        return mp_fail(e, "%s: the certificate cannot be read", id->cert_path);
    if ((size_t)n != parts.spki.len || memcmp(spki, parts.spki.p, (size_t)n) != 0)
        return mp_fail(e, "the private key in %s does not match the certificate in %s", key_path, id->cert_path);
    return 0;
}

static int describe_leaf(pki_identity *id, const cert_list *certs, mp_err *e)
{
    der_cert_parts parts;
    if (der_cert_split(certs->der[0], certs->len[0], &parts) != 0)
        return mp_fail(e, "%s: the certificate cannot be read", id->cert_path);
    if (der_name_string(parts.subject, id->subject, sizeof id->subject) != 0)
        id->subject[0] = '\0';
    uint8_t fp[WC_SHA256_DIGEST_SIZE];
    if (wc_Sha256Hash(certs->der[0], (word32)certs->len[0], fp) != 0)
        return mp_fail(e, "cannot hash the certificate");
    der_hex(fp, sizeof fp, 0, id->fingerprint, sizeof id->fingerprint);
    der_hex(parts.serial.p, parts.serial.len, 0, id->serial, sizeof id->serial);
    if (pki_inspect_validity(certs->der[0], certs->len[0], &id->not_before, &id->not_after) != 0)
        id->not_before = id->not_after = 0;
    return pki_spki_pin(parts.spki.p, parts.spki.len, id->spki_sha256, e);
}

static int chain_to_pem(pki_identity *id, const cert_list *certs, mp_err *e)
{
    size_t total = 0;
    char *pems[MAX_CERTS] = { 0 };
    size_t lens[MAX_CERTS];
    int rc = 0;
    for (int i = 0; i < certs->n && rc == 0; i++) {
        rc = pki_der_to_pem(certs->der[i], certs->len[i], CERT_TYPE, &pems[i], &lens[i], e);
        if (rc == 0)
            total += lens[i];
    }
    if (rc == 0 && !(id->chain_pem = malloc(total + 1)))
        rc = mp_fail(e, "out of memory");
    for (int i = 0; i < certs->n; i++) {
        if (rc == 0) {
            memcpy(id->chain_pem + id->chain_pem_len, pems[i], lens[i]);
            id->chain_pem_len += lens[i];
        }
        free(pems[i]);
    }
    if (rc == 0) {
        id->chain_pem[id->chain_pem_len] = '\0';
        id->n_certs = certs->n;
    }
    return rc;
}

int pki_identity_load(pki_identity *id, const char *cert, const char *key, const char *pass, mp_err *e)
{
    memset(id, 0, sizeof *id);
    char *data = NULL, *kdata = NULL;
    size_t len = 0, klen = 0;
    cert_list certs = { .n = 0 };
    int rc = -1, encrypted = 0;
    id->cert_path = strdup(cert);
    id->key_path = key ? strdup(key) : NULL;
    if (!id->cert_path || (key && !id->key_path)) {
        mp_fail(e, "out of memory");
        goto out;
    }
    if (read_file(cert, &data, &len, e) != 0)
        goto out;
    const char *key_src = key ? key : cert;
    if (is_pem(data, len)) {
        if (pem_certs(cert, data, &certs, e) != 0)
            goto out;
        if (certs.n == 0) {
            mp_fail(e, "%s holds no PEM certificate%s", cert,
                    strstr(data, "PRIVATE KEY-----") ? " (it is a private key: give CERT,KEY)" : "");
            goto out;
        }
    } else if (looks_pkcs12((const uint8_t *)data, len)) {
        if (key) {
            mp_fail(e, "%s is a PKCS#12 file, which carries its own key: give no KEY file (%s)", cert, key);
            goto out;
        }
        if (open_pkcs12(id, cert, (const uint8_t *)data, len, pass, &certs, e) != 0)
            goto out;
        key_src = cert;
    } else if (looks_cert((const uint8_t *)data, len)) {
        if (certs_add(&certs, (const uint8_t *)data, len, e) != 0)
            goto out;
    } else {
        mp_fail(e, "%s is neither a certificate (PEM or DER) nor a PKCS#12 file", cert);
        goto out;
    }
    if (!id->key_der) {
        const char *kd;
        if (key) {
            if (read_file(key, &kdata, &klen, e) != 0)
                goto out;
            kd = kdata;
        } else if (is_pem(data, len) && strstr(data, "PRIVATE KEY-----")) {
            kd = data;
            klen = len;
        } else {
            mp_fail(e, "%s holds no private key: give CERT,KEY (or a PKCS#12 file)", cert);
            goto out;
        }
        if (!is_pem(kd, klen) && looks_cert((const uint8_t *)kd, klen)) {
            mp_fail(e, "%s is a certificate, not a private key", key_src);
            goto out;
        }
        encrypted = pki_key_is_encrypted((const uint8_t *)kd, klen);
        if (pki_key_decrypt_der((const uint8_t *)kd, klen, pass, &id->key_der, &id->key_der_len, e) != 0) {
            mp_wrap(e, "%s", key_src);
            goto out;
        }
    }
    order_chain(&certs);
    if (check_match(id, key_src, encrypted, &certs, e) != 0 || describe_leaf(id, &certs, e) != 0 ||
        chain_to_pem(id, &certs, e) != 0)
        goto out;
    rc = 0;
out:
    certs_free(&certs);
    if (data)
        pki_secret_free(data, len);
    if (kdata)
        pki_secret_free(kdata, klen);
    if (rc != 0)
        pki_identity_free(id);
    return rc;
}

int pki_identity_load_spec(pki_identity *id, const char *spec, const char *pass, mp_err *e)
{
    char cert[4096];
    if (strlen(spec) >= sizeof cert)
        return mp_fail(e, "path too long: %.60s...", spec);
    str_copy(cert, sizeof cert, spec);
    char *comma = strchr(cert, ',');
    if (comma)
        *comma = '\0';
    if (!cert[0] || (comma && !comma[1]))
        return mp_fail(e, "'%s': expected CERT or CERT,KEY", spec);
    return pki_identity_load(id, cert, comma ? comma + 1 : NULL, pass, e);
}

void pki_identity_free(pki_identity *id)
{
    free(id->cert_path);
    free(id->key_path);
    free(id->chain_pem);
    if (id->key_der)
        pki_secret_free(id->key_der, id->key_der_len);
    memset(id, 0, sizeof *id);
}
