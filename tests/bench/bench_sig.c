/* The signature path of a load handshake, in one process and without a
 * network, for as many iterations as asked: a P-256 key signs a fresh
 * digest with wolfCrypt (as `serve` signs its CertificateVerify), and the
 * client's verification (tls/sigcache.c, memo on: two chain signatures
 * answered from the memo and the fresh one verified; memo off: all three
 * verified) must accept it. Every refusal is verified again with a key
 * decoded afresh and written to a file (key, digest, signature in hex) for
 * another library to judge. Prints the count of signatures and of refusals
 * and the rate; asserts nothing. A benchmark (tests/bench/sig_soak.sh).
 *   bench_sig ITERATIONS THREADS [FAILURES_FILE] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include "tls/sigcache.h"

typedef struct job {
    unsigned long long n;
    int memo;
    unsigned long long done, refused, refused_again;
    FILE *out;
} job;

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void hex(FILE *f, const unsigned char *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

static void *run(void *arg)
{
    job *j = arg;
    WC_RNG rng;
    ecc_key key, ca;
    unsigned char spki[200], ca_spki[200], chain_sig[2][160], chain_hash[2][32];
    word32 chain_len[2];
    if (wc_InitRng(&rng) != 0 || wc_ecc_init(&key) != 0 || wc_ecc_init(&ca) != 0 ||
        wc_ecc_make_key_ex(&rng, 32, &key, ECC_SECP256R1) != 0 || wc_ecc_make_key_ex(&rng, 32, &ca, ECC_SECP256R1) != 0)
        return NULL;
    int spki_len = wc_EccPublicKeyToDer(&key, spki, sizeof spki, 1);
    int ca_len = wc_EccPublicKeyToDer(&ca, ca_spki, sizeof ca_spki, 1);
    /* the chain's two signatures: the same on every handshake */
    for (int k = 0; k < 2; k++) {
        wc_RNG_GenerateBlock(&rng, chain_hash[k], sizeof chain_hash[k]);
        chain_len[k] = sizeof chain_sig[k];
        wc_ecc_sign_hash(chain_hash[k], sizeof chain_hash[k], chain_sig[k], &chain_len[k], &rng, &ca);
    }
    tls_sigcache *c = tls_sigcache_new(j->memo);
    for (unsigned long long i = 0; i < j->n; i++) {
        int result = 0;
        for (int k = 0; k < 2; k++)
            tls_sigcache_verify(c, chain_sig[k], chain_len[k], chain_hash[k], 32, ca_spki, (unsigned)ca_len, &result);
        unsigned char digest[32], sig[160];
        wc_RNG_GenerateBlock(&rng, digest, sizeof digest);
        word32 sig_len = sizeof sig;
        if (wc_ecc_sign_hash(digest, sizeof digest, sig, &sig_len, &rng, &key) != 0)
            continue;
        result = 0;
        int rc = tls_sigcache_verify(c, sig, sig_len, digest, sizeof digest, spki, (unsigned)spki_len, &result);
        j->done++;
        if (rc == 0 && result == 1)
            continue;
        j->refused++;
        int again = 0;
        tls_sigcache_verify(NULL, sig, sig_len, digest, sizeof digest, spki, (unsigned)spki_len, &again);
        j->refused_again += again != 1;
        if (j->out) {
            pthread_mutex_lock(&out_lock);
            fprintf(j->out, "rc=%d again=%d key=", rc, again);
            hex(j->out, spki, (unsigned)spki_len);
            fprintf(j->out, " digest=");
            hex(j->out, digest, sizeof digest);
            fprintf(j->out, " signature=");
            hex(j->out, sig, sig_len);
            fprintf(j->out, "\n");
            fflush(j->out);
            pthread_mutex_unlock(&out_lock);
        }
    }
    tls_sigcache_free(c);
    wc_ecc_free(&key);
    wc_ecc_free(&ca);
    wc_FreeRng(&rng);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_sig ITERATIONS THREADS [FAILURES_FILE]\n");
        return 2;
    }
    unsigned long long n = strtoull(argv[1], NULL, 10);
    int threads = atoi(argv[2]);
    if (threads < 1 || threads > 64 || n == 0) {
        fprintf(stderr, "bench_sig: ITERATIONS > 0, THREADS 1..64\n");
        return 2;
    }
    FILE *out = argc > 3 ? fopen(argv[3], "a") : NULL;
    wolfSSL_Init();
    for (int memo = 1; memo >= 0; memo--) {
        job jobs[64];
        pthread_t t[64];
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int i = 0; i < threads; i++) {
            jobs[i] = (job){ n / (unsigned long long)threads + ((unsigned long long)i < n % (unsigned long long)threads),
                             memo, 0, 0, 0, out };
            pthread_create(&t[i], NULL, run, &jobs[i]);
        }
        unsigned long long done = 0, refused = 0, again = 0;
        for (int i = 0; i < threads; i++) {
            pthread_join(t[i], NULL);
            done += jobs[i].done;
            refused += jobs[i].refused;
            again += jobs[i].refused_again;
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
        printf("signature path, memo %s: %llu fresh signatures verified (plus %llu chain verifications), "
               "%llu refused (%llu refused again with a key decoded afresh) in %.1f s: %.0f/s\n",
               memo ? "on" : "off", done, 2 * done, refused, again, s, (double)done / s);
        fflush(stdout);
    }
    if (out)
        fclose(out);
    wolfSSL_Cleanup();
    return 0;
}
