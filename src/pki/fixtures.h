/* `mtlsprobe fixtures`: turns a loaded spec into a directory of PEM files,
 * CRLs, pins and manifest.json. The directory appears complete or not at all:
 * everything is written to a temporary sibling and renamed into place. */
#ifndef MP_PKI_FIXTURES_H
#define MP_PKI_FIXTURES_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "pki/spec.h"
#include "util/err.h"

#define PKI_MANIFEST_VERSION 1

typedef struct pki_gen_opts {
    const char *out_dir;
    int force;            /* replace an existing, non-empty out_dir */
    int seeded;           /* same seed: same keys, serials and signatures */
    uint64_t seed;
    int64_t now;
    const char *spec_name;   /* for the manifest */
    const char *key_type;    /* default key type, for the manifest */
    const char *const *hosts;
    size_t n_hosts;
    const char *generator;   /* "mtlsprobe 0.1.0" */
    /* Set by SIGINT/SIGTERM: generation stops after the key or certificate
     * in progress, the temporary directory is removed and pki_generate
     * fails with "interrupted". May be NULL. */
    const atomic_int *stop;
    /* Called after each fixture (done of total); may be NULL. */
    void (*progress)(void *ud, size_t done, size_t total, const char *name);
    void *progress_ud;
} pki_gen_opts;

typedef struct pki_gen_stats {
    size_t fixtures;
    size_t keys;
    size_t rsa_keys;
    size_t crls;
    double seconds;
} pki_gen_stats;

int pki_generate(const pki_spec *s, const pki_gen_opts *o, pki_gen_stats *st, mp_err *e);

#endif
