/* Passwords and user-supplied private keys. Decryption is wolfCrypt's own
 * (wc_KeyPemToDer handles PKCS#8 PBES2/PBES1 and traditional DEK-Info PEM);
 * this file only decides where the password comes from, tells an encrypted
 * key from a plain one so that a missing password is named as such, and
 * wipes every buffer that held a password or key before freeing it. */
#include "pki/secret.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/memory.h>

#include "util/fs.h"

/* A private key file is small; this bounds what a wrong path (a log, a
 * device) can make us read. */
#define KEY_FILE_MAX (1u << 20)

void pki_secret_free(void *p, size_t len)
{
    if (!p)
        return;
    wc_ForceZero(p, len);
    free(p);
}

/* First line of what fd yields, read byte by byte so that nothing after the
 * newline is consumed (fd:N may carry more than one password). */
static int read_line_fd(int fd, const char *what, char *out, size_t n, mp_err *e)
{
    size_t len = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            wc_ForceZero(out, n);
            return mp_fail(e, "cannot read the password from %s: %s", what, mp_strerror(errno).s);
        }
        if (r == 0 || c == '\n')
            break;
        if (len + 1 >= n) {
            wc_ForceZero(out, n);
            return mp_fail(e, "the password from %s is longer than %zu bytes", what, n - 1);
        }
        out[len++] = c;
    }
    if (len && out[len - 1] == '\r')
        len--;
    out[len] = '\0';
    return 0;
}

int pki_pass_read(const char *src, char *out, size_t n, mp_err *e)
{
    if (!src || !out || n == 0)
        return mp_fail(e, "no password source given");
    out[0] = '\0';
    if (n > PKI_PASS_MAX + 1)
        n = PKI_PASS_MAX + 1;
    if (strncmp(src, "pass:", 5) == 0) {
        size_t len = strlen(src + 5);
        if (len + 1 > n)
            return mp_fail(e, "the password given with pass: is longer than %zu bytes", n - 1);
        memcpy(out, src + 5, len + 1);
        return 0;
    }
    if (strncmp(src, "env:", 4) == 0) {
        const char *var = src + 4;
        if (!*var)
            return mp_fail(e, "password source 'env:' names no variable");
        const char *v = getenv(var);
        if (!v)
            return mp_fail(e, "password source env:%s: the variable is not set", var);
        size_t len = strlen(v);
        if (len + 1 > n)
            return mp_fail(e, "the password in env:%s is longer than %zu bytes", var, n - 1);
        memcpy(out, v, len + 1);
        return 0;
    }
    if (strncmp(src, "file:", 5) == 0) {
        const char *path = src + 5;
        if (!*path)
            return mp_fail(e, "password source 'file:' names no file");
        FILE *f = fopen(path, "rb");
        if (!f)
            return mp_fail(e, "password source file:%s: %s", path, mp_strerror(errno).s);
        char what[300];
        snprintf(what, sizeof what, "file:%s", path);
        int rc = read_line_fd(fileno(f), what, out, n, e);
        fclose(f);
        return rc;
    }
    if (strncmp(src, "fd:", 3) == 0) {
        char *end;
        errno = 0;
        long fd = strtol(src + 3, &end, 10);
        if (errno || end == src + 3 || *end || fd < 0 || fd > 65535)
            return mp_fail(e, "password source '%s': fd: needs a file descriptor number", src);
        return read_line_fd((int)fd, src, out, n, e);
    }
    if (strcmp(src, "stdin") == 0)
        return read_line_fd(0, "stdin", out, n, e);
    /* Never echo what might be a password typed without its prefix. */
    return mp_fail(e, "unknown password source (use pass:TEXT, env:VAR, file:PATH, "
                      "fd:N or stdin)");
}

static int contains(const uint8_t *data, size_t len, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= len; i++)
        if (memcmp(data + i, needle, nl) == 0)
            return 1;
    return 0;
}

int pki_key_is_encrypted(const uint8_t *data, size_t len)
{
    return contains(data, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
           contains(data, len, "Proc-Type: 4,ENCRYPTED");
}

static int is_pem(const uint8_t *data, size_t len)
{
    return contains(data, len, "-----BEGIN ");
}

int pki_key_decrypt_der(const uint8_t *data, size_t len, const char *pass, uint8_t **der,
                        size_t *der_len, mp_err *e)
{
    *der = NULL;
    *der_len = 0;
    if (len == 0)
        return mp_fail(e, "the key is empty");
    if (len > KEY_FILE_MAX)
        return mp_fail(e, "the key is larger than %u bytes", KEY_FILE_MAX);
    uint8_t *out = malloc(len);
    if (!out)
        return mp_fail(e, "out of memory");
    if (!is_pem(data, len)) {
        memcpy(out, data, len); /* DER: parsed by the caller */
        *der = out;
        *der_len = len;
        return 0;
    }
    int encrypted = pki_key_is_encrypted(data, len);
    if (encrypted && (!pass || !*pass)) {
        free(out);
        return mp_fail(e, "the private key is encrypted: give its password (--pass)");
    }
    if (!contains(data, len, "PRIVATE KEY-----")) {
        free(out);
        return mp_fail(e, "no PEM private key found (a certificate or a PKCS#12 file?)");
    }
    int n = wc_KeyPemToDer(data, (int)len, out, (int)len, encrypted ? pass : NULL);
    if (n <= 0) {
        pki_secret_free(out, len);
        if (encrypted)
            return mp_fail(e, "cannot decrypt the private key: wrong password, or an "
                              "encryption this build does not support (%s)",
                           wc_GetErrorString(n));
        return mp_fail(e, "cannot decode the PEM private key: %s", wc_GetErrorString(n));
    }
    *der = out;
    *der_len = (size_t)n;
    return 0;
}

static int rsa_type(int bits, pki_key_type *t)
{
    switch (bits) {
    case 1024: *t = PKI_KEY_RSA_1024; return 0;
    case 2048: *t = PKI_KEY_RSA_2048; return 0;
    case 3072: *t = PKI_KEY_RSA_3072; return 0;
    case 4096: *t = PKI_KEY_RSA_4096; return 0;
    default: return -1;
    }
}

static int ecc_type(int curve, pki_key_type *t)
{
    switch (curve) {
    case ECC_SECP256R1: *t = PKI_KEY_EC_P256; return 0;
    case ECC_SECP384R1: *t = PKI_KEY_EC_P384; return 0;
    case ECC_SECP521R1: *t = PKI_KEY_EC_P521; return 0;
    default: return -1;
    }
}

static int parse_der(pki_key *k, uint8_t *der, size_t len, mp_err *e)
{
    memset(k, 0, sizeof *k);
    /* RSA and EC decoders want the traditional key: skip a PKCS#8 wrapper. */
    word32 off = 0;
    word32 start = wc_GetPkcs8TraditionalOffset(der, &off, (word32)len) >= 0 ? off : 0;
    word32 idx;

    if (wc_InitRsaKey(&k->u.rsa, NULL) == 0) {
        idx = start;
        if (wc_RsaPrivateKeyDecode(der, &idx, &k->u.rsa, (word32)len) == 0) {
            int bits = wc_RsaEncryptSize(&k->u.rsa) * 8;
            if (rsa_type(bits, &k->type) != 0) {
                wc_FreeRsaKey(&k->u.rsa);
                return mp_fail(e, "RSA keys of %d bits are not supported (1024, 2048, "
                                  "3072 or 4096)", bits);
            }
            k->ready = 1;
            return 0;
        }
        wc_FreeRsaKey(&k->u.rsa);
    }
    memset(&k->u, 0, sizeof k->u);
    if (wc_ecc_init(&k->u.ecc) == 0) {
        idx = start;
        if (wc_EccPrivateKeyDecode(der, &idx, &k->u.ecc, (word32)len) == 0) {
            int curve = k->u.ecc.dp ? k->u.ecc.dp->id : ECC_CURVE_INVALID;
            if (ecc_type(curve, &k->type) != 0) {
                wc_ecc_free(&k->u.ecc);
                return mp_fail(e, "this EC curve is not supported (P-256, P-384 or P-521)");
            }
            /* A SEC1 key may omit its public point; certificates need it. */
            if (k->u.ecc.type == ECC_PRIVATEKEY_ONLY &&
                wc_ecc_make_pub(&k->u.ecc, NULL) != 0) {
                wc_ecc_free(&k->u.ecc);
                return mp_fail(e, "cannot derive the EC public key");
            }
            k->ready = 1;
            return 0;
        }
        wc_ecc_free(&k->u.ecc);
    }
    memset(&k->u, 0, sizeof k->u);
    if (wc_ed25519_init(&k->u.ed) == 0) {
        idx = 0;
        if (wc_Ed25519PrivateKeyDecode(der, &idx, &k->u.ed, (word32)len) == 0) {
            if (!k->u.ed.pubKeySet) {
                if (wc_ed25519_make_public(&k->u.ed, k->u.ed.p, ED25519_PUB_KEY_SIZE) != 0) {
                    wc_ed25519_free(&k->u.ed);
                    return mp_fail(e, "cannot derive the Ed25519 public key");
                }
                k->u.ed.pubKeySet = 1;
            }
            k->type = PKI_KEY_ED25519;
            k->ready = 1;
            return 0;
        }
        wc_ed25519_free(&k->u.ed);
    }
    memset(&k->u, 0, sizeof k->u);
    return mp_fail(e, "not a private key this tool reads (RSA, EC P-256/384/521 or Ed25519; "
                      "PEM or DER)");
}

int pki_key_load(pki_key *k, const uint8_t *data, size_t len, const char *pass, mp_err *e)
{
    uint8_t *der;
    size_t der_len;
    memset(k, 0, sizeof *k);
    if (pki_key_decrypt_der(data, len, pass, &der, &der_len, e) != 0)
        return -1;
    int rc = parse_der(k, der, der_len, e);
    pki_secret_free(der, der_len);
    /* Some ciphers decrypt a wrong password to plausible padding: the
     * garbage then fails to parse, which means the same thing. */
    if (rc != 0 && pass && *pass && pki_key_is_encrypted(data, len))
        return mp_fail(e, "cannot decrypt the private key: wrong password");
    return rc;
}

int pki_key_load_file(pki_key *k, const char *path, const char *pass, mp_err *e)
{
    char *data;
    size_t len;
    memset(k, 0, sizeof *k);
    if (fs_read_file(path, &data, &len, e) != 0)
        return mp_wrap(e, "private key %s", path);
    int rc = pki_key_load(k, (const uint8_t *)data, len, pass, e);
    pki_secret_free(data, len + 1);
    if (rc != 0)
        return mp_wrap(e, "private key %s", path);
    return 0;
}

int pki_key_spki_der(pki_key *k, uint8_t *out, size_t cap, mp_err *e)
{
    int n;
    switch (pki_key_wc_type(k)) {
    case RSA_TYPE: n = wc_RsaKeyToPublicDer(&k->u.rsa, out, (word32)cap); break;
    case ED25519_TYPE: n = wc_Ed25519PublicKeyToDer(&k->u.ed, out, (word32)cap, 1); break;
    default: n = wc_EccPublicKeyToDer(&k->u.ecc, out, (word32)cap, 1); break;
    }
    if (n <= 0)
        return mp_fail(e, "cannot encode the public key: %s", wc_GetErrorString(n));
    return n;
}

int pki_pem_file_der(const char *path, int key, uint8_t **der, size_t *len, mp_err *e)
{
    char *pem = NULL;
    size_t plen = 0;
    if (fs_read_file(path, &pem, &plen, e) != 0)
        return -1;
    *der = malloc(plen + 1);
    if (!*der) {
        free(pem);
        return mp_fail(e, "out of memory");
    }
    int n = key ? wc_KeyPemToDer((const unsigned char *)pem, (int)plen, *der, (int)plen, NULL)
                : wc_CertPemToDer((const unsigned char *)pem, (int)plen, *der, (int)plen, CERT_TYPE);
    free(pem);
    if (n <= 0) {
        free(*der);
        *der = NULL;
        return mp_fail(e, "%s: not a PEM %s (error %d)", path, key ? "private key" : "certificate", n);
    }
    *len = (size_t)n;
    return 0;
}
