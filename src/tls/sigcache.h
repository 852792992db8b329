/* Memoized ECDSA verification for clients that shake hands with the same
 * server over and over (the load engine). */
#ifndef MP_TLS_SIGCACHE_H
#define MP_TLS_SIGCACHE_H

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tls/tls.h"

typedef struct tls_sigcache tls_sigcache;

/* memo 0: every signature is verified afresh, failures are still kept. */
tls_sigcache *tls_sigcache_new(int memo);
void tls_sigcache_free(tls_sigcache *c);

/* Routes the context's ECDSA verifications through the cache; each
 * connection then needs tls_sigcache_attach. */
void tls_sigcache_install(WOLFSSL_CTX *ctx);
void tls_sigcache_attach(WOLFSSL *ssl, tls_sigcache *c);

/* The callback's work: *result 1 when the signature verifies, 0 when not;
 * returns 0, or a wolfCrypt error for a key it cannot decode. c may be NULL.
 * A P-256 signature the assembly refuses is verified again by wolfCrypt's
 * generic code, whose answer stands (tls_sigcache_overturned counts them). */
int tls_sigcache_verify(tls_sigcache *c, const unsigned char *sig, unsigned sig_len, const unsigned char *hash,
                        unsigned hash_len, const unsigned char *key_der, unsigned key_len, int *result);

/* The last signature that did not verify since the previous call: 1 and
 * *f filled, else 0. */
int tls_sigcache_take_failure(tls_sigcache *c, tls_sig_failure *f);

/* Refusals of wolfCrypt's P-256 assembly that its generic code overturned
 * (a valid signature the assembly refused), since creation. */
unsigned long long tls_sigcache_overturned(const tls_sigcache *c);

/* Verifications answered from the cache, and done, since creation. */
void tls_sigcache_stats(const tls_sigcache *c, unsigned long long *hits, unsigned long long *misses);

#endif
