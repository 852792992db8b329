/* Is a fixture set still what it claims to be? Certificates expire, CRLs
 * pass their nextUpdate, and a not-yet-valid fixture becomes valid: each
 * silently changes what a scenario tests. Used by `fixtures --check` and by
 * `run`, which marks its results when its control or the CRLs are stale. */
#ifndef MP_PKI_FRESH_H
#define MP_PKI_FRESH_H

#include <stddef.h>
#include <stdint.h>

#include "pki/manifest.h"
#include "util/err.h"

typedef struct pki_fresh_item {
    const char *name;    /* the fixture (points into the manifest) */
    int stale;           /* 1: already wrong; 0: becomes wrong within the window */
    int64_t when;        /* the instant it did or will */
    char what[96];       /* "certificate expired", "CRL nextUpdate passed", ... */
} pki_fresh_item;

typedef struct pki_fresh {
    pki_fresh_item *v;
    size_t n;
    size_t checked;      /* fixtures looked at */
} pki_fresh;

/* Checks every fixture (only == NULL) or the fixture named only, plus the
 * CRL of every CA either way, at now; within (seconds) also reports what
 * goes wrong before now + within. */
int pki_fresh_check(const pki_manifest *m, const char *only, int64_t now, int64_t within,
                    pki_fresh *out, mp_err *e);
void pki_fresh_free(pki_fresh *f);

#endif
