/* What the files of src/tls share and nobody else sees: the wolfSSL headers
 * and the helpers that client, server and connection code have in common. */
#ifndef MP_TLS_INT_H
#define MP_TLS_INT_H

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tls/tls.h"

/* Routes a context's socket I/O through the tls_conn callbacks (tls.c). */
void tls_use_own_io(WOLFSSL_CTX *ctx);

void tls_free_ctx(WOLFSSL_CTX **ctx);

/* Loads a certificate chain and its key, from files or from memory. */
int tls_use_identity(WOLFSSL_CTX *ctx, const char *chain_file, const char *key_file,
                     const uint8_t *chain_pem, size_t chain_pem_len, const uint8_t *key_der,
                     size_t key_der_len, const char *role, mp_err *e);

/* The part of a connection that clients and servers share; closes fd on failure. */
int tls_conn_setup(tls_conn *c, WOLFSSL_CTX *ctx, int fd, mp_err *e);

/* What one wolfSSL_connect or wolfSSL_accept call returned, as a step. */
tls_step tls_step_result(tls_conn *c, int rc);

/* Classifies a failed wolfSSL call into c->out. */
void tls_classify_failure(tls_conn *c, int err);

#endif
