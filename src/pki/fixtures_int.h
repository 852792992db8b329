/* Shared between fixture generation (fixtures.c) and writing the set
 * (fixtures_out.c): what was made for each definition. Private to src/pki. */
#ifndef MP_PKI_FIXTURES_INT_H
#define MP_PKI_FIXTURES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "pki/fixtures.h"
#include "pki/import.h"
#include "pki/key.h"
#include "pki/spec.h"
#include "util/err.h"

typedef struct made {
    pki_key key;
    pki_key other;          /* the mismatched key delivered with key_mismatch */
    uint8_t *der;
    size_t der_len;
    uint8_t skid[32];
    size_t skid_len;
    uint8_t serial[20];
    size_t serial_len;
    pki_import_cert *import; /* an imported CA: its certificate file */
    char pin[45];
    char fingerprint[65];
    char subject[4096];     /* as encoded, RFC 4514 */
    uint8_t *crl;
    size_t crl_len;
    uint8_t *crl_stale;     /* the same list, its nextUpdate already passed */
    size_t crl_stale_len;
} made;

/* Every CA issues a CRL (the OCSP signer, ca = false, does not). */
static inline int pki_is_crl_issuer(const pki_fixture_def *d)
{
    return d->is_ca;
}

/* Writes certificates, keys (never an imported CA's), chains, CRLs, the
 * bundles, pins and manifest.json into dir. */
int pki_fixtures_write(const pki_spec *s, const made *all, const pki_gen_opts *o,
                       const char *dir, mp_err *e);

#endif
