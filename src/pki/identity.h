/* A certificate and its private key as the user hands them over: PEM or DER
 * certificates with a key that may be encrypted (pki/secret.h), or one
 * PKCS#12 file (.p12, .pfx). Loaded into memory (the chain as PEM, the key
 * as unencrypted DER) for src/tls, so that no decrypted key is ever
 * written to a file. */
#ifndef MP_PKI_IDENTITY_H
#define MP_PKI_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct pki_identity {
    char *cert_path;       /* the files given, for messages */
    char *key_path;        /* NULL when the key came from cert_path */
    uint8_t *chain_pem;    /* leaf first, then its issuers as found; NUL-terminated */
    size_t chain_pem_len;
    uint8_t *key_der;      /* unencrypted; wiped when freed */
    size_t key_der_len;
    int n_certs;           /* certificates in chain_pem */
    /* The leaf, as the manifest describes fixtures. */
    char subject[512];     /* RFC 4514 */
    char fingerprint[65];  /* hex SHA-256 of the certificate */
    char spki_sha256[45];  /* base64 SHA-256 of its SubjectPublicKeyInfo */
    char serial[130];      /* hex */
    int64_t not_before;    /* its validity, seconds since the epoch (0: unknown) */
    int64_t not_after;
} pki_identity;

/* Loads CERT[,KEY]. cert is a PKCS#12 file (then key must be NULL), or one
 * or more certificates (PEM, leaf first, or one DER certificate) with the
 * private key in key, or in cert itself when key is NULL (a PEM holding
 * both). pass is the password of the PKCS#12 file or of an encrypted key,
 * NULL when none was given. The key must match the leaf. Errors are one
 * line that names the file and never carries key material or the password:
 * a wrong or missing password, a file that is neither, a PKCS#12 without a
 * key or certificate, an encryption this wolfSSL build lacks. */
int pki_identity_load(pki_identity *id, const char *cert, const char *key, const char *pass,
                      mp_err *e);

/* Splits "CERT[,KEY]" and loads it (the form of --identity and --cert). */
int pki_identity_load_spec(pki_identity *id, const char *spec, const char *pass, mp_err *e);

/* Wipes the key and frees everything. */
void pki_identity_free(pki_identity *id);

#endif
