/* Certificates and CRLs, built with wolfCrypt. Everything a fixture spec can
 * ask for is a field of pki_cert_params, including the deliberate defects
 * (SHA-1, CA:TRUE leaves, unknown critical extensions, odd validity). */
#ifndef MP_PKI_CERT_H
#define MP_PKI_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "pki/der.h"
#include "pki/key.h"
#include "util/err.h"

typedef enum pki_hash {
    PKI_HASH_SHA256,
    PKI_HASH_SHA1,
    PKI_HASH_SHA384,
    PKI_HASH_SHA512
} pki_hash;

int pki_hash_parse(const char *name, pki_hash *out);
const char *pki_hash_name(pki_hash h);

/* An extension given as its DER value (the extnValue contents). */
typedef struct pki_ext {
    const char *oid;
    int critical;
    const uint8_t *der;
    size_t len;
} pki_ext;

#define PKI_MAX_EXTS 8

typedef struct pki_cert_params {
    const char *subject;      /* "CN=...,O=...,OU=...,C=.." */
    pki_key *key;             /* the subject's key */
    const uint8_t *issuer_cert; /* DER; NULL for self-signed */
    size_t issuer_cert_len;
    pki_key *issuer_key;      /* NULL for self-signed */
    int64_t not_before;
    int64_t not_after;
    const uint8_t *serial;
    size_t serial_len;
    int is_ca;
    int pathlen;              /* < 0: no pathLenConstraint */
    const char *key_usage;    /* "digitalSignature,keyCertSign"; NULL: none */
    const char *eku;          /* "serverAuth,clientAuth"; NULL: none */
    const uint8_t *sans;      /* GeneralNames DER; NULL: no SAN */
    size_t sans_len;
    pki_hash hash;
    pki_ext exts[PKI_MAX_EXTS];
    size_t n_exts;
} pki_cert_params;

/* Builds and signs; *der is malloc'd. skid receives the subject key id
 * (for the AKID of what this certificate signs), up to 32 bytes. */
int pki_cert_make(const pki_cert_params *p, WC_RNG *rng, uint8_t **der,
                  size_t *len, uint8_t skid[32], size_t *skid_len, mp_err *e);

/* GeneralNames from "DNS:x", "IP:192.0.2.1", "IP:::1", "URI:spiffe://x",
 * "email:a@b"; a bare value is an IP address if it parses as one, else DNS. */
int pki_general_names(der_buf *out, const char *const *names, size_t n, mp_err *e);

/* NameConstraints value; each entry is a GeneralName as above, except that
 * "IP:" takes CIDR ("IP:10.0.0.0/8"). */
int pki_name_constraints(der_buf *out, const char *const *permitted, size_t np,
                         const char *const *excluded, size_t ne, mp_err *e);

typedef struct pki_revoked {
    const uint8_t *serial;
    size_t serial_len;
    int64_t when;
    int reason; /* RFC 5280 CRLReason; < 0: no reason extension */
} pki_revoked;

typedef struct pki_crl_params {
    const uint8_t *issuer_cert;
    size_t issuer_cert_len;
    pki_key *issuer_key;
    const uint8_t *issuer_skid;
    size_t issuer_skid_len;
    int64_t this_update;
    int64_t next_update;
    uint64_t number;
    const pki_revoked *revoked;
    size_t n_revoked;
    pki_hash hash;
} pki_crl_params;

int pki_crl_make(const pki_crl_params *p, WC_RNG *rng, uint8_t **der,
                 size_t *len, mp_err *e);

/* RFC 5280 reason names ("keyCompromise", ...) to codes; -1 if unknown. */
int pki_crl_reason_parse(const char *name);

#endif
