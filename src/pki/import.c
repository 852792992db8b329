/* Importing an existing CA. The certificate file is split into its PEM
 * blocks here (wolfCrypt converts one block at a time); the key goes through
 * pki/secret so that passwords and encrypted keys are read one way across
 * the tool. A key that is not the certificate's is refused before anything
 * is signed with it: fixtures signed by the wrong key would fail for a
 * reason no scenario means to test. */
#include "pki/import.h"

#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/memory.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "pki/der.h"
#include "pki/secret.h"
#include "util/fs.h"

#define BEGIN_CERT "-----BEGIN CERTIFICATE-----"
#define END_CERT "-----END CERTIFICATE-----"

void pki_import_cert_free(pki_import_cert *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->der[i]);
    memset(c, 0, sizeof *c);
}

static int add_der(pki_import_cert *c, const uint8_t *der, size_t len, mp_err *e)
{
    if (c->n == PKI_IMPORT_MAX_CHAIN)
        return mp_fail(e, "more than %d certificates", PKI_IMPORT_MAX_CHAIN);
    der_cert_parts parts;
    if (der_cert_split(der, len, &parts) != 0)
        return mp_fail(e, "certificate %zu does not parse", c->n + 1);
    c->der[c->n] = malloc(len);
    if (!c->der[c->n])
        return mp_fail(e, "out of memory");
    memcpy(c->der[c->n], der, len);
    c->len[c->n++] = len;
    return 0;
}

static int split_pem(pki_import_cert *c, const char *text, size_t len, mp_err *e)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *b = strstr(p, BEGIN_CERT);
        if (!b)
            break;
        const char *f = strstr(b, END_CERT);
        if (!f)
            return mp_fail(e, "a certificate has no END line");
        f += strlen(END_CERT);
        size_t blen = (size_t)(f - b);
        uint8_t *der = malloc(blen);
        if (!der)
            return mp_fail(e, "out of memory");
        int n = wc_CertPemToDer((const unsigned char *)b, (int)blen, der, (int)blen, CERT_TYPE);
        int rc = n > 0 ? add_der(c, der, (size_t)n, e)
                       : mp_fail(e, "certificate %zu is not valid PEM", c->n + 1);
        free(der);
        if (rc != 0)
            return -1;
        p = f;
    }
    if (c->n == 0)
        return mp_fail(e, "no certificate found (PEM \"%s\" or DER expected)", BEGIN_CERT);
    return 0;
}

int pki_import_cert_load(pki_import_cert *c, const char *path, mp_err *e)
{
    char *text;
    size_t len;
    memset(c, 0, sizeof *c);
    if (fs_read_file(path, &text, &len, e) != 0)
        return mp_wrap(e, "issuer certificate %s", path);
    int rc;
    if (strstr(text, "PRIVATE KEY-----"))
        rc = mp_fail(e, "holds a private key; give the key with --issuer-key, never in the "
                        "certificate file");
    else if (strstr(text, "-----BEGIN "))
        rc = split_pem(c, text, len, e);
    else
        rc = add_der(c, (const uint8_t *)text, len, e);
    free(text);
    if (rc == 0 && pki_inspect(c->der[0], c->len[0], &c->info) != 0)
        rc = mp_fail(e, "its extensions do not parse");
    if (rc == 0 && !c->info.is_ca)
        rc = mp_fail(e, "is not a CA certificate (basicConstraints CA:TRUE is missing)");
    if (rc == 0 && c->info.has_key_usage && !c->info.ku_key_cert_sign)
        rc = mp_fail(e, "its key usage does not allow keyCertSign");
    if (rc == 0 && strcmp(c->info.key_alg, "other") == 0)
        rc = mp_fail(e, "its key is neither RSA, EC nor Ed25519");
    der_cert_parts parts;
    if (rc == 0 && (der_cert_split(c->der[0], c->len[0], &parts) != 0 ||
                    der_name_string(parts.subject, c->subject, sizeof c->subject) != 0 ||
                    pki_inspect_validity(c->der[0], c->len[0], &c->not_before, &c->not_after) != 0))
        rc = mp_fail(e, "its subject or validity does not parse");
    if (rc == 0) {
        uint8_t fp[WC_SHA256_DIGEST_SIZE];
        wc_Sha256Hash(c->der[0], (word32)c->len[0], fp);
        der_hex(fp, sizeof fp, 0, c->fingerprint, sizeof c->fingerprint);
        c->anchor = (int)c->n - 1;
        pki_cert_info last;
        c->root_included = c->n > 1 && pki_inspect(c->der[c->anchor], c->len[c->anchor], &last) == 0 &&
                           last.self_issued;
    }
    if (rc != 0) {
        pki_import_cert_free(c);
        return mp_wrap(e, "issuer certificate %s", path);
    }
    return 0;
}

int pki_import_key_load(pki_key *k, const pki_import_cert *c, const char *key_path,
                        const char *pass_src, mp_err *e)
{
    char pass[PKI_PASS_MAX + 1];
    pass[0] = '\0';
    if (pass_src && pki_pass_read(pass_src, pass, sizeof pass, e) != 0)
        return mp_wrap(e, "password of %s", key_path);
    int rc = pki_key_load_file(k, key_path, pass_src ? pass : NULL, e);
    wc_ForceZero(pass, sizeof pass);
    if (rc != 0)
        return -1;
    uint8_t spki[2048];
    int n = pki_key_spki_der(k, spki, sizeof spki, e);
    der_cert_parts parts;
    if (n < 0 || der_cert_split(c->der[0], c->len[0], &parts) != 0) {
        pki_key_free(k);
        return mp_wrap(e, "private key %s", key_path);
    }
    if ((size_t)n != parts.spki.len || memcmp(spki, parts.spki.p, parts.spki.len) != 0) {
        pki_key_free(k);
        return mp_fail(e, "private key %s is not the key of the issuer certificate (%s)",
                       key_path, c->subject);
    }
    return 0;
}
