/* A certificate summarised by wolfSSL's X.509 parser, for audits: its public
 * key's type and size, its signature algorithm, and its SHA-256
 * fingerprint. The header names no wolfSSL type. */
#ifndef MP_PKI_CERTSUM_H
#define MP_PKI_CERTSUM_H

#include <stddef.h>
#include <stdint.h>

typedef struct pki_cert_summary {
    const char *key_type;  /* "RSA", "EC", "DSA", "Ed25519", "Ed448", "unknown"; NULL when
                            * the parser gives no key (it gives none for Ed25519) */
    int key_bits;
    const char *sig_alg;   /* long name, "sha256WithRSAEncryption"; NULL when unknown */
} pki_cert_summary;

/* Fills *out from a DER certificate; -1 when the parser refuses it. */
int pki_cert_summarize(const uint8_t *der, size_t len, pki_cert_summary *out);

/* SHA-256 of a DER certificate (its fingerprint); -1 on failure. */
int pki_cert_sha256(const uint8_t *der, size_t len, uint8_t out[32]);

/* A DER certificate as PEM ("-----BEGIN CERTIFICATE-----"), malloc'd and
 * NUL-terminated; NULL on failure. */
char *pki_cert_pem(const uint8_t *der, size_t len);

#endif
