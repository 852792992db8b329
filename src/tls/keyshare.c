/* Reused ephemeral key shares, for load only. A TLS 1.3 client makes a new
 * key pair for its key share on every handshake; for a load generator that
 * is work on its own side which the gateway does not see. With
 * --reuse-key-share each worker's client keeps one X25519 key (and one on
 * the first NIST curve it offers) for a set time, through wolfSSL's static
 * ephemeral keys: the ClientHello then carries the same public value until
 * the keys are renewed. The gateway still makes its own fresh key, computes
 * the shared secret and signs as always; only the load client's forward
 * secrecy is weakened, which is why it is off by default and said in the
 * summary when on.
 *
 * What it saves depends on the group: an ECDH key is loaded with its public
 * point, so no key generation remains; wolfSSL rebuilds an X25519 public key
 * from the private one on every load, so for X25519 only the random draw is
 * saved. One tls_keyshare per client context: the load engine gives each
 * worker thread its own, so no lock is taken here. */
#include "tls/keyshare.h"

#include <stdlib.h>
#include <string.h>

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/curve25519.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include "util/timeutil.h"

struct tls_keyshare {
    WC_RNG rng;
    int64_t lifetime_ns;
    int64_t made_ns;
    int ecc_curve;      /* wolfCrypt's ECC_SECP* id, 0: none */
    int ecc_size;
    uint64_t made;
};

static int ecc_curve_of(int group, int *size)
{
    switch (group) {
    case WOLFSSL_ECC_SECP256R1: *size = 32; return ECC_SECP256R1;
    case WOLFSSL_ECC_SECP384R1: *size = 48; return ECC_SECP384R1;
    case WOLFSSL_ECC_SECP521R1: *size = 66; return ECC_SECP521R1;
    default: *size = 0; return 0;
    }
}

/* Hands wolfSSL a key as DER (len > 0) or reports why there is none (len is
 * then wolfCrypt's error), and wipes the DER either way. */
static int set_key(WOLFSSL_CTX *ctx, int type, byte *der, size_t der_size, int len, const char *what, mp_err *e)
{
    /* 0 on success, unlike most of wolfSSL's API */
    int ret = len > 0 ? wolfSSL_CTX_set_ephemeral_key(ctx, type, (const char *)der, (unsigned)len,
                                                      WOLFSSL_FILETYPE_ASN1) : len;
    memset(der, 0, der_size);
    if (ret != 0)
        return mp_fail(e, "cannot make the reused %s key share (wolfSSL error %d)", what, ret);
    return 0;
}

static int make_x25519(tls_keyshare *k, WOLFSSL_CTX *ctx, mp_err *e)
{
    curve25519_key key;
    byte der[128];
    int ret = wc_curve25519_init(&key);
    if (ret == 0)
        ret = wc_curve25519_make_key(&k->rng, CURVE25519_KEYSIZE, &key);
    int len = ret == 0 ? wc_Curve25519PrivateKeyToDer(&key, der, sizeof der) : ret;
    wc_curve25519_free(&key);
    return set_key(ctx, WC_PK_TYPE_CURVE25519, der, sizeof der, len, "X25519", e);
}

static int make_ecc(tls_keyshare *k, WOLFSSL_CTX *ctx, mp_err *e)
{
    ecc_key key;
    byte der[256];
    int ret = wc_ecc_init(&key);
    if (ret == 0)
        ret = wc_ecc_make_key_ex(&k->rng, k->ecc_size, &key, k->ecc_curve);
    /* SEC 1 form, with the public point: loading it costs no point multiplication. */
    int len = ret == 0 ? wc_EccKeyToDer(&key, der, sizeof der) : ret;
    wc_ecc_free(&key);
    return set_key(ctx, WC_PK_TYPE_ECDH, der, sizeof der, len, "ECDH", e);
}

static int make_keys(tls_keyshare *k, WOLFSSL_CTX *ctx, int64_t now_ns, mp_err *e)
{
    if (make_x25519(k, ctx, e) != 0 || (k->ecc_curve && make_ecc(k, ctx, e) != 0))
        return -1;
    k->made_ns = now_ns;
    k->made++;
    return 0;
}

tls_keyshare *tls_keyshare_new(WOLFSSL_CTX *ctx, int64_t lifetime_ns, int ecc_group, mp_err *e)
{
    tls_keyshare *k = calloc(1, sizeof *k);
    if (!k) {
        mp_fail(e, "out of memory");
        return NULL;
    }
    if (wc_InitRng(&k->rng) != 0) {
        free(k);
        mp_fail(e, "cannot initialise a random number generator");
        return NULL;
    }
    k->lifetime_ns = lifetime_ns;
    k->ecc_curve = ecc_curve_of(ecc_group, &k->ecc_size);
    if (make_keys(k, ctx, tm_mono_ns(), e) != 0) {
        tls_keyshare_free(k);
        return NULL;
    }
    return k;
}

int tls_keyshare_refresh(tls_keyshare *k, WOLFSSL_CTX *ctx, int64_t now_ns, mp_err *e)
{
    if (now_ns - k->made_ns < k->lifetime_ns)
        return 0;
    return make_keys(k, ctx, now_ns, e);
}

uint64_t tls_keyshare_made(const tls_keyshare *k)
{
    return k ? k->made : 0;
}

void tls_keyshare_free(tls_keyshare *k)
{
    if (!k)
        return;
    wc_FreeRng(&k->rng);
    free(k);
}
