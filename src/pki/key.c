/* Key generation. Reproducible keys (`fixtures --seed`) come from wolfCrypt's
 * own Hash_DRBG, instantiated from seed material we supply through
 * wc_SetSeed_Cb; so RSA, EC and Ed25519 generation all stay wolfCrypt's code,
 * and the only thing we control is the DRBG's entropy input. The material is
 * per thread, so concurrent users of wolfCrypt are unaffected. */
#include "pki/key.h"

#include <stdlib.h>
#include <string.h>

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/sha256.h>

static const struct {
    const char *name;
    int rsa_bits;   /* 0 for non-RSA */
    int ecc_curve;  /* ECC_CURVE_INVALID for non-EC */
    int ecc_size;
} key_types[PKI_KEY_TYPE_COUNT] = {
    [PKI_KEY_EC_P256] = { "ec-p256", 0, ECC_SECP256R1, 32 },
    [PKI_KEY_EC_P384] = { "ec-p384", 0, ECC_SECP384R1, 48 },
    [PKI_KEY_EC_P521] = { "ec-p521", 0, ECC_SECP521R1, 66 },
    [PKI_KEY_RSA_1024] = { "rsa-1024", 1024, ECC_CURVE_INVALID, 0 },
    [PKI_KEY_RSA_2048] = { "rsa-2048", 2048, ECC_CURVE_INVALID, 0 },
    [PKI_KEY_RSA_3072] = { "rsa-3072", 3072, ECC_CURVE_INVALID, 0 },
    [PKI_KEY_RSA_4096] = { "rsa-4096", 4096, ECC_CURVE_INVALID, 0 },
    [PKI_KEY_ED25519] = { "ed25519", 0, ECC_CURVE_INVALID, 0 },
};

int pki_key_type_parse(const char *name, pki_key_type *out)
{
    for (int i = 0; i < PKI_KEY_TYPE_COUNT; i++) {
        if (strcmp(name, key_types[i].name) == 0) {
            *out = (pki_key_type)i;
            return 0;
        }
    }
    return -1;
}

const char *pki_key_type_name(pki_key_type t)
{
    return (t >= 0 && t < PKI_KEY_TYPE_COUNT) ? key_types[t].name : "?";
}

const char *pki_key_type_list(void)
{
    return "ec-p256, ec-p384, ec-p521, rsa-1024, rsa-2048, rsa-3072, rsa-4096, ed25519";
}

int pki_key_type_is_rsa(pki_key_type t)
{
    return key_types[t].rsa_bits != 0;
}

/* ---- seeded RNG -------------------------------------------------------- */

typedef struct seed_stream {
    int active;
    uint8_t key[WC_SHA256_DIGEST_SIZE];
    uint64_t counter;
} seed_stream;

static _Thread_local seed_stream tl_seed;

/* A thread's pool of seed material (pki/seedpool.h). */
typedef struct seed_pool {
    WC_RNG rng;
    int ready;
    int drawing; /* the pool's own reseed comes from the system */
} seed_pool;

static _Thread_local seed_pool *tl_pool;

static int seed_cb(OS_Seed *os, byte *out, word32 sz)
{
    if (!tl_seed.active) {
        seed_pool *p = tl_pool;
        if (p && p->ready && !p->drawing) {
            p->drawing = 1;
            int rc = wc_RNG_GenerateBlock(&p->rng, out, sz);
            p->drawing = 0;
            if (rc == 0)
                return 0;
        }
        return wc_GenerateSeed(os, out, sz);
    }
    while (sz > 0) {
        uint8_t block[WC_SHA256_DIGEST_SIZE];
        uint8_t ctr[8];
        wc_Sha256 sha;
        for (int i = 0; i < 8; i++)
            ctr[i] = (uint8_t)(tl_seed.counter >> (8 * i));
        tl_seed.counter++;
        if (wc_InitSha256(&sha) != 0)
            return RNG_FAILURE_E;
        wc_Sha256Update(&sha, tl_seed.key, sizeof tl_seed.key);
        wc_Sha256Update(&sha, ctr, sizeof ctr);
        wc_Sha256Final(&sha, block);
        wc_Sha256Free(&sha);
        word32 n = sz < sizeof block ? sz : (word32)sizeof block;
        memcpy(out, block, n);
        out += n;
        sz -= n;
    }
    return 0;
}

int pki_rng_init(WC_RNG *rng, const uint8_t *seed, size_t seed_len, mp_err *e)
{
    /* Installing the same callback again is harmless; it only changes
     * behaviour while this thread has seed material active. */
    wc_SetSeed_Cb(seed_cb);
    if (seed) {
        wc_Sha256 sha;
        wc_InitSha256(&sha);
        wc_Sha256Update(&sha, seed, (word32)seed_len);
        wc_Sha256Final(&sha, tl_seed.key);
        wc_Sha256Free(&sha);
        tl_seed.counter = 0;
        tl_seed.active = 1;
    }
    int rc = wc_InitRng(rng);
    tl_seed.active = 0;
    memset(tl_seed.key, 0, sizeof tl_seed.key);
    if (rc != 0)
        return mp_fail(e, "cannot initialise the random generator: %s", wc_GetErrorString(rc));
    return 0;
}

void pki_rng_free(WC_RNG *rng)
{
    wc_FreeRng(rng);
}

int pki_seed_pool_start(mp_err *e)
{
    if (tl_pool)
        return 0;
    seed_pool *p = calloc(1, sizeof *p);
    if (!p)
        return mp_fail(e, "out of memory");
    wc_SetSeed_Cb(seed_cb);
    tl_pool = p; /* not ready: its own seed comes from the system */
    int rc = wc_InitRng(&p->rng);
    if (rc != 0) {
        tl_pool = NULL;
        free(p);
        return mp_fail(e, "cannot initialise the random generator: %s", wc_GetErrorString(rc));
    }
    p->ready = 1;
    return 0;
}

void pki_seed_pool_stop(void)
{
    seed_pool *p = tl_pool;
    if (!p)
        return;
    tl_pool = NULL;
    wc_FreeRng(&p->rng);
    free(p);
}

/* ---- keys -------------------------------------------------------------- */

int pki_key_generate(pki_key *k, pki_key_type t, WC_RNG *rng, mp_err *e)
{
    int rc;
    memset(k, 0, sizeof *k);
    k->type = t;
    if (key_types[t].rsa_bits) {
        if ((rc = wc_InitRsaKey(&k->u.rsa, NULL)) != 0)
            return mp_fail(e, "RSA init: %s", wc_GetErrorString(rc));
        k->ready = 1;
        /* No wc_RsaSetRNG: every signing call passes its own RNG, and a CA
         * key outlives the RNG it was generated with. */
        rc = wc_MakeRsaKey(&k->u.rsa, key_types[t].rsa_bits, WC_RSA_EXPONENT, rng);
    } else if (t == PKI_KEY_ED25519) {
        if ((rc = wc_ed25519_init(&k->u.ed)) != 0)
            return mp_fail(e, "Ed25519 init: %s", wc_GetErrorString(rc));
        k->ready = 1;
        rc = wc_ed25519_make_key(rng, ED25519_KEY_SIZE, &k->u.ed);
    } else {
        if ((rc = wc_ecc_init(&k->u.ecc)) != 0)
            return mp_fail(e, "EC init: %s", wc_GetErrorString(rc));
        k->ready = 1;
        rc = wc_ecc_make_key_ex(rng, key_types[t].ecc_size, &k->u.ecc,
                                key_types[t].ecc_curve);
    }
    if (rc != 0) {
        pki_key_free(k);
        return mp_fail(e, "cannot generate a %s key: %s", key_types[t].name,
                       wc_GetErrorString(rc));
    }
    return 0;
}

void pki_key_free(pki_key *k)
{
    if (!k->ready)
        return;
    if (key_types[k->type].rsa_bits)
        wc_FreeRsaKey(&k->u.rsa);
    else if (k->type == PKI_KEY_ED25519)
        wc_ed25519_free(&k->u.ed);
    else
        wc_ecc_free(&k->u.ecc);
    k->ready = 0;
}

int pki_key_wc_type(const pki_key *k)
{
    if (key_types[k->type].rsa_bits)
        return RSA_TYPE;
    if (k->type == PKI_KEY_ED25519)
        return ED25519_TYPE;
    return ECC_TYPE;
}

void *pki_key_wc_ptr(pki_key *k)
{
    if (key_types[k->type].rsa_bits)
        return &k->u.rsa;
    if (k->type == PKI_KEY_ED25519)
        return &k->u.ed;
    return &k->u.ecc;
}

int pki_der_to_pem(const uint8_t *der, size_t der_len, int type, char **pem,
                   size_t *pem_len, mp_err *e)
{
    int need = wc_DerToPem(der, (word32)der_len, NULL, 0, type);
    if (need <= 0)
        return mp_fail(e, "PEM encoding failed: %s", wc_GetErrorString(need));
    char *out = malloc((size_t)need + 1);
    if (!out)
        return mp_fail(e, "out of memory");
    int n = wc_DerToPem(der, (word32)der_len, (byte *)out, (word32)need, type);
    if (n <= 0) {
        free(out);
        return mp_fail(e, "PEM encoding failed: %s", wc_GetErrorString(n));
    }
    out[n] = '\0';
    *pem = out;
    if (pem_len)
        *pem_len = (size_t)n;
    return 0;
}

int pki_key_private_pem(pki_key *k, char **pem, size_t *len, mp_err *e)
{
    uint8_t der[8192];
    int n, type;
    if (key_types[k->type].rsa_bits) {
        n = wc_RsaKeyToDer(&k->u.rsa, der, sizeof der);
        type = PRIVATEKEY_TYPE;
    } else if (k->type == PKI_KEY_ED25519) {
        /* PKCS#8 v1 without the optional public key: wolfSSL's v2 form omits
         * the BIT STRING's unused-bits octet, which OpenSSL refuses. */
        n = wc_Ed25519PrivateKeyToDer(&k->u.ed, der, sizeof der);
        type = PKCS8_PRIVATEKEY_TYPE;
    } else {
        n = wc_EccKeyToDer(&k->u.ecc, der, sizeof der);
        type = ECC_PRIVATEKEY_TYPE;
    }
    if (n <= 0)
        return mp_fail(e, "cannot encode the %s private key: %s",
                       key_types[k->type].name, wc_GetErrorString(n));
    int rc = pki_der_to_pem(der, (size_t)n, type, pem, len, e);
    wc_ForceZero(der, sizeof der);
    return rc;
}

int pki_spki_pin(const uint8_t *spki, size_t len, char out[45], mp_err *e)
{
    uint8_t digest[WC_SHA256_DIGEST_SIZE];
    int rc = wc_Sha256Hash(spki, (word32)len, digest);
    if (rc != 0)
        return mp_fail(e, "SHA-256 failed: %s", wc_GetErrorString(rc));
    word32 olen = 45;
    rc = Base64_Encode_NoNl(digest, sizeof digest, (byte *)out, &olen);
    if (rc != 0)
        return mp_fail(e, "base64 failed: %s", wc_GetErrorString(rc));
    out[olen] = '\0';
    return 0;
}
