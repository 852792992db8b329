/* Prints what the wolfSSL build costs per operation on this machine (the
 * figures the load engine depends on: P-256 sign/verify, ECDH, X25519, RSA,
 * a DRBG instantiation) and how long the default fixture hierarchy takes to
 * generate; `bench_crypto --ops` prints only the operations (load_bench.sh
 * computes the handshake's crypto floor from them). Operations are timed in
 * the thread's CPU time. A benchmark, not a test:
 * it measures and prints, it asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/curve25519.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include "pki/fixtures.h"
#include "pki/key.h"
#include "pki/spec.h"
#include "util/fs.h"
#include "util/timeutil.h"

extern const char mp_default_spec[];
extern const size_t mp_default_spec_len;

#define BUDGET_NS 400000000LL /* per operation */

typedef int (*op_fn)(void *ctx);

/* The thread's CPU time: other processes on a shared core do not count. */
static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void bench(const char *name, op_fn fn, void *ctx)
{
    int64_t start = cpu_ns(), now;
    long n = 0;
    do {
        if (fn(ctx) != 0) {
            printf("%-28s failed\n", name);
            return;
        }
        n++;
        now = cpu_ns();
    } while (now - start < BUDGET_NS);
    double us = (double)(now - start) / 1e3 / (double)n;
    printf("%-28s %10.1f us/op %12.0f op/s\n", name, us, 1e6 / us);
}

typedef struct ctx {
    WC_RNG rng;
    ecc_key ec, peer;
    RsaKey rsa;
    ed25519_key ed;
    curve25519_key x, xpeer;
    byte hash[32];
    byte sig[512];
    word32 sig_len;
} ctx;

static int ec_keygen(void *p)
{
    ctx *c = p;
    ecc_key k;
    wc_ecc_init(&k);
    int rc = wc_ecc_make_key_ex(&c->rng, 32, &k, ECC_SECP256R1);
    wc_ecc_free(&k);
    return rc;
}

static int ec_sign(void *p)
{
    ctx *c = p;
    c->sig_len = sizeof c->sig;
    return wc_ecc_sign_hash(c->hash, sizeof c->hash, c->sig, &c->sig_len, &c->rng, &c->ec);
}

static int ec_verify(void *p)
{
    ctx *c = p;
    int ok = 0;
    int rc = wc_ecc_verify_hash(c->sig, c->sig_len, c->hash, sizeof c->hash, &ok, &c->ec);
    return rc == 0 && ok ? 0 : -1;
}

static int ecdh(void *p)
{
    ctx *c = p;
    byte secret[32];
    word32 len = sizeof secret;
    return wc_ecc_shared_secret(&c->ec, &c->peer, secret, &len);
}

static int x25519_keygen(void *p)
{
    ctx *c = p;
    curve25519_key k;
    wc_curve25519_init(&k);
    int rc = wc_curve25519_make_key(&c->rng, CURVE25519_KEYSIZE, &k);
    wc_curve25519_free(&k);
    return rc;
}

static int x25519_shared(void *p)
{
    ctx *c = p;
    byte secret[CURVE25519_KEYSIZE];
    word32 len = sizeof secret;
    return wc_curve25519_shared_secret_ex(&c->x, &c->xpeer, secret, &len, EC25519_BIG_ENDIAN);
}

/* What wolfSSL pays for each object that brings its own generator (e.g. the
 * public key of a peer certificate kept by the compatibility layer). */
static int drbg_instantiate(void *p)
{
    (void)p;
    WC_RNG r;
    int rc = wc_InitRng(&r);
    if (rc == 0)
        wc_FreeRng(&r);
    return rc;
}

static int rsa_sign(void *p)
{
    ctx *c = p;
    int n = wc_RsaSSL_Sign(c->hash, sizeof c->hash, c->sig, sizeof c->sig, &c->rsa, &c->rng);
    if (n > 0)
        c->sig_len = (word32)n;
    return n > 0 ? 0 : -1;
}

static int rsa_verify(void *p)
{
    ctx *c = p;
    byte out[512];
    return wc_RsaSSL_Verify(c->sig, c->sig_len, out, sizeof out, &c->rsa) > 0 ? 0 : -1;
}

static int ed_sign(void *p)
{
    ctx *c = p;
    c->sig_len = sizeof c->sig;
    return wc_ed25519_sign_msg(c->hash, sizeof c->hash, c->sig, &c->sig_len, &c->ed);
}

static int ed_verify(void *p)
{
    ctx *c = p;
    int ok = 0;
    int rc = wc_ed25519_verify_msg(c->sig, c->sig_len, c->hash, sizeof c->hash, &ok, &c->ed);
    return rc == 0 && ok ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench_fixtures(const char *key_type_name, pki_key_type kt)
{
    static const char *const hosts[] = { "localhost", "127.0.0.1", "::1" };
    pki_spec_opts so = { .key_type = kt, .hosts = hosts, .n_hosts = 3, .now = tm_now() };
    pki_spec spec;
    mp_err e;
    if (pki_spec_load_text(&spec, mp_default_spec, mp_default_spec_len, "default.lua", &so, &e)) {
        printf("fixtures: %s\n", e.msg);
        return;
    }
    char dir[] = "/tmp/mtlsprobe-bench-XXXXXX";
    if (!mkdtemp(dir))
        return;
    char *out = fs_join(dir, "fx");
    double secs[5];
    pki_gen_stats st = { 0 };
    for (int i = 0; i < 5; i++) {
        pki_gen_opts go = { .out_dir = out, .force = 1, .now = so.now, .spec_name = "default",
                            .key_type = key_type_name, .hosts = hosts, .n_hosts = 3,
                            .generator = "bench" };
        if (pki_generate(&spec, &go, &st, &e) != 0) {
            printf("fixtures: %s\n", e.msg);
            break;
        }
        secs[i] = st.seconds;
    }
    qsort(secs, 5, sizeof secs[0], cmp_double);
    printf("fixtures --key-type %-9s %7.3f s median of 5 (%zu certificates, %zu keys, %zu RSA)\n",
           key_type_name, secs[2], st.fixtures, st.keys, st.rsa_keys);
    fs_remove_tree(dir, &e);
    free(out);
    pki_spec_free(&spec);
}

int main(int argc, char **argv)
{
    int ops_only = argc > 1 && strcmp(argv[1], "--ops") == 0;
    ctx c;
    mp_err e;
    wolfSSL_Init();
    memset(&c, 0, sizeof c);
    memset(c.hash, 0x5a, sizeof c.hash);
    if (pki_rng_init(&c.rng, NULL, 0, &e) != 0)
        return 2;
    wc_ecc_init(&c.ec);
    wc_ecc_init(&c.peer);
    wc_ecc_make_key_ex(&c.rng, 32, &c.ec, ECC_SECP256R1);
    wc_ecc_make_key_ex(&c.rng, 32, &c.peer, ECC_SECP256R1);
    wc_ecc_set_rng(&c.ec, &c.rng);
    wc_InitRsaKey(&c.rsa, NULL);
    wc_MakeRsaKey(&c.rsa, 2048, WC_RSA_EXPONENT, &c.rng);
    wc_RsaSetRNG(&c.rsa, &c.rng);
    wc_ed25519_init(&c.ed);
    wc_ed25519_make_key(&c.rng, ED25519_KEY_SIZE, &c.ed);
    wc_curve25519_init(&c.x);
    wc_curve25519_init(&c.xpeer);
    wc_curve25519_make_key(&c.rng, CURVE25519_KEYSIZE, &c.x);
    wc_curve25519_make_key(&c.rng, CURVE25519_KEYSIZE, &c.xpeer);

    printf("wolfSSL %s, one thread\n", wolfSSL_lib_version());
    bench("P-256 keygen", ec_keygen, &c);
    bench("P-256 ECDSA sign", ec_sign, &c);
    bench("P-256 ECDSA verify", ec_verify, &c);
    bench("P-256 ECDH", ecdh, &c);
    bench("X25519 keygen", x25519_keygen, &c);
    bench("X25519 shared secret", x25519_shared, &c);
    bench("DRBG instantiate", drbg_instantiate, &c);
    bench("RSA-2048 sign", rsa_sign, &c);
    bench("RSA-2048 verify", rsa_verify, &c);
    bench("Ed25519 sign", ed_sign, &c);
    bench("Ed25519 verify", ed_verify, &c);
    if (!ops_only) {
        bench_fixtures("ec-p256", PKI_KEY_EC_P256);
        bench_fixtures("rsa-2048", PKI_KEY_RSA_2048);
    }

    wc_ecc_free(&c.ec);
    wc_ecc_free(&c.peer);
    wc_FreeRsaKey(&c.rsa);
    wc_ed25519_free(&c.ed);
    wc_curve25519_free(&c.x);
    wc_curve25519_free(&c.xpeer);
    pki_rng_free(&c.rng);
    wolfSSL_Cleanup();
    return 0;
}
