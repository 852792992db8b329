/* tls/sigcache: a remembered signature answers only for exactly the inputs
 * that verified; any changed byte is verified afresh and fails. */
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include "check_main.h"
#include "tls/sigcache.h"

static WC_RNG rng;
static ecc_key key;
static unsigned char spki[200], sig[160], hash[32];
static unsigned spki_len, sig_len;

static void setup(void)
{
    wolfSSL_Init();
    ck_assert_int_eq(wc_InitRng(&rng), 0);
    ck_assert_int_eq(wc_ecc_init(&key), 0);
    ck_assert_int_eq(wc_ecc_make_key_ex(&rng, 32, &key, ECC_SECP256R1), 0);
    int n = wc_EccPublicKeyToDer(&key, spki, sizeof spki, 1);
    ck_assert_int_gt(n, 0);
    spki_len = (unsigned)n;
    for (unsigned i = 0; i < sizeof hash; i++)
        hash[i] = (unsigned char)(i * 7 + 1);
    word32 len = sizeof sig;
    ck_assert_int_eq(wc_ecc_sign_hash(hash, sizeof hash, sig, &len, &rng, &key), 0);
    sig_len = len;
}

static void teardown(void)
{
    wc_ecc_free(&key);
    wc_FreeRng(&rng);
    wolfSSL_Cleanup();
}

static int check(tls_sigcache *c, const unsigned char *s, const unsigned char *h, const unsigned char *k)
{
    int result = -1;
    ck_assert_int_eq(tls_sigcache_verify(c, s, sig_len, h, sizeof hash, k, spki_len, &result), 0);
    return result;
}

START_TEST(hit_only_on_identical_inputs)
{
    tls_sigcache *c = tls_sigcache_new(1);
    unsigned long long hits, misses;
    ck_assert_int_eq(check(c, sig, hash, spki), 1);
    ck_assert_int_eq(check(c, sig, hash, spki), 1);
    tls_sigcache_stats(c, &hits, &misses);
    ck_assert_uint_eq(hits, 1);
    ck_assert_uint_eq(misses, 1);

    unsigned char bad_sig[160], bad_hash[32];
    memcpy(bad_sig, sig, sig_len);
    bad_sig[sig_len - 1] ^= 0x01;
    memcpy(bad_hash, hash, sizeof hash);
    bad_hash[0] ^= 0x80;
    /* A changed signature may no longer parse as DER: either way, no pass. */
    int result = -1;
    tls_sigcache_verify(c, bad_sig, sig_len, hash, sizeof hash, spki, spki_len, &result);
    ck_assert_int_ne(result, 1);
    ck_assert_int_eq(check(c, sig, bad_hash, spki), 0);
    /* Failures are not remembered: asking again verifies again. */
    ck_assert_int_eq(check(c, sig, bad_hash, spki), 0);
    tls_sigcache_stats(c, &hits, &misses);
    ck_assert_uint_eq(hits, 1);
    ck_assert_uint_eq(misses, 4);
    tls_sigcache_free(c);
}
END_TEST

START_TEST(another_key_misses)
{
    tls_sigcache *c = tls_sigcache_new(1);
    ck_assert_int_eq(check(c, sig, hash, spki), 1);
    ecc_key other;
    unsigned char other_spki[200];
    ck_assert_int_eq(wc_ecc_init(&other), 0);
    ck_assert_int_eq(wc_ecc_make_key_ex(&rng, 32, &other, ECC_SECP256R1), 0);
    int n = wc_EccPublicKeyToDer(&other, other_spki, sizeof other_spki, 1);
    ck_assert_int_eq(n, (int)spki_len);
    ck_assert_int_eq(check(c, sig, hash, other_spki), 0);
    wc_ecc_free(&other);
    tls_sigcache_free(c);
}
END_TEST

START_TEST(no_cache_still_verifies)
{
    ck_assert_int_eq(check(NULL, sig, hash, spki), 1);
    unsigned char bad_hash[32];
    memcpy(bad_hash, hash, sizeof hash);
    bad_hash[31] ^= 0x01;
    ck_assert_int_eq(check(NULL, sig, bad_hash, spki), 0);
}
END_TEST

START_TEST(eviction_keeps_working)
{
    tls_sigcache *c = tls_sigcache_new(1);
    /* more distinct signatures than slots: old ones fall out, results hold */
    for (int i = 0; i < 20; i++) {
        unsigned char h[32], s[160];
        memcpy(h, hash, sizeof h);
        h[0] = (unsigned char)i;
        word32 len = sizeof s;
        ck_assert_int_eq(wc_ecc_sign_hash(h, sizeof h, s, &len, &rng, &key), 0);
        int result = -1;
        ck_assert_int_eq(tls_sigcache_verify(c, s, len, h, sizeof h, spki, spki_len, &result), 0);
        ck_assert_int_eq(result, 1);
        ck_assert_int_eq(check(c, sig, hash, spki), 1);
    }
    unsigned long long hits, misses;
    tls_sigcache_stats(c, &hits, &misses);
    ck_assert_uint_eq(misses, 21);
    ck_assert_uint_eq(hits, 19);
    tls_sigcache_free(c);
}
END_TEST

/* Memo on or off, the last signature that failed is kept once, as it was
 * asked; without the memo nothing is ever answered from memory. */
START_TEST(failures_are_kept)
{
    for (int memo = 0; memo <= 1; memo++) {
        tls_sigcache *c = tls_sigcache_new(memo);
        tls_sig_failure f;
        ck_assert_int_eq(tls_sigcache_take_failure(c, &f), 0);
        ck_assert_int_eq(check(c, sig, hash, spki), 1);
        ck_assert_int_eq(check(c, sig, hash, spki), 1);
        ck_assert_int_eq(tls_sigcache_take_failure(c, &f), 0);
        unsigned char bad_hash[32];
        memcpy(bad_hash, hash, sizeof hash);
        bad_hash[5] ^= 0x10;
        ck_assert_int_eq(check(c, sig, bad_hash, spki), 0);
        ck_assert_int_eq(tls_sigcache_take_failure(c, &f), 1);
        ck_assert_uint_eq(f.sig_len, sig_len);
        ck_assert_mem_eq(f.sig, sig, sig_len);
        ck_assert_uint_eq(f.digest_len, sizeof hash);
        ck_assert_mem_eq(f.digest, bad_hash, sizeof hash);
        ck_assert_uint_eq(f.key_len, spki_len);
        ck_assert_mem_eq(f.key, spki, spki_len);
        ck_assert_int_eq(f.wolf_rc, 0);
        ck_assert_int_eq(tls_sigcache_take_failure(c, &f), 0); /* taken once */
        unsigned long long hits, misses;
        tls_sigcache_stats(c, &hits, &misses);
        ck_assert_uint_eq(hits, memo ? 1 : 0);
        tls_sigcache_free(c);
    }
}
END_TEST

/* Valid P-256 signatures that wolfSSL 5.9.2's x86_64 assembly refused
 * (found by tests/bench/bench_sig, 3 in 20 M; OpenSSL accepts them): the
 * first from its second verification on, once the point's table is cached,
 * the second always, both fixed by
 * scripts/wolfssl-patches/5.9.2-sp-p256-x64-carry.patch; the third (another
 * key) the patched assembly still refuses, and the generic code's second
 * opinion verifies. Each must verify every time, memo off and on. */
static const char VEC_KEY[] =
    "3059301306072a8648ce3d020106082a8648ce3d030107034200048c89998f81e5abab2b21e8d1069e92389c1cc3b0e8045ebdb7aa"
    "71d0322b7ffe0773ae132ba4c94acca2ef053c5da92c372efdc2c6f1c0b5c8ab60080551a189";
static const char VEC_KEY3[] =
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004a86a365a2a7988a656810a7aad6ce2b30a002be6691d3e8ea9bd3a"
    "1a15050d36d590122040d7146dafd12e3034d5df56bfdf34f7dd4e2b6da87bc85d79201c0f";
static const struct { const char *digest, *sig; } VECS[] = {
    { "59118da9ff522f1d689bcbd9fe004cdcc6a2646c3b964ae16209ad48b09ee1b3",
      "304502200cb6d6661e033ff862b61bf9a17e814845609b0279df1adee8059fb51a70e999022100d66e316ad0d99998659106f51241ce"
      "23280f40bddaf204be7977a189862f0da2" },
    { "1d933b48c9ff3a03bb6ec0d5334eeeff225457aee20c5b0e2062589d34c83129",
      "3044022060ffa6a6720fc38c0bb7e288054769273c933a9c07aaa41f53fdf5e3d9c223fd02205c9af50b477ea59dbc80a06ddc3656"
      "d94480e2d74bb0d0766710d7a50351de12" },
    { "4344a5b78b831e8d5b69cac0288d181e9ebdc7224770059f5f9f753751763078",
      "3045022100abc549e1923536074a82ee4639bd2a6536b7940f567a82ca9ee7845f776af9d9022016deeb5315dced5dc4f1efcaa18026de"
      "9cfaef8b2aadb628553da86dd777dd21" },
};

static size_t unhex(const char *h, unsigned char *out, size_t cap)
{
    size_t n = strlen(h) / 2;
    ck_assert_uint_le(n, cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
    return n;
}

START_TEST(signatures_wolfssl_refused)
{
    unsigned char k[128], k3[128], d[32], sg[80];
    size_t kl = unhex(VEC_KEY, k, sizeof k), kl3 = unhex(VEC_KEY3, k3, sizeof k3);
    for (int memo = 0; memo <= 1; memo++) {
        tls_sigcache *c = tls_sigcache_new(memo);
        for (size_t v = 0; v < sizeof VECS / sizeof VECS[0]; v++) {
            const unsigned char *vk = v == 2 ? k3 : k;
            size_t klen = v == 2 ? kl3 : kl;
            size_t dl = unhex(VECS[v].digest, d, sizeof d), sl = unhex(VECS[v].sig, sg, sizeof sg);
            for (int i = 0; i < 6; i++) {
                int result = -1;
                ck_assert_int_eq(tls_sigcache_verify(c, sg, (unsigned)sl, d, (unsigned)dl, vk, (unsigned)klen, &result), 0);
                ck_assert_msg(result == 1, "vector %zu, verification %d, memo %d: refused", v + 1, i + 1, memo);
            }
        }
        /* the third is the generic code's where the assembly refuses it: on
         * CPUs with BMI2 and ADX (its AVX2 code path; under valgrind, whose
         * CPU has neither, the assembly verifies it), every verification
         * without the memo, the first with it */
        ck_assert_uint_le(tls_sigcache_overturned(c), (memo ? 1u : 6u));
        tls_sigcache_free(c);
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("sigcache");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, hit_only_on_identical_inputs);
    tcase_add_test(tc, another_key_misses);
    tcase_add_test(tc, no_cache_still_verifies);
    tcase_add_test(tc, eviction_keeps_working);
    tcase_add_test(tc, failures_are_kept);
    tcase_add_test(tc, signatures_wolfssl_refused);
    suite_add_tcase(s, tc);
    return s;
}
