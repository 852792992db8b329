/* The fixture spec: a Lua file that calls ca{}, server{} and client{} once
 * per fixture. Loading it yields an ordered list of definitions, every field
 * checked and every error reported at the spec's file:line. See
 * docs/fixtures.md for the language. */
#ifndef MP_PKI_SPEC_H
#define MP_PKI_SPEC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "pki/cert.h"
#include "pki/key.h"
#include "util/err.h"

typedef enum pki_role { PKI_ROLE_CA, PKI_ROLE_SERVER, PKI_ROLE_CLIENT } pki_role;

const char *pki_role_name(pki_role r);

typedef struct pki_strlist {
    char **v;
    size_t n;
} pki_strlist;

typedef struct pki_spec_ext {
    char *oid;
    int critical;
    uint8_t *der;
    size_t len;
} pki_spec_ext;

typedef struct pki_fixture_def {
    char *name;
    pki_role role;
    char *where;            /* "spec.lua:12", for messages */
    int issuer;             /* index into the spec, -1 for self-signed */
    char *subject;
    pki_strlist sans;
    pki_key_type key_type;
    int key_mismatch;       /* deliver a private key that is not the cert's */
    int64_t not_before;
    int64_t not_after;
    int is_ca;
    int pathlen;            /* -1: none */
    char *key_usage;        /* comma list; NULL: extension omitted */
    char *eku;              /* comma list; NULL: extension omitted */
    pki_hash hash;
    pki_strlist nc_permitted;
    pki_strlist nc_excluded;
    pki_spec_ext exts[PKI_MAX_EXTS];
    size_t n_exts;
    char *ocsp_url;
    char *crl_url;
    int revoked;
    int revoke_reason;      /* -1: none */
    int64_t revoked_at;
    int chain_leaf_only;
    int trusted;            /* goes into the trust bundle */
    int64_t crl_this_update;
    int64_t crl_next_update;
    char *defect;           /* tag; "none" for good fixtures */
    char *description;
    char *expect;           /* "accept" | "reject" */
    char *severity;         /* critical, high, medium, low, info */
    char *verify_error;     /* e.g. X509_V_ERR_CERT_HAS_EXPIRED; NULL when it verifies */
    /* An imported CA (ca{ import = {...} }): the organization's certificate
     * file, key file and password source. Its certificate and key come from
     * these files; subject and validity above are copied from it. */
    char *import_cert;
    char *import_key;
    char *import_pass;
} pki_fixture_def;

/* A fixture the spec could not express (omit{}), with the reason. */
typedef struct pki_omitted {
    char *name;
    char *reason;
} pki_omitted;

typedef struct pki_spec {
    pki_fixture_def *defs;
    size_t n;
    size_t cap;
    int pending; /* defs[n] is being filled by a ca{}/server{}/client{} call */
    pki_omitted *omitted;
    size_t n_omitted;
    int cert_days;  /* as last set (option or validity{}), for the manifest */
    int crl_days;
} pki_spec;

struct pki_import_cert;

typedef struct pki_spec_opts {
    pki_key_type key_type;    /* default for fixtures that name none */
    const char *const *hosts; /* default SANs of server fixtures */
    size_t n_hosts;
    int64_t now;              /* anchor of every relative time */
    /* Default lifetime of certificates (days; 0: the built-in 90 for leaves,
     * 3650 for CAs) and of CRLs (0: 30). Set from the command line, they
     * take precedence over the spec's validity{}. */
    int cert_days;
    int crl_days;
    /* --issuer-cert/--issuer-key/--pass: offered to the spec as the global
     * `import` (cert, key, pass) and what the certificate says as
     * `import_ca`; NULL when not given. */
    const char *import_cert;
    const char *import_key;
    const char *import_pass;
    const struct pki_import_cert *import_info;
    int trust;                /* --trust-scripts: the spec runs without the sandbox (script.h) */
    const atomic_int *stop;   /* set by SIGINT/SIGTERM: the spec stops as interrupted; may be NULL */
} pki_spec_opts;

/* A spec defines at most this many fixtures (each is a key to generate),
 * and an extension of at most PKI_SPEC_MAX_EXT_BYTES: past either, the
 * ca{}/server{}/client{} call fails at its file:line. */
#define PKI_SPEC_MAX_FIXTURES 1000
#define PKI_SPEC_MAX_EXT_BYTES 65536

/* Runs a spec from a file (path) or from memory (text, named `name`) in a
 * bounded Lua state, sandboxed unless o->trust; require() finds modules in
 * the file's own directory. */
int pki_spec_load_file(pki_spec *s, const char *path, const pki_spec_opts *o, mp_err *e);
int pki_spec_load_text(pki_spec *s, const char *text, size_t len, const char *name,
                       const pki_spec_opts *o, mp_err *e);
void pki_spec_free(pki_spec *s);

/* Index of a fixture by name, or -1. */
int pki_spec_find(const pki_spec *s, const char *name);

#endif
