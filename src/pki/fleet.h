/* Client fleets for `load`: many distinct client identities, issued on the
 * fly under a CA whose certificate and key are on disk, or read from a
 * directory of certificate and key pairs. Everything lives in one block
 * allocated before the load starts; afterwards the fleet is read-only and
 * shared by every worker thread. */
#ifndef MP_PKI_FLEET_H
#define MP_PKI_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct pki_fleet_member {
    const uint8_t *cert;   /* issued: the leaf as DER; from a directory: the PEM chain */
    size_t cert_len;
    const uint8_t *key;    /* DER (issued) or PEM (directory) */
    size_t key_len;
} pki_fleet_member;

typedef struct pki_fleet {
    pki_fleet_member *members;
    size_t n;
    int pem;               /* members are PEM (from a directory), else DER */
    uint8_t *arena;        /* owns every member's bytes */
    double seconds;        /* how long issuing or reading took */
} pki_fleet;

/* Issues n P-256 client certificates (CN=fleet-000001 ..., EKU clientAuth,
 * valid from an hour ago for 90 days) under the CA in ca_cert/ca_key (PEM
 * files; EC or RSA key). The CA's own chain is not included: the client
 * context already sends it with the fixture set's client chain. */
int pki_fleet_issue(pki_fleet *f, const char *ca_cert, const char *ca_key, size_t n, mp_err *e);

/* Reads every NAME.cert.pem (or NAME.crt) in dir that has a NAME.key.pem
 * (or NAME.key) beside it; the certificate file may hold a whole chain. */
int pki_fleet_read_dir(pki_fleet *f, const char *dir, mp_err *e);

void pki_fleet_free(pki_fleet *f);

#endif
