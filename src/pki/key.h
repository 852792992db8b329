/* Keys for fixtures: generation (optionally reproducible from a seed),
 * private-key PEM, and the handles wolfCrypt's certificate calls take. */
#ifndef MP_PKI_KEY_H
#define MP_PKI_KEY_H

#include <stddef.h>
#include <stdint.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include "util/err.h"

typedef enum pki_key_type {
    PKI_KEY_EC_P256,
    PKI_KEY_EC_P384,
    PKI_KEY_EC_P521,
    PKI_KEY_RSA_1024,
    PKI_KEY_RSA_2048,
    PKI_KEY_RSA_3072,
    PKI_KEY_RSA_4096,
    PKI_KEY_ED25519,
    PKI_KEY_TYPE_COUNT
} pki_key_type;

typedef struct pki_key {
    pki_key_type type;
    int ready;
    union {
        ecc_key ecc;
        RsaKey rsa;
        ed25519_key ed;
    } u;
} pki_key;

/* "ec-p256", "rsa-2048", "ed25519", ... */
int pki_key_type_parse(const char *name, pki_key_type *out);
const char *pki_key_type_name(pki_key_type t);
/* The names, comma separated, for help texts and errors. */
const char *pki_key_type_list(void);
int pki_key_type_is_rsa(pki_key_type t);

/* RNG: seeded (seed != NULL) gives the same stream for the same seed bytes;
 * otherwise the OS entropy source. */
int pki_rng_init(WC_RNG *rng, const uint8_t *seed, size_t seed_len, mp_err *e);
void pki_rng_free(WC_RNG *rng);

int pki_key_generate(pki_key *k, pki_key_type t, WC_RNG *rng, mp_err *e);
void pki_key_free(pki_key *k);

/* wolfCrypt's key type (ECC_TYPE, RSA_TYPE, ED25519_TYPE) and pointer. */
int pki_key_wc_type(const pki_key *k);
void *pki_key_wc_ptr(pki_key *k);

/* Private key as PEM: SEC1 for EC, PKCS#1 for RSA, PKCS#8 for Ed25519, the
 * forms every gateway reads. Caller frees *pem. */
int pki_key_private_pem(pki_key *k, char **pem, size_t *len, mp_err *e);

/* Wraps DER in PEM armour of the given wolfSSL CertType (CERT_TYPE, CRL_TYPE...). */
int pki_der_to_pem(const uint8_t *der, size_t der_len, int type, char **pem,
                   size_t *pem_len, mp_err *e);

/* base64(SHA-256(SubjectPublicKeyInfo)), the HPKP/Envoy pin form.
 * out must hold 45 bytes. */
int pki_spki_pin(const uint8_t *spki, size_t len, char out[45], mp_err *e);

#endif
