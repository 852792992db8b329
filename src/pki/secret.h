/* Secrets the user hands us: passwords named in openssl's -passin form, and
 * private keys that may be encrypted (PKCS#8 with PBES2/PBES1, traditional
 * PEM with Proc-Type/DEK-Info, or plain PEM/DER). One place for both, so
 * every verb reads passwords and keys the same way and no message ever
 * carries key material or a password. */
#ifndef MP_PKI_SECRET_H
#define MP_PKI_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "pki/key.h"
#include "util/err.h"

/* The first certificate (key = 0) or the unencrypted private key (key = 1)
 * of a PEM file, as DER in *der (malloc'd; *len bytes). */
int pki_pem_file_der(const char *path, int key, uint8_t **der, size_t *len, mp_err *e);

/* Longest password accepted, without the terminating NUL. */
#define PKI_PASS_MAX 1023

/* Reads a password from SRC, openssl's -passin conventions:
 *   pass:TEXT   the password itself
 *   env:VAR     the environment variable VAR
 *   file:PATH   the first line of PATH
 *   fd:N        the first line read from file descriptor N
 *   stdin       the first line of standard input
 * A trailing "\n" or "\r\n" is removed. out receives a NUL-terminated string
 * of at most n - 1 bytes; a longer password is an error, never cut short.
 * Messages name the source, never the password. */
int pki_pass_read(const char *src, char *out, size_t n, mp_err *e);

/* 1 if the PEM text holds an encrypted private key (PKCS#8
 * "ENCRYPTED PRIVATE KEY" or a traditional key with Proc-Type 4,ENCRYPTED). */
int pki_key_is_encrypted(const uint8_t *data, size_t len);

/* Decodes a private key given as PEM (any of the forms above) or DER
 * (PKCS#8, PKCS#1, SEC1) into unencrypted DER, PKCS#8 or traditional as
 * found. pass may be NULL for an unencrypted key; an encrypted key without a
 * password, or with a wrong one, is an error. The caller must wipe and free
 * *der with pki_secret_free. */
int pki_key_decrypt_der(const uint8_t *data, size_t len, const char *pass, uint8_t **der,
                        size_t *der_len, mp_err *e);

/* The same, then parsed into k (RSA 1024..4096 in the sizes pki_key_type
 * names, EC P-256/P-384/P-521, Ed25519). */
int pki_key_load(pki_key *k, const uint8_t *data, size_t len, const char *pass, mp_err *e);
/* From a file; messages name the file. */
int pki_key_load_file(pki_key *k, const char *path, const char *pass, mp_err *e);

/* The key's SubjectPublicKeyInfo as DER, for matching a key against a
 * certificate. Returns the length written, or -1 (out too small...). */
int pki_key_spki_der(pki_key *k, uint8_t *out, size_t cap, mp_err *e);

/* Zeroes len bytes at p and frees it. */
void pki_secret_free(void *p, size_t len);

#endif
