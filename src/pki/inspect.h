/* What a certificate says about its use: signature algorithm, key usage,
 * extended key usage, basic constraints. Read from DER with the small DER
 * reader, for policy checks (serve) and audits. */
#ifndef MP_PKI_INSPECT_H
#define MP_PKI_INSPECT_H

#include <stddef.h>
#include <stdint.h>

typedef struct pki_cert_info {
    int sig_sha1;          /* signed with SHA-1 (RSA or ECDSA) */
    int sig_md5;
    int has_key_usage;
    int ku_digital_signature;
    int ku_key_cert_sign;
    int has_eku;
    int eku_client_auth;
    int eku_server_auth;
    int eku_any;
    int is_ca;
    int pathlen;           /* pathLenConstraint; -1 when absent */
    int self_issued;       /* issuer == subject */
    uint8_t skid[32];      /* subjectKeyIdentifier, skid_len 0 when absent */
    size_t skid_len;
    const char *key_alg;   /* "rsa", "ec", "ed25519" or "other" */
} pki_cert_info;

int pki_inspect(const uint8_t *der, size_t len, pki_cert_info *out);

/* Calls fn for each subjectAltName entry as "DNS:x", "IP:1.2.3.4",
 * "URI:...", "email:..." (other kinds are skipped). Returns -1 if malformed. */
int pki_inspect_sans(const uint8_t *der, size_t len,
                     void (*fn)(const char *san, void *arg), void *arg);

/* Where a relying party learns of revocation, and the stapling promise:
 * fn("crl", uri) for each CRL distribution point URI, fn("ocsp", uri) and
 * fn("ca_issuers", uri) for each authorityInfoAccess entry; *must_staple
 * is 1 when the TLS feature extension (RFC 7633) lists status_request,
 * *scts 1 when embedded SCTs (RFC 6962) are present. -1 if malformed. */
int pki_inspect_revocation(const uint8_t *der, size_t len, void (*fn)(const char *kind, const char *uri, void *arg),
                           void *arg, int *must_staple, int *scts);

/* notBefore and notAfter in seconds since the epoch. */
int pki_inspect_validity(const uint8_t *der, size_t len, int64_t *not_before,
                         int64_t *not_after);

#endif
