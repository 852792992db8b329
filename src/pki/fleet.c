/* Client fleets: thousands of identities for `load`, made before the
 * measured period. The one decision: each issued member is a P-256 key and
 * a leaf signed by the fixture set's issuing CA, stored as DER in a single
 * arena, so that a worker presents member i by handing two pointers to the
 * TLS layer; nothing is parsed from PEM or allocated by us per handshake. */
#define _DEFAULT_SOURCE
#include "pki/fleet.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "pki/cert.h"
#include "pki/key.h"
#include "pki/secret.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define LEAF_MAX 1024 /* a P-256 leaf under a P-256 or RSA-4096 CA fits easily */
#define KEY_MAX 160   /* SEC1 P-256 private key: 121 bytes */

/* The CA's private key from DER: EC (P-256, P-384, P-521) or RSA. */
static int ca_key_decode(pki_key *k, const uint8_t *der, size_t len, const char *path, mp_err *e)
{
    word32 idx = 0;
    memset(k, 0, sizeof *k);
    if (wc_ecc_init(&k->u.ecc) == 0) {
        if (wc_EccPrivateKeyDecode(der, &idx, &k->u.ecc, (word32)len) == 0) {
            int size = wc_ecc_size(&k->u.ecc);
            k->type = size == 48 ? PKI_KEY_EC_P384 : size == 66 ? PKI_KEY_EC_P521 : PKI_KEY_EC_P256;
            k->ready = 1;
            return 0;
        }
        wc_ecc_free(&k->u.ecc);
    }
    idx = 0;
    memset(k, 0, sizeof *k);
    if (wc_InitRsaKey(&k->u.rsa, NULL) == 0) {
        if (wc_RsaPrivateKeyDecode(der, &idx, &k->u.rsa, (word32)len) == 0) {
            int bits = wc_RsaEncryptSize(&k->u.rsa) * 8;
            k->type = bits <= 2048 ? PKI_KEY_RSA_2048 : bits <= 3072 ? PKI_KEY_RSA_3072 : PKI_KEY_RSA_4096;
            k->ready = 1;
            return 0;
        }
        wc_FreeRsaKey(&k->u.rsa);
    }
    return mp_fail(e, "%s: an EC or RSA private key is needed to issue a client fleet", path);
}

int pki_fleet_issue(pki_fleet *f, const char *ca_cert, const char *ca_key, size_t n, mp_err *e)
{
    memset(f, 0, sizeof *f);
    int64_t t0 = tm_mono_ns();
    uint8_t *ca_der = NULL, *key_der = NULL, *leaf = NULL;
    size_t ca_len = 0, key_len = 0, leaf_len = 0;
    pki_key ca, k;
    memset(&ca, 0, sizeof ca);
    memset(&k, 0, sizeof k);
    WC_RNG rng;
    int rc = -1, have_rng = 0;
    if (pki_pem_file_der(ca_cert, 0, &ca_der, &ca_len, e) != 0 ||
        pki_pem_file_der(ca_key, 1, &key_der, &key_len, e) != 0 ||
        ca_key_decode(&ca, key_der, key_len, ca_key, e) != 0)
        goto out;
    if (pki_rng_init(&rng, NULL, 0, e) != 0)
        goto out;
    have_rng = 1;
    f->members = calloc(n, sizeof *f->members);
    f->arena = malloc(n * (LEAF_MAX + KEY_MAX));
    if (!f->members || !f->arena) {
        mp_fail(e, "out of memory for %zu client identities", n);
        goto out;
    }
    int64_t now = (int64_t)time(NULL);
    uint8_t *p = f->arena;
    for (size_t i = 0; i < n; i++) {
        char subject[96];
        uint8_t serial[16];
        snprintf(subject, sizeof subject, "CN=fleet-%06zu,OU=client fleet,O=mtlsprobe fixtures", i + 1);
        if (wc_RNG_GenerateBlock(&rng, serial, sizeof serial) != 0) {
            mp_fail(e, "random serial failed");
            goto out;
        }
        serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x01); /* positive, 16 bytes */
        if (pki_key_generate(&k, PKI_KEY_EC_P256, &rng, e) != 0)
            goto out;
        pki_cert_params cp;
        memset(&cp, 0, sizeof cp);
        cp.subject = subject;
        cp.key = &k;
        cp.issuer_cert = ca_der;
        cp.issuer_cert_len = ca_len;
        cp.issuer_key = &ca;
        cp.not_before = now - 3600;
        cp.not_after = now + 90 * 86400;
        cp.serial = serial;
        cp.serial_len = sizeof serial;
        cp.pathlen = -1;
        cp.key_usage = "digitalSignature";
        cp.eku = "clientAuth";
        cp.hash = PKI_HASH_SHA256;
        uint8_t skid[32];
        size_t skid_len;
        if (pki_cert_make(&cp, &rng, &leaf, &leaf_len, skid, &skid_len, e) != 0)
            goto out;
        if (leaf_len > LEAF_MAX) {
            mp_fail(e, "a fleet certificate of %zu bytes does not fit", leaf_len);
            goto out;
        }
        memcpy(p, leaf, leaf_len);
        free(leaf);
        leaf = NULL;
        int kl = wc_EccKeyToDer(&k.u.ecc, p + LEAF_MAX, KEY_MAX);
        pki_key_free(&k);
        if (kl <= 0) {
            mp_fail(e, "cannot encode a fleet key");
            goto out;
        }
        f->members[i] = (pki_fleet_member){ p, leaf_len, p + LEAF_MAX, (size_t)kl };
        p += LEAF_MAX + KEY_MAX;
        f->n = i + 1;
    }
    f->seconds = (double)(tm_mono_ns() - t0) / 1e9;
    rc = 0;
out:
    if (rc != 0) {
        mp_wrap(e, "client fleet");
        pki_fleet_free(f);
    }
    free(leaf);
    pki_key_free(&k);
    pki_key_free(&ca);
    if (have_rng)
        pki_rng_free(&rng);
    free(ca_der);
    free(key_der);
    return rc;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a > b && strcmp(s + a - b, suf) == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pki_fleet_read_dir(pki_fleet *f, const char *dir, mp_err *e)
{
    memset(f, 0, sizeof *f);
    f->pem = 1;
    int64_t t0 = tm_mono_ns();
    DIR *d = opendir(dir);
    if (!d)
        return mp_fail(e, "--client-dir %s: cannot open it", dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    int rc = -1;
    while ((de = readdir(d))) {
        if (!has_suffix(de->d_name, ".cert.pem") && !has_suffix(de->d_name, ".crt"))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name)))
            break;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    /* first pass: sizes; second: copy into the arena */
    char **certs = calloc(n ? n : 1, sizeof *certs), **keys = calloc(n ? n : 1, sizeof *keys);
    size_t *cl = calloc(n ? n : 1, sizeof *cl), *kl = calloc(n ? n : 1, sizeof *kl), total = 0, m = 0;
    if (!certs || !keys || !cl || !kl) {
        mp_fail(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char base[1024], path[1200];
        size_t bl = strlen(names[i]) - (has_suffix(names[i], ".crt") ? 4 : 9);
        snprintf(base, sizeof base, "%.*s", (int)bl, names[i]);
        snprintf(path, sizeof path, "%s/%s.key.pem", dir, base);
        if (!fs_exists(path))
            snprintf(path, sizeof path, "%s/%s.key", dir, base);
        if (!fs_exists(path))
            continue; /* a chain or CA file without a key */
        char cpath[1200];
        snprintf(cpath, sizeof cpath, "%s/%s", dir, names[i]);
        if (fs_read_file(cpath, &certs[m], &cl[m], e) != 0 || fs_read_file(path, &keys[m], &kl[m], e) != 0)
            goto out;
        total += cl[m] + kl[m] + 2;
        m++;
    }
    if (m == 0) {
        mp_fail(e, "--client-dir %s: no NAME.cert.pem (or NAME.crt) with a NAME.key.pem (or NAME.key)", dir);
        goto out;
    }
    f->members = calloc(m, sizeof *f->members);
    f->arena = malloc(total);
    if (!f->members || !f->arena) {
        mp_fail(e, "out of memory");
        goto out;
    }
    uint8_t *p = f->arena;
    for (size_t i = 0; i < m; i++) {
        memcpy(p, certs[i], cl[i] + 1);
        f->members[i].cert = p;
        f->members[i].cert_len = cl[i];
        p += cl[i] + 1;
        memcpy(p, keys[i], kl[i] + 1);
        f->members[i].key = p;
        f->members[i].key_len = kl[i];
        p += kl[i] + 1;
    }
    f->n = m;
    f->seconds = (double)(tm_mono_ns() - t0) / 1e9;
    rc = 0;
out:
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
        if (certs && i < n) free(certs[i]);
        if (keys && i < n) free(keys[i]);
    }
    free(names);
    free(certs);
    free(keys);
    free(cl);
    free(kl);
    if (rc != 0)
        pki_fleet_free(f);
    return rc;
}

void pki_fleet_free(pki_fleet *f)
{
    free(f->members);
    free(f->arena);
    memset(f, 0, sizeof *f);
}
