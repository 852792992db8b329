/* The organization's own CA, imported to issue fixtures: its certificate
 * (optionally followed by its chain up to the root) and its private key,
 * which may be encrypted. The key is held in memory only while fixtures are
 * signed; it is never written, printed or recorded. */
#ifndef MP_PKI_IMPORT_H
#define MP_PKI_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pki/inspect.h"
#include "pki/key.h"
#include "util/err.h"

#define PKI_IMPORT_MAX_CHAIN 8

/* What the certificate file says: enough for a spec to decide which
 * fixtures the CA can express (its pathlen, its validity, its key). */
typedef struct pki_import_cert {
    uint8_t *der[PKI_IMPORT_MAX_CHAIN]; /* [0] the issuing CA, then its chain as given */
    size_t len[PKI_IMPORT_MAX_CHAIN];
    size_t n;
    pki_cert_info info;                 /* of der[0] */
    int64_t not_before, not_after;      /* of der[0] */
    char subject[1024];                 /* of der[0], RFC 4514 */
    char fingerprint[65];               /* hex SHA-256 of der[0] */
    int anchor;                         /* index of the trust anchor: the last
                                           certificate of the file */
    int root_included;                  /* the file ends in a self-signed root */
} pki_import_cert;

/* Reads PEM certificates (or one DER certificate) from path and checks that
 * the first is a CA that may sign certificates and CRLs. */
int pki_import_cert_load(pki_import_cert *c, const char *path, mp_err *e);
void pki_import_cert_free(pki_import_cert *c);

/* Loads the key (pass_src in pki_pass_read's forms, or NULL) and checks that
 * it is the private key of c's first certificate. */
int pki_import_key_load(pki_key *k, const pki_import_cert *c, const char *key_path,
                        const char *pass_src, mp_err *e);

#endif
