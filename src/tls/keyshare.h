/* One ephemeral key share per client, reused for a while (load
 * --reuse-key-share): an opt-in shortcut for handshake load tests. */
#ifndef MP_TLS_KEYSHARE_H
#define MP_TLS_KEYSHARE_H

#include <stdint.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "util/err.h"

typedef struct tls_keyshare tls_keyshare;

/* Makes the first keys and sets them on ctx: an X25519 key, and a key on
 * ecc_group (a WOLFSSL_ECC_SECP* group id, 0: none) for a NIST-curve key
 * share. They are replaced once lifetime_ns has passed. */
tls_keyshare *tls_keyshare_new(WOLFSSL_CTX *ctx, int64_t lifetime_ns, int ecc_group, mp_err *e);

/* Before a handshake: new keys if the current ones are older than their
 * lifetime. Returns 0, or -1 with e filled. */
int tls_keyshare_refresh(tls_keyshare *k, WOLFSSL_CTX *ctx, int64_t now_ns, mp_err *e);

/* Key pairs made since creation (each made once per lifetime). */
uint64_t tls_keyshare_made(const tls_keyshare *k);

void tls_keyshare_free(tls_keyshare *k);

#endif
