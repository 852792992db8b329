/* Memoized ECDSA verification. A gateway sends the same certificate chain on
 * every handshake, and checking the same signature over the same digest with
 * the same key again gives the same answer: two of the three ECDSA
 * verifications of a TLS 1.3 mTLS handshake are repeats. The cache keys on
 * those exact inputs, compared byte for byte, and remembers only signatures
 * that verified, so a hit returns what a fresh verification would. Every
 * other signature (the CertificateVerify over each handshake's fresh
 * transcript) misses and is verified by wolfCrypt as usual. wolfSSL routes
 * both certificate-chain and handshake signatures through this callback.
 *
 * One cache per tls_client; the load engine gives each worker thread its own
 * client, so the cache takes no lock. Without the memo (memo 0) it only
 * verifies, and like with it keeps the last signature that failed, so that
 * a failure seen once in millions of handshakes can be examined. */
#include "tls/sigcache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>

#define SLOTS 8

typedef struct entry {
    uint16_t sig_len, key_len;
    uint8_t hash_len;
    uint8_t sig[144];   /* DER ECDSA-Sig-Value, P-521 at most 139 bytes */
    uint8_t hash[64];
    uint8_t key[160];   /* SubjectPublicKeyInfo, P-521 uncompressed 158 bytes */
    uint64_t used;      /* last use, for replacement */
} entry;

struct tls_sigcache {
    entry e[SLOTS];
    int n;
    int memo;
    uint64_t clock;
    unsigned long long hits, misses, overturned;
    int failed;             /* failure holds one not yet taken */
    tls_sig_failure failure;
};

tls_sigcache *tls_sigcache_new(int memo)
{
    tls_sigcache *c = calloc(1, sizeof(tls_sigcache));
    if (c)
        c->memo = memo;
    return c;
}

static void keep_failure(tls_sigcache *c, int rc, const unsigned char *sig, unsigned sig_len,
                         const unsigned char *hash, unsigned hash_len, const unsigned char *key, unsigned key_len)
{
    tls_sig_failure *f = &c->failure;
    memset(f, 0, sizeof *f);
    f->sig_len = sig_len < sizeof f->sig ? sig_len : (unsigned)sizeof f->sig;
    memcpy(f->sig, sig, f->sig_len);
    f->digest_len = hash_len < sizeof f->digest ? hash_len : (unsigned)sizeof f->digest;
    memcpy(f->digest, hash, f->digest_len);
    f->key_len = key_len < sizeof f->key ? key_len : (unsigned)sizeof f->key;
    memcpy(f->key, key, f->key_len);
    f->wolf_rc = rc;
    c->failed = 1;
}

int tls_sigcache_take_failure(tls_sigcache *c, tls_sig_failure *f)
{
    if (!c || !c->failed)
        return 0;
    *f = c->failure;
    c->failed = 0;
    return 1;
}

void tls_sigcache_free(tls_sigcache *c)
{
    free(c);
}

static int same(const entry *x, const unsigned char *sig, unsigned sig_len, const unsigned char *hash,
                unsigned hash_len, const unsigned char *key, unsigned key_len)
{
    return x->sig_len == sig_len && x->hash_len == hash_len && x->key_len == key_len &&
           memcmp(x->sig, sig, sig_len) == 0 && memcmp(x->hash, hash, hash_len) == 0 &&
           memcmp(x->key, key, key_len) == 0;
}

static void remember(tls_sigcache *c, const unsigned char *sig, unsigned sig_len, const unsigned char *hash,
                     unsigned hash_len, const unsigned char *key, unsigned key_len)
{
    if (sig_len > sizeof c->e[0].sig || hash_len > sizeof c->e[0].hash || key_len > sizeof c->e[0].key)
        return;
    entry *x = &c->e[0];
    if (c->n < SLOTS) {
        x = &c->e[c->n++];
    } else {
        for (int i = 1; i < SLOTS; i++)
            if (c->e[i].used < x->used)
                x = &c->e[i];
    }
    x->sig_len = (uint16_t)sig_len;
    x->hash_len = (uint8_t)hash_len;
    x->key_len = (uint16_t)key_len;
    memcpy(x->sig, sig, sig_len);
    memcpy(x->hash, hash, hash_len);
    memcpy(x->key, key, key_len);
    x->used = ++c->clock;
}

/* A second opinion on a P-256 signature the assembly refused: the same
 * public key on a custom curve with P-256's parameters, which wolfCrypt
 * verifies with its generic multi-precision code instead of the x86_64
 * assembly (wolfSSL 5.9.2's refuses about one valid signature in five
 * million: docs/robustness.md). 1 verified, 0 not, -1 no opinion. */
static int second_opinion(const ecc_key *sp_key, const unsigned char *sig, unsigned sig_len, const unsigned char *hash,
                          unsigned hash_len)
{
    if (!sp_key->dp || sp_key->dp->id != ECC_SECP256R1)
        return -1;
    byte point[1 + 2 * 32];
    word32 plen = sizeof point;
    if (wc_ecc_export_x963((ecc_key *)sp_key, point, &plen) != 0)
        return -1;
    ecc_set_type custom = *sp_key->dp;
    custom.id = ECC_CURVE_CUSTOM;
    ecc_key k;
    if (wc_ecc_init(&k) != 0)
        return -1;
    int result = 0;
    int rc = wc_ecc_set_custom_curve(&k, &custom);
    if (rc == 0)
        rc = wc_ecc_import_x963_ex(point, plen, &k, ECC_CURVE_CUSTOM);
    if (rc == 0)
        rc = wc_ecc_verify_hash(sig, sig_len, hash, hash_len, &result, &k);
    wc_ecc_free(&k);
    return rc == 0 ? result == 1 : -1;
}

int tls_sigcache_verify(tls_sigcache *c, const unsigned char *sig, unsigned sig_len, const unsigned char *hash,
                        unsigned hash_len, const unsigned char *key_der, unsigned key_len, int *result)
{
    *result = 0;
    if (c && c->memo) {
        for (int i = 0; i < c->n; i++) {
            if (same(&c->e[i], sig, sig_len, hash, hash_len, key_der, key_len)) {
                c->e[i].used = ++c->clock;
                c->hits++;
                *result = 1;
                return 0;
            }
        }
        c->misses++;
    }
    ecc_key key;
    if (wc_ecc_init(&key) != 0)
        return MEMORY_E;
    word32 idx = 0;
    int rc = wc_EccPublicKeyDecode(key_der, &idx, &key, key_len);
    if (rc == 0)
        rc = wc_ecc_verify_hash(sig, sig_len, hash, hash_len, result, &key);
    if (rc == 0 && *result != 1 && second_opinion(&key, sig, sig_len, hash, hash_len) == 1) {
        *result = 1; /* the generic code verified what the assembly refused */
        if (c)
            c->overturned++;
    }
    wc_ecc_free(&key);
    if (rc == 0 && *result == 1 && c && c->memo)
        remember(c, sig, sig_len, hash, hash_len, key_der, key_len);
    else if (c && (rc != 0 || *result != 1))
        keep_failure(c, rc, sig, sig_len, hash, hash_len, key_der, key_len);
    return rc;
}

static int verify_cb(WOLFSSL *ssl, const unsigned char *sig, unsigned int sig_len, const unsigned char *hash,
                     unsigned int hash_len, const unsigned char *key_der, unsigned int key_len, int *result,
                     void *ctx)
{
    (void)ssl;
    return tls_sigcache_verify(ctx, sig, sig_len, hash, hash_len, key_der, key_len, result);
}

void tls_sigcache_install(WOLFSSL_CTX *ctx)
{
    wolfSSL_CTX_SetEccVerifyCb(ctx, verify_cb);
}

void tls_sigcache_attach(WOLFSSL *ssl, tls_sigcache *c)
{
    wolfSSL_SetEccVerifyCtx(ssl, c);
}

void tls_sigcache_stats(const tls_sigcache *c, unsigned long long *hits, unsigned long long *misses)
{
    *hits = c ? c->hits : 0;
    *misses = c ? c->misses : 0;
}

unsigned long long tls_sigcache_overturned(const tls_sigcache *c)
{
    return c ? c->overturned : 0;
}
