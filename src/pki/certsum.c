/* Certificate summaries for the audit, through wolfSSL's X.509 parser: the
 * key type and size and the signature algorithm's name are what it reports,
 * beside what the small DER reader (inspect.c) finds. The names are static
 * strings of wolfSSL's, so a summary holds no allocation. */
#include "pki/certsum.h"

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/openssl/evp.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "pki/key.h"

static const char *key_type_name(int id)
{
    switch (id) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_DSA: return "DSA";
#ifdef EVP_PKEY_ED25519
    case EVP_PKEY_ED25519: return "Ed25519";
#endif
#ifdef EVP_PKEY_ED448
    case EVP_PKEY_ED448: return "Ed448";
#endif
    default: return "unknown";
    }
}

int pki_cert_summarize(const uint8_t *der, size_t len, pki_cert_summary *out)
{
    out->key_type = NULL;
    out->key_bits = 0;
    out->sig_alg = NULL;
    WOLFSSL_X509 *x = wolfSSL_X509_d2i(NULL, der, (int)len);
    if (!x)
        return -1;
    WOLFSSL_EVP_PKEY *k = wolfSSL_X509_get_pubkey(x);
    if (k) {
        out->key_type = key_type_name(wolfSSL_EVP_PKEY_id(k));
        out->key_bits = wolfSSL_EVP_PKEY_bits(k);
        wolfSSL_EVP_PKEY_free(k);
    }
    int nid = wolfSSL_X509_get_signature_nid(x);
    out->sig_alg = nid ? wolfSSL_OBJ_nid2ln(nid) : NULL;
    wolfSSL_X509_free(x);
    return 0;
}

int pki_cert_sha256(const uint8_t *der, size_t len, uint8_t out[32])
{
    return wc_Sha256Hash(der, (word32)len, out) == 0 ? 0 : -1;
}

char *pki_cert_pem(const uint8_t *der, size_t len)
{
    char *pem = NULL;
    size_t pl;
    mp_err e;
    return pki_der_to_pem(der, len, CERT_TYPE, &pem, &pl, &e) == 0 ? pem : NULL;
}
