/* Writing a generated fixture set: PEM files, chains, CRLs, bundles, pins
 * and manifest.json. An imported CA is written as its certificate and CRL
 * only: its key never reaches the directory, and its manifest entry names
 * its subject and fingerprint, not where its key came from. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include "pki/der.h"
#include "pki/fixtures_int.h"
#include "results/results.h"
#include "util/fs.h"
#include "util/timeutil.h"

typedef struct outbuf {
    char *p;
    size_t len, cap;
} outbuf;

static int ob_add(outbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int write_in(const char *dir, const char *rel, const void *data, size_t len,
                    mode_t mode, mp_err *e)
{
    char *path = fs_join(dir, rel);
    if (!path)
        return mp_fail(e, "out of memory");
    int rc = fs_mkdirs_for(path, 0755, e);
    if (rc == 0)
        rc = fs_write_file(path, data, len, mode, e);
    free(path);
    return rc;
}

static int append_pem(outbuf *b, const uint8_t *der, size_t len, int type, mp_err *e)
{
    char *pem;
    size_t pl;
    if (pki_der_to_pem(der, len, type, &pem, &pl, e) != 0)
        return -1;
    int rc = ob_add(b, pem, pl);
    free(pem);
    return rc == 0 ? 0 : mp_fail(e, "out of memory");
}

static char *relpath(const char *name, const char *suffix)
{
    size_t n = strlen(name) + strlen(suffix) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s", name, suffix);
    return s;
}

static json_t *strlist_json(const char *csv)
{
    json_t *a = json_array();
    if (!csv)
        return a;
    const char *p = csv;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        json_array_append_new(a, json_stringn(p, n));
        p += n + (c ? 1 : 0);
    }
    return a;
}

static json_t *iso_json(int64_t t)
{
    char buf[21];
    tm_format_iso(t, buf);
    return json_string(buf);
}


/* The CRL files of a CA, as manifest fields. */
static void put_crl_fields(json_t *f, const pki_fixture_def *d)
{
    static const struct { const char *key, *suffix; } files[] = {
        { "crl", ".crl.pem" }, { "crl_der", ".crl.der" },
        { "crl_stale", ".crl-stale.pem" }, { "crl_stale_der", ".crl-stale.der" },
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *rel = relpath(d->name, files[i].suffix);
        json_object_set_new(f, files[i].key, json_string(rel));
        free(rel);
        if (i == 1)
            json_object_set_new(f, "crl_next_update", iso_json(d->crl_next_update));
    }
}

static json_t *fixture_json(const pki_spec *s, size_t i, const made *all)
{
    const pki_fixture_def *d = &s->defs[i];
    const made *m = &all[i];
    json_t *f = json_object();
    char hex[64];
    char *rel;
    json_object_set_new(f, "name", json_string(d->name));
    json_object_set_new(f, "role", json_string(pki_role_name(d->role)));
    json_object_set_new(f, "cert", json_string((rel = relpath(d->name, ".cert.pem"))));
    free(rel);
    if (m->import) {
        /* The organization's CA: what identifies its certificate, and the
         * CRL signed with its key; never where its key or password is. */
        json_object_set_new(f, "imported", json_true());
        json_object_set_new(f, "subject", json_string(m->subject));
        json_object_set_new(f, "sha256_fingerprint", json_string(m->fingerprint));
        json_object_set_new(f, "issuer", json_string(d->name));
        json_object_set_new(f, "is_ca", json_true());
        json_object_set_new(f, "trusted", json_boolean(d->trusted));
        put_crl_fields(f, d);
        json_t *defect = json_object();
        json_object_set_new(defect, "tag", json_string("none"));
        json_object_set_new(defect, "description", json_string(d->description));
        json_object_set_new(f, "defect", defect);
        json_object_set_new(f, "expect", json_string("accept"));
        json_object_set_new(f, "severity", json_string("info"));
        return f;
    }
    json_object_set_new(f, "key", json_string((rel = relpath(d->name, ".key.pem"))));
    free(rel);
    if (d->role != PKI_ROLE_CA) {
        json_object_set_new(f, "chain", json_string((rel = relpath(d->name, ".chain.pem"))));
        free(rel);
    }
    if (pki_is_crl_issuer(d)) {
        put_crl_fields(f, d);
    }
    json_object_set_new(f, "subject", json_string(m->subject));
    json_object_set_new(f, "issuer", d->issuer >= 0 ? json_string(s->defs[d->issuer].name)
                                                    : json_string(d->name));
    json_object_set_new(f, "issuer_subject",
                        json_string(d->issuer >= 0 ? all[d->issuer].subject : m->subject));
    json_object_set_new(f, "self_signed", json_boolean(d->issuer < 0));
    json_t *sans = json_array();
    for (size_t k = 0; k < d->sans.n; k++)
        json_array_append_new(sans, json_string(d->sans.v[k]));
    json_object_set_new(f, "sans", sans);
    der_hex(m->serial, m->serial_len, 0, hex, sizeof hex);
    json_object_set_new(f, "serial", json_string(hex));
    json_object_set_new(f, "not_before", iso_json(d->not_before));
    json_object_set_new(f, "not_after", iso_json(d->not_after));
    json_object_set_new(f, "lifetime_days",
                        json_integer((d->not_after - d->not_before) / 86400));
    json_object_set_new(f, "key_type", json_string(pki_key_type_name(d->key_type)));
    json_object_set_new(f, "key_matches_cert", json_boolean(!d->key_mismatch));
    json_object_set_new(f, "signature_hash", json_string(pki_hash_name(d->hash)));
    json_object_set_new(f, "is_ca", json_boolean(d->is_ca));
    json_object_set_new(f, "pathlen", d->pathlen >= 0 ? json_integer(d->pathlen) : json_null());
    json_object_set_new(f, "key_usage", strlist_json(d->key_usage));
    json_object_set_new(f, "eku", strlist_json(d->eku));
    json_object_set_new(f, "revoked", json_boolean(d->revoked));
    json_object_set_new(f, "trusted", json_boolean(d->trusted));
    json_object_set_new(f, "chain_sent", json_string(d->chain_leaf_only ? "leaf" : "full"));
    json_object_set_new(f, "spki_sha256", json_string(m->pin));
    json_object_set_new(f, "sha256_fingerprint", json_string(m->fingerprint));
    json_t *defect = json_object();
    json_object_set_new(defect, "tag", json_string(d->defect));
    json_object_set_new(defect, "description", json_string(d->description));
    json_object_set_new(f, "defect", defect);
    json_object_set_new(f, "expect", json_string(d->expect));
    json_object_set_new(f, "severity", json_string(d->severity));
    json_object_set_new(f, "verify_error", d->verify_error ? json_string(d->verify_error)
                                                           : json_null());
    return f;
}

int pki_fixtures_write(const pki_spec *s, const made *all, const pki_gen_opts *o,
                       const char *dir, mp_err *e)
{
    outbuf trust = { 0 }, crls = { 0 }, pins = { 0 };
    int rc = -1;
    e->msg[0] = '\0';
    json_t *root = json_object(), *list = json_array();
    for (size_t i = 0; i < s->n; i++) {
        const pki_fixture_def *d = &s->defs[i];
        const made *m = &all[i];
        outbuf cert = { 0 }, chain = { 0 };
        char *rel = NULL;
        char *key_pem = NULL;
        size_t key_len = 0;
        int ok = append_pem(&cert, m->der, m->der_len, CERT_TYPE, e) == 0;
        ok = ok && write_in(dir, (rel = relpath(d->name, ".cert.pem")), cert.p, cert.len, 0644, e) == 0;
        free(rel);
        rel = NULL;
        pki_key *delivered = (pki_key *)(d->key_mismatch ? &m->other : &m->key);
        if (!m->import) { /* an imported CA's key is never written */
            ok = ok && pki_key_private_pem(delivered, &key_pem, &key_len, e) == 0;
            ok = ok && write_in(dir, (rel = relpath(d->name, ".key.pem")), key_pem, key_len, 0600, e) == 0;
            free(rel);
            rel = NULL;
        }
        if (key_pem) {
            memset(key_pem, 0, key_len);
            free(key_pem);
        }
        if (ok && d->role != PKI_ROLE_CA) {
            /* The leaf, then each issuer up to (not including) the root. */
            ok = ob_add(&chain, cert.p, cert.len) == 0;
            for (int k = d->chain_leaf_only ? -1 : d->issuer; ok && k >= 0;
                 k = s->defs[k].issuer) {
                if (all[k].import) {
                    /* The organization's CA and its chain, without a root. */
                    const pki_import_cert *c = all[k].import;
                    size_t n = c->root_included ? c->n - 1 : c->n;
                    for (size_t j = 0; ok && j < n; j++)
                        ok = append_pem(&chain, c->der[j], c->len[j], CERT_TYPE, e) == 0;
                    break;
                }
                if (s->defs[k].issuer < 0)
                    break;
                ok = append_pem(&chain, all[k].der, all[k].der_len, CERT_TYPE, e) == 0;
            }
            ok = ok && write_in(dir, (rel = relpath(d->name, ".chain.pem")), chain.p, chain.len, 0644, e) == 0;
            free(rel);
            rel = NULL;
        }
        if (ok && pki_is_crl_issuer(d)) {
            outbuf crl = { 0 };
            ok = append_pem(&crl, m->crl, m->crl_len, CRL_TYPE, e) == 0;
            ok = ok && write_in(dir, (rel = relpath(d->name, ".crl.pem")), crl.p, crl.len, 0644, e) == 0;
            free(rel);
            rel = NULL;
            ok = ok && write_in(dir, (rel = relpath(d->name, ".crl.der")), m->crl, m->crl_len, 0644, e) == 0;
            free(rel);
            rel = NULL;
            ok = ok && ob_add(&crls, crl.p, crl.len) == 0;
            free(crl.p);
            outbuf stale = { 0 };
            ok = ok && append_pem(&stale, m->crl_stale, m->crl_stale_len, CRL_TYPE, e) == 0;
            ok = ok && write_in(dir, (rel = relpath(d->name, ".crl-stale.pem")), stale.p, stale.len, 0644, e) == 0;
            free(rel);
            rel = NULL;
            ok = ok && write_in(dir, (rel = relpath(d->name, ".crl-stale.der")), m->crl_stale,
                                m->crl_stale_len, 0644, e) == 0;
            free(rel);
            rel = NULL;
            free(stale.p);
        }
        if (ok && d->trusted && m->import) {
            /* The organization's root, or its issuing CA when the file
             * stops there. */
            const pki_import_cert *c = m->import;
            ok = append_pem(&trust, c->der[c->anchor], c->len[c->anchor], CERT_TYPE, e) == 0;
        } else if (ok && d->trusted) {
            ok = ob_add(&trust, cert.p, cert.len) == 0;
        }
        ok = ok && ob_add(&pins, "sha256/", 7) == 0 && ob_add(&pins, m->pin, strlen(m->pin)) == 0 &&
             ob_add(&pins, "  ", 2) == 0 && ob_add(&pins, d->name, strlen(d->name)) == 0 &&
             ob_add(&pins, "\n", 1) == 0;
        free(cert.p);
        free(chain.p);
        if (!ok) {
            if (!e->msg[0])
                mp_fail(e, "out of memory");
            goto out;
        }
        json_array_append_new(list, fixture_json(s, i, all));
    }
    if (write_in(dir, "trust-bundle.pem", trust.p, trust.len, 0644, e) != 0 ||
        write_in(dir, "crl-bundle.pem", crls.p, crls.len, 0644, e) != 0 ||
        write_in(dir, "pins.txt", pins.p, pins.len, 0644, e) != 0)
        goto out;

    json_object_set_new(root, "version", json_integer(PKI_MANIFEST_VERSION));
    json_object_set_new(root, "generator", json_string(o->generator));
    json_object_set_new(root, "spec", json_string(o->spec_name));
    json_object_set_new(root, "now", iso_json(o->now));
    json_object_set_new(root, "seed", o->seeded ? json_integer((json_int_t)o->seed) : json_null());
    json_object_set_new(root, "key_type", json_string(o->key_type));
    json_t *hosts = json_array();
    for (size_t k = 0; k < o->n_hosts; k++)
        json_array_append_new(hosts, json_string(o->hosts[k]));
    json_object_set_new(root, "hosts", hosts);
    json_object_set_new(root, "trust_bundle", json_string("trust-bundle.pem"));
    json_object_set_new(root, "crl_bundle", json_string("crl-bundle.pem"));
    json_object_set_new(root, "pins", json_string("pins.txt"));
    json_object_set_new(root, "cert_days", json_integer(s->cert_days));
    json_object_set_new(root, "crl_days", json_integer(s->crl_days));
    json_t *omitted = json_array();
    for (size_t k = 0; k < s->n_omitted; k++) {
        json_t *x = json_object();
        json_object_set_new(x, "name", json_string(s->omitted[k].name));
        json_object_set_new(x, "reason", json_string(s->omitted[k].reason));
        json_array_append_new(omitted, x);
    }
    json_object_set_new(root, "omitted", omitted);
    json_object_set(root, "fixtures", list);
    char *mpath = fs_join(dir, "manifest.json");
    rc = mpath ? res_json_save(root, mpath, e) : mp_fail(e, "out of memory");
    free(mpath);
out:
    json_decref(list);
    json_decref(root);
    free(trust.p);
    free(crls.p);
    free(pins.p);
    return rc;
}
