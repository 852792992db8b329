/* manifest.json reader. A manifest from a newer schema version is refused
 * rather than half-understood. */
#define _DEFAULT_SOURCE
#include "pki/manifest.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "pki/der.h"
#include "pki/fixtures.h"
#include "pki/identity.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/timeutil.h"

static char *abs_in(const char *dir, const char *rel)
{
    if (!rel)
        return NULL;
    if (rel[0] == '/')
        return strdup(rel);
    return fs_join(dir, rel);
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t iso_field(json_t *o, const char *k)
{
    const char *s = str(o, k);
    int64_t t;
    mp_err ignored;
    if (!s || tm_parse_instant(s, &t, &ignored) != 0)
        return 0;
    return t;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int pki_manifest_load(pki_manifest *m, const char *path, mp_err *e)
{
    memset(m, 0, sizeof *m);
    struct stat st;
    char *file, *dir;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        file = fs_join(path, "manifest.json");
        dir = strdup(path);
    } else {
        file = strdup(path);
        const char *slash = strrchr(path, '/');
        dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    }
    char *text = NULL;
    size_t len = 0;
    int rc = -1;
    if (!file || !dir)
        mp_fail(e, "out of memory");
    else if (fs_read_file(file, &text, &len, e) != 0)
        mp_fail(e, "no fixtures manifest at %s (generate one with mtlsprobe fixtures --out DIR)", file);
    else
        rc = pki_manifest_parse(m, text, len, dir, file, e);
    free(text);
    free(file);
    free(dir);
    return rc;
}

int pki_manifest_parse(pki_manifest *m, const char *text, size_t len, const char *dir,
                       const char *file, mp_err *e)
{
    memset(m, 0, sizeof *m);
    m->dir = strdup(dir);
    if (!m->dir)
        return mp_fail(e, "out of memory");
    uint8_t digest[WC_SHA256_DIGEST_SIZE];
    wc_Sha256Hash((const byte *)text, (word32)len, digest);
    der_hex(digest, sizeof digest, 0, m->sha256, sizeof m->sha256);
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    int rc = -1;
    if (!root) {
        mp_fail(e, "%s:%d: not valid JSON: %s", file, je.line, je.text);
        goto out;
    }
    json_t *ver = json_object_get(root, "version");
    if (!json_is_integer(ver)) {
        mp_fail(e, "%s: no schema version", file);
        goto out;
    }
    if (json_integer_value(ver) > PKI_MANIFEST_VERSION) {
        mp_fail(e, "%s: schema version %lld is newer than this mtlsprobe reads (%d); upgrade mtlsprobe",
                file, (long long)json_integer_value(ver), PKI_MANIFEST_VERSION);
        goto out;
    }
    json_t *list = json_object_get(root, "fixtures");
    if (!json_is_array(list) || !str(root, "trust_bundle")) {
        mp_fail(e, "%s: missing 'fixtures' or 'trust_bundle'", file);
        goto out;
    }
    m->trust_bundle = abs_in(m->dir, str(root, "trust_bundle"));
    m->crl_bundle = abs_in(m->dir, str(root, "crl_bundle"));
    m->entries = calloc(json_array_size(list) + 1, sizeof *m->entries);
    if (!m->trust_bundle || !m->entries) {
        mp_fail(e, "out of memory");
        goto out;
    }
    size_t i;
    json_t *f;
    json_array_foreach(list, i, f) {
        const char *name = str(f, "name"), *cert = str(f, "cert"), *key = str(f, "key");
        int imported = json_is_true(json_object_get(f, "imported"));
        if (!name || !cert || (!key && !imported)) {
            mp_fail(e, "%s: fixture %zu lacks name, cert or key", file, i);
            goto out;
        }
        pki_manifest_entry *x = &m->entries[m->n++];
        x->name = strdup(name);
        x->role = dup_or_null(str(f, "role"));
        x->cert = abs_in(m->dir, cert);
        x->key = key ? abs_in(m->dir, key) : NULL;
        x->imported = imported;
        x->not_before = iso_field(f, "not_before");
        x->not_after = iso_field(f, "not_after");
        x->crl_next_update = iso_field(f, "crl_next_update");
        x->chain = abs_in(m->dir, str(f, "chain"));
        x->crl = abs_in(m->dir, str(f, "crl"));
        x->expect = dup_or_null(str(f, "expect"));
        x->severity = dup_or_null(str(f, "severity"));
        json_t *d = json_object_get(f, "defect");
        x->defect = dup_or_null(json_is_object(d) ? str(d, "tag") : NULL);
        x->spki_sha256 = dup_or_null(str(f, "spki_sha256"));
        x->subject = dup_or_null(str(f, "subject"));
        x->issuer = dup_or_null(str(f, "issuer"));
        x->serial = dup_or_null(str(f, "serial"));
        x->fingerprint = dup_or_null(str(f, "sha256_fingerprint"));
        x->crl_der = abs_in(m->dir, str(f, "crl_der"));
        x->crl_stale = abs_in(m->dir, str(f, "crl_stale"));
        x->crl_stale_der = abs_in(m->dir, str(f, "crl_stale_der"));
        x->revoked = json_is_true(json_object_get(f, "revoked"));
        x->is_ca = json_is_true(json_object_get(f, "is_ca"));
        json_t *eku = json_object_get(f, "eku"), *u;
        size_t k;
        json_array_foreach(eku, k, u)
            if (json_is_string(u) && strcmp(json_string_value(u), "OCSPSigning") == 0)
                x->ocsp_signing = 1;
        if (!x->name || !x->cert || (key && !x->key)) {
            mp_fail(e, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    json_decref(root);
    if (rc != 0)
        pki_manifest_free(m);
    return rc;
}

void pki_manifest_free(pki_manifest *m)
{
    for (size_t i = 0; i < m->n; i++) {
        pki_manifest_entry *x = &m->entries[i];
        char *s[] = { x->name, x->role, x->cert, x->key, x->chain, x->crl, x->expect,
                      x->severity, x->defect, x->spki_sha256, x->subject, x->issuer,
                      x->serial, x->fingerprint, x->crl_der, x->crl_stale, x->crl_stale_der };
        for (size_t k = 0; k < sizeof s / sizeof s[0]; k++)
            free(s[k]);
        if (x->identity) {
            pki_identity_free(x->identity);
            free(x->identity);
        }
    }
    free(m->entries);
    free(m->dir);
    free(m->trust_bundle);
    free(m->crl_bundle);
    memset(m, 0, sizeof *m);
}

const pki_manifest_entry *pki_manifest_find(const pki_manifest *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->entries[i].name, name) == 0)
            return &m->entries[i];
    return NULL;
}

static int replace(char **field, const char *value)
{
    char *v = value ? strdup(value) : NULL;
    if (value && !v)
        return -1;
    free(*field);
    *field = v;
    return 0;
}

int pki_manifest_set_identity(pki_manifest *m, const char *name, pki_identity *id, mp_err *e)
{
    pki_manifest_entry *x = (pki_manifest_entry *)pki_manifest_find(m, name);
    if (!x || !x->chain || !x->role || (strcmp(x->role, "client") != 0 && strcmp(x->role, "server") != 0)) {
        pki_identity_free(id);
        free(id);
        return mp_fail(e, "'%s' is not a client or server fixture in %s/manifest.json", name, m->dir);
    }
    if (x->identity) {
        pki_identity_free(x->identity);
        free(x->identity);
    }
    x->identity = id;
    /* The issuer and revocation of a fixture say nothing about the user's
     * certificate. */
    if (replace(&x->cert, id->cert_path) || replace(&x->chain, id->cert_path) ||
        replace(&x->key, id->key_path ? id->key_path : id->cert_path) ||
        replace(&x->subject, id->subject) || replace(&x->fingerprint, id->fingerprint) ||
        replace(&x->spki_sha256, id->spki_sha256) || replace(&x->serial, id->serial) ||
        replace(&x->issuer, NULL))
        return mp_fail(e, "out of memory");
    x->revoked = 0;
    /* Its own validity, so that run's stale check judges the user's
     * certificate, not the fixture it replaces. */
    x->not_before = id->not_before;
    x->not_after = id->not_after;
    return 0;
}

/* A name the fixtures lack, client/NAME or server/NAME, becomes a new
 * entry with no expectation (for --upstream-client-cert, say). Called
 * before anything holds a pointer into m->entries. */
static int add_entry(pki_manifest *m, const char *name, mp_err *e)
{
    const char *role = strncmp(name, "client/", 7) == 0 && name[7] ? "client"
                       : strncmp(name, "server/", 7) == 0 && name[7] ? "server" : NULL;
    if (!role)
        return mp_fail(e, "--identity: '%s' is not a fixture in %s/manifest.json, nor a new "
                          "client/NAME or server/NAME", name, m->dir);
    pki_manifest_entry *grown = realloc(m->entries, (m->n + 2) * sizeof *grown);
    if (!grown)
        return mp_fail(e, "out of memory");
    m->entries = grown;
    pki_manifest_entry *x = &m->entries[m->n];
    memset(x, 0, 2 * sizeof *x);
    x->name = strdup(name);
    x->role = strdup(role);
    x->chain = strdup("");
    if (!x->name || !x->role || !x->chain) {
        free(x->name);
        free(x->role);
        free(x->chain);
        memset(x, 0, sizeof *x);
        return mp_fail(e, "out of memory");
    }
    m->n++;
    return 0;
}

const char *pki_manifest_closest(const pki_manifest *m, const char *name)
{
    const char **names = m->n ? malloc(m->n * sizeof *names) : NULL;
    if (!names)
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        names[i] = m->entries[i].name;
    const char *best = str_closest(name, names, m->n);
    free(names);
    return best;
}

int pki_manifest_identity_spec(pki_manifest *m, const char *spec, const char *pass, mp_err *e)
{
    const char *eq = strchr(spec, '=');
    char name[256];
    if (!eq || eq == spec || !eq[1] || (size_t)(eq - spec) >= sizeof name)
        return mp_fail(e, "--identity '%s': expected NAME=CERT[,KEY], e.g. client/valid=me.p12", spec);
    memcpy(name, spec, (size_t)(eq - spec));
    name[eq - spec] = '\0';
    const pki_manifest_entry *x = pki_manifest_find(m, name);
    if (!x && add_entry(m, name, e) != 0)
        return -1;
    x = pki_manifest_find(m, name);
    if (!x || !x->chain || !x->role || (strcmp(x->role, "client") != 0 && strcmp(x->role, "server") != 0))
        return mp_fail(e, "--identity: '%s' is not a client or server fixture in %s/manifest.json", name, m->dir);
    pki_identity *id = calloc(1, sizeof *id);
    if (!id)
        return mp_fail(e, "out of memory");
    if (pki_identity_load_spec(id, eq + 1, pass, e) != 0) {
        free(id);
        return mp_wrap(e, "--identity %s", name);
    }
    return pki_manifest_set_identity(m, name, id, e);
}
