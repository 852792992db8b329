/* Reading a fixtures directory's manifest.json: scenarios name fixtures
 * ("client/expired"), and this maps names to files and expectations. */
#ifndef MP_PKI_MANIFEST_H
#define MP_PKI_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct pki_manifest_entry {
    char *name;
    char *role;
    char *cert;      /* absolute paths */
    char *key;       /* NULL for an imported CA: its key is not in the set */
    char *chain;     /* NULL for CAs */
    char *crl;       /* CAs: their CRL (PEM), else NULL */
    char *expect;
    char *severity;
    char *defect;
    char *spki_sha256;
    char *subject;
    /* For the helper servers (serve --ocsp, --crl-http, --upstream). */
    char *issuer;        /* the issuing fixture's name (its own when self-signed) */
    char *serial;        /* hex */
    char *fingerprint;   /* hex SHA-256 of the certificate */
    char *crl_der;       /* CAs: their CRL as DER */
    char *crl_stale;     /* CAs: a CRL whose nextUpdate has passed (PEM, DER) */
    char *crl_stale_der;
    /* The user's own certificate and key in place of the fixture's
     * (run/serve --identity, pki/identity.h), owned by the manifest; cert,
     * key and chain then name the user's files, and subject, fingerprint,
     * spki_sha256 and serial describe the user's certificate. */
    struct pki_identity *identity;
    int revoked;
    int is_ca;
    int ocsp_signing;    /* EKU OCSPSigning */
    int imported;        /* the organization's CA (fixtures --issuer-cert) */
    /* Seconds since the epoch; 0 when the manifest does not say (an
     * imported CA's validity is read from its certificate instead). */
    int64_t not_before;
    int64_t not_after;
    int64_t crl_next_update;
} pki_manifest_entry;

typedef struct pki_manifest {
    char *dir;
    char *trust_bundle;  /* absolute */
    char *crl_bundle;
    char sha256[65];     /* of manifest.json, for results */
    pki_manifest_entry *entries;
    size_t n;
} pki_manifest;

/* dir holds manifest.json (a path to the file itself also works). */
int pki_manifest_load(pki_manifest *m, const char *dir, mp_err *e);
/* The same from manifest.json's text: relative paths are taken in dir; file
 * names the manifest in messages. */
int pki_manifest_parse(pki_manifest *m, const char *text, size_t len, const char *dir,
                       const char *file, mp_err *e);
void pki_manifest_free(pki_manifest *m);
const pki_manifest_entry *pki_manifest_find(const pki_manifest *m, const char *name);
/* The fixture name nearest to name, for "did you mean ...?"; NULL when
 * none is near. */
const char *pki_manifest_closest(const pki_manifest *m, const char *name);

/* Replaces the client or server fixture name with the user's identity,
 * which the manifest then owns (also when this fails). Its role, defect and
 * expectation stay the fixture's: replacing client/valid makes the user's
 * certificate the positive control. */
int pki_manifest_set_identity(pki_manifest *m, const char *name, struct pki_identity *id, mp_err *e);
/* The same from "NAME=CERT[,KEY]" (--identity); pass as pki_identity_load.
 * A client/NAME or server/NAME the manifest lacks is added, without an
 * expectation. */
int pki_manifest_identity_spec(pki_manifest *m, const char *spec, const char *pass, mp_err *e);

#endif
