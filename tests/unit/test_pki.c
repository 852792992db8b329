/* pki/key and pki/cert: generated keys, certificates and CRLs checked by an
 * independent consumer, wolfSSL's certificate manager (path building, CRL
 * checking, signature verification), not by our own encoder. */
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "check_main.h"
#include "pki/cert.h"
#include "pki/der.h"
#include "pki/inspect.h"
#include "pki/key.h"
#include "util/timeutil.h"

typedef struct made {
    pki_key key;
    uint8_t *der;
    size_t len;
    uint8_t skid[32];
    size_t skid_len;
    uint8_t serial[4];
} made;

static WC_RNG rng;

static void setup(void)
{
    mp_err e;
    wolfSSL_Init();
    ck_assert_int_eq(pki_rng_init(&rng, NULL, 0, &e), 0);
}

static void teardown(void)
{
    pki_rng_free(&rng);
    wolfSSL_Cleanup();
}

static void make(made *m, pki_key_type kt, const char *subject, made *issuer,
                 int is_ca, uint8_t serial, pki_hash hash)
{
    mp_err e;
    memset(m, 0, sizeof *m);
    ck_assert_msg(pki_key_generate(&m->key, kt, &rng, &e) == 0, "%s", e.msg);
    m->serial[0] = 0x11;
    m->serial[3] = serial;
    pki_cert_params p;
    memset(&p, 0, sizeof p);
    p.subject = subject;
    p.key = &m->key;
    if (issuer) {
        p.issuer_cert = issuer->der;
        p.issuer_cert_len = issuer->len;
        p.issuer_key = &issuer->key;
    }
    p.not_before = tm_now() - 3600;
    p.not_after = tm_now() + 86400;
    p.serial = m->serial;
    p.serial_len = sizeof m->serial;
    p.is_ca = is_ca;
    p.pathlen = -1;
    p.key_usage = is_ca ? "keyCertSign,cRLSign,digitalSignature" : "digitalSignature";
    p.eku = is_ca ? NULL : "clientAuth";
    p.hash = hash;
    ck_assert_msg(pki_cert_make(&p, &rng, &m->der, &m->len, m->skid, &m->skid_len, &e) == 0,
                  "%s", e.msg);
}

static void unmake(made *m)
{
    pki_key_free(&m->key);
    free(m->der);
}

static int cm_verify(const made *ca, const uint8_t *crl, size_t crl_len, const made *leaf)
{
    WOLFSSL_CERT_MANAGER *cm = wolfSSL_CertManagerNew();
    ck_assert_ptr_nonnull(cm);
    ck_assert_int_eq(wolfSSL_CertManagerLoadCABuffer(cm, ca->der, (long)ca->len,
                                                     WOLFSSL_FILETYPE_ASN1), WOLFSSL_SUCCESS);
    if (crl) {
        ck_assert_int_eq(wolfSSL_CertManagerEnableCRL(cm, 0), WOLFSSL_SUCCESS);
        ck_assert_int_eq(wolfSSL_CertManagerLoadCRLBuffer(cm, crl, (long)crl_len,
                                                          WOLFSSL_FILETYPE_ASN1), WOLFSSL_SUCCESS);
    }
    int rc = wolfSSL_CertManagerVerifyBuffer(cm, leaf->der, (long)leaf->len,
                                             WOLFSSL_FILETYPE_ASN1);
    wolfSSL_CertManagerFree(cm);
    return rc;
}

START_TEST(chain_verifies_for_each_key_type)
{
    static const pki_key_type types[] = { PKI_KEY_EC_P256, PKI_KEY_EC_P384, PKI_KEY_RSA_2048,
                                          PKI_KEY_ED25519 };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        made ca, leaf;
        make(&ca, types[i], "CN=Test CA,O=t", NULL, 1, 1, PKI_HASH_SHA256);
        make(&leaf, types[i], "CN=leaf,O=t", &ca, 0, 2, PKI_HASH_SHA256);
        ck_assert_msg(cm_verify(&ca, NULL, 0, &leaf) == WOLFSSL_SUCCESS, "%s chain",
                      pki_key_type_name(types[i]));
        WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_buffer(leaf.der, (int)leaf.len,
                                                               WOLFSSL_FILETYPE_ASN1);
        ck_assert_ptr_nonnull(x);
        char buf[256];
        wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_issuer_name(x), buf, sizeof buf);
        ck_assert_ptr_nonnull(strstr(buf, "CN=Test CA"));
        ck_assert_int_eq(wolfSSL_X509_get_isCA(x), 0);
        wolfSSL_X509_free(x);
        unmake(&leaf);
        unmake(&ca);
    }
}
END_TEST

START_TEST(every_signature_hash_verifies)
{
    static const pki_key_type types[] = { PKI_KEY_EC_P384, PKI_KEY_RSA_2048 };
    static const pki_hash hashes[] = { PKI_HASH_SHA256, PKI_HASH_SHA384, PKI_HASH_SHA512 };
    for (size_t i = 0; i < 2; i++) {
        for (size_t h = 0; h < 3; h++) {
            made ca, leaf;
            make(&ca, types[i], "CN=Hash CA", NULL, 1, 1, PKI_HASH_SHA256);
            make(&leaf, PKI_KEY_EC_P256, "CN=leaf", &ca, 0, 2, hashes[h]);
            ck_assert_msg(cm_verify(&ca, NULL, 0, &leaf) == WOLFSSL_SUCCESS, "%s with %s",
                          pki_key_type_name(types[i]), pki_hash_name(hashes[h]));
            unmake(&leaf);
            unmake(&ca);
        }
    }
    /* Ed25519 has no choice of hash: asking for one is an error. */
    made ca;
    mp_err e;
    make(&ca, PKI_KEY_ED25519, "CN=Ed CA", NULL, 1, 1, PKI_HASH_SHA256);
    pki_key k;
    ck_assert_int_eq(pki_key_generate(&k, PKI_KEY_EC_P256, &rng, &e), 0);
    uint8_t serial[1] = { 5 };
    pki_cert_params p = { .subject = "CN=x", .key = &k, .issuer_cert = ca.der,
                          .issuer_cert_len = ca.len, .issuer_key = &ca.key, .not_before = 0,
                          .not_after = 86400, .serial = serial, .serial_len = 1,
                          .pathlen = -1, .hash = PKI_HASH_SHA1 };
    uint8_t *der = NULL;
    size_t len;
    ck_assert_int_eq(pki_cert_make(&p, &rng, &der, &len, NULL, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "Ed25519"));
    pki_key_free(&k);
    unmake(&ca);
}
END_TEST

START_TEST(foreign_ca_is_refused)
{
    made ca, other, leaf;
    make(&ca, PKI_KEY_EC_P256, "CN=Test CA", NULL, 1, 1, PKI_HASH_SHA256);
    make(&other, PKI_KEY_EC_P256, "CN=Other CA", NULL, 1, 1, PKI_HASH_SHA256);
    make(&leaf, PKI_KEY_EC_P256, "CN=leaf", &other, 0, 2, PKI_HASH_SHA256);
    ck_assert_int_ne(cm_verify(&ca, NULL, 0, &leaf), WOLFSSL_SUCCESS);
    unmake(&leaf);
    unmake(&other);
    unmake(&ca);
}
END_TEST

START_TEST(crl_revokes_only_listed_serials)
{
    static const pki_key_type types[] = { PKI_KEY_EC_P256, PKI_KEY_RSA_2048 };
    for (size_t i = 0; i < 2; i++) {
        made ca, good, bad;
        mp_err e;
        make(&ca, types[i], "CN=CRL CA", NULL, 1, 1, PKI_HASH_SHA256);
        make(&good, PKI_KEY_EC_P256, "CN=good", &ca, 0, 2, PKI_HASH_SHA256);
        make(&bad, PKI_KEY_EC_P256, "CN=bad", &ca, 0, 3, PKI_HASH_SHA256);
        pki_revoked r = { bad.serial, sizeof bad.serial, tm_now() - 60, 1 };
        pki_crl_params cp = {
            .issuer_cert = ca.der, .issuer_cert_len = ca.len, .issuer_key = &ca.key,
            .issuer_skid = ca.skid, .issuer_skid_len = ca.skid_len,
            .this_update = tm_now() - 60, .next_update = tm_now() + 86400, .number = 7,
            .revoked = &r, .n_revoked = 1, .hash = PKI_HASH_SHA256,
        };
        uint8_t *crl;
        size_t crl_len;
        ck_assert_msg(pki_crl_make(&cp, &rng, &crl, &crl_len, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(cm_verify(&ca, crl, crl_len, &good), WOLFSSL_SUCCESS);
        ck_assert_int_eq(cm_verify(&ca, crl, crl_len, &bad), CRL_CERT_REVOKED);
        free(crl);
        unmake(&bad);
        unmake(&good);
        unmake(&ca);
    }
}
END_TEST

START_TEST(seeded_keys_are_reproducible)
{
    static const pki_key_type types[] = { PKI_KEY_EC_P256, PKI_KEY_RSA_1024, PKI_KEY_ED25519 };
    for (size_t i = 0; i < 3; i++) {
        char *pem[3];
        for (int round = 0; round < 3; round++) {
            WC_RNG r;
            pki_key k;
            mp_err e;
            const char *seed = round == 2 ? "seed-B" : "seed-A";
            ck_assert_int_eq(pki_rng_init(&r, (const uint8_t *)seed, strlen(seed), &e), 0);
            ck_assert_int_eq(pki_key_generate(&k, types[i], &r, &e), 0);
            ck_assert_int_eq(pki_key_private_pem(&k, &pem[round], NULL, &e), 0);
            pki_key_free(&k);
            pki_rng_free(&r);
        }
        ck_assert_str_eq(pem[0], pem[1]);
        ck_assert_str_ne(pem[0], pem[2]);
        for (int k = 0; k < 3; k++)
            free(pem[k]);
    }
    /* An unseeded RNG after a seeded one is not affected by the seed. */
    WC_RNG a, b;
    mp_err e;
    uint8_t x[16], y[16];
    ck_assert_int_eq(pki_rng_init(&a, NULL, 0, &e), 0);
    ck_assert_int_eq(pki_rng_init(&b, NULL, 0, &e), 0);
    wc_RNG_GenerateBlock(&a, x, sizeof x);
    wc_RNG_GenerateBlock(&b, y, sizeof y);
    ck_assert_int_ne(memcmp(x, y, sizeof x), 0);
    pki_rng_free(&a);
    pki_rng_free(&b);
}
END_TEST

START_TEST(private_key_pem_forms)
{
    static const struct { pki_key_type t; const char *hdr; } want[] = {
        { PKI_KEY_EC_P256, "-----BEGIN EC PRIVATE KEY-----" },
        { PKI_KEY_RSA_1024, "-----BEGIN RSA PRIVATE KEY-----" },
        { PKI_KEY_ED25519, "-----BEGIN PRIVATE KEY-----" },
    };
    for (size_t i = 0; i < 3; i++) {
        pki_key k;
        mp_err e;
        char *pem;
        ck_assert_int_eq(pki_key_generate(&k, want[i].t, &rng, &e), 0);
        ck_assert_int_eq(pki_key_private_pem(&k, &pem, NULL, &e), 0);
        ck_assert_msg(strncmp(pem, want[i].hdr, strlen(want[i].hdr)) == 0, "%s", pem);
        free(pem);
        pki_key_free(&k);
    }
}
END_TEST

START_TEST(general_names_and_constraints)
{
    der_buf b;
    mp_err e;
    const char *ok[] = { "DNS:a.test", "IP:192.0.2.1", "::1", "URI:spiffe://x/y",
                         "email:a@b.test", "plain.test" };
    der_init(&b);
    ck_assert_int_eq(pki_general_names(&b, ok, 6, &e), 0);
    /* dNSName [2], iPAddress [7] of 4 and 16 bytes, URI [6], rfc822Name [1] */
    der_in in = { b.p, b.len }, seq, gn;
    uint8_t tag;
    ck_assert_int_eq(der_next(&in, &tag, &seq, NULL), 0);
    uint8_t tags[6];
    size_t lens[6];
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(der_next(&seq, &tags[i], &gn, NULL), 0);
        lens[i] = gn.len;
    }
    ck_assert_uint_eq(tags[0], 0x82);
    ck_assert_uint_eq(tags[1], 0x87);
    ck_assert_uint_eq(lens[1], 4);
    ck_assert_uint_eq(tags[2], 0x87);
    ck_assert_uint_eq(lens[2], 16);
    ck_assert_uint_eq(tags[3], 0x86);
    ck_assert_uint_eq(tags[4], 0x81);
    ck_assert_uint_eq(tags[5], 0x82);
    der_free(&b);

    const char *bad[] = { "IP:300.1.1.1" };
    der_init(&b);
    ck_assert_int_eq(pki_general_names(&b, bad, 1, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "300.1.1.1"));
    der_free(&b);

    const char *perm[] = { "DNS:.allowed.test", "IP:10.0.0.0/8" };
    der_init(&b);
    ck_assert_int_eq(pki_name_constraints(&b, perm, 2, NULL, 0, &e), 0);
    /* 10.0.0.0/8 is address + mask: 8 bytes ending in ff 00 00 00 */
    ck_assert_int_eq(memcmp(b.p + b.len - 8, "\x0a\x00\x00\x00\xff\x00\x00\x00", 8), 0);
    der_free(&b);
    der_init(&b);
    ck_assert_int_eq(pki_name_constraints(&b, NULL, 0, NULL, 0, &e), -1);
    der_free(&b);
    /* A bare CIDR is an address range, not a DNS name. */
    const char *bare[] = { "192.168.0.0/16" };
    der_init(&b);
    ck_assert_int_eq(pki_name_constraints(&b, bare, 1, NULL, 0, &e), 0);
    ck_assert_int_eq(memcmp(b.p + b.len - 10, "\x87\x08\xc0\xa8\x00\x00\xff\xff\x00\x00", 10), 0);
    der_free(&b);
    const char *badcidr[] = { "IP:10.0.0.0/", "IP:10.0.0.1/8", "IP:10.0.0.0/33", "IP:10.0.0.0/8x" };
    for (int i = 0; i < 4; i++) {
        der_init(&b);
        ck_assert_msg(pki_name_constraints(&b, &badcidr[i], 1, NULL, 0, &e) == -1, "%s", badcidr[i]);
        der_free(&b);
    }
}
END_TEST

START_TEST(bad_subjects_are_refused)
{
    const char *bad[] = { "", "CN", "XX=1", "CN=a,CN=b", "CN=" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pki_key k;
        mp_err e;
        ck_assert_int_eq(pki_key_generate(&k, PKI_KEY_EC_P256, &rng, &e), 0);
        uint8_t serial[1] = { 1 };
        pki_cert_params p;
        memset(&p, 0, sizeof p);
        p.subject = bad[i];
        p.key = &k;
        p.not_before = 0;
        p.not_after = 86400;
        p.serial = serial;
        p.serial_len = 1;
        p.pathlen = -1;
        uint8_t *der = NULL;
        size_t len;
        ck_assert_msg(pki_cert_make(&p, &rng, &der, &len, NULL, NULL, &e) == -1,
                      "subject '%s' accepted", bad[i]);
        ck_assert_ptr_nonnull(strstr(e.msg, "subject"));
        pki_key_free(&k);
    }
}
END_TEST

static void collect(const char *san, void *arg)
{
    char *buf = arg;
    strcat(buf, san);
    strcat(buf, ";");
}

START_TEST(inspect_reads_what_was_written)
{
    made ca;
    mp_err e;
    make(&ca, PKI_KEY_EC_P256, "CN=Inspect CA", NULL, 1, 1, PKI_HASH_SHA256);
    pki_cert_info info;
    ck_assert_int_eq(pki_inspect(ca.der, ca.len, &info), 0);
    ck_assert_int_eq(info.is_ca, 1);
    ck_assert_int_eq(info.ku_key_cert_sign, 1);
    ck_assert_int_eq(info.self_issued, 1);
    ck_assert_int_eq(info.has_eku, 0);

    pki_key k;
    ck_assert_int_eq(pki_key_generate(&k, PKI_KEY_EC_P256, &rng, &e), 0);
    der_buf sans;
    der_init(&sans);
    const char *names[] = { "DNS:a.test", "IP:192.0.2.7", "URI:spiffe://t/x" };
    ck_assert_int_eq(pki_general_names(&sans, names, 3, &e), 0);
    uint8_t serial[2] = { 1, 2 };
    pki_cert_params p = { .subject = "CN=leaf", .key = &k, .issuer_cert = ca.der,
                          .issuer_cert_len = ca.len, .issuer_key = &ca.key,
                          .not_before = 1767225600, .not_after = 1767225600 + 86400,
                          .serial = serial, .serial_len = 2, .pathlen = -1,
                          .key_usage = "keyEncipherment", .eku = "serverAuth",
                          .sans = sans.p, .sans_len = sans.len, .hash = PKI_HASH_SHA1 };
    uint8_t *der;
    size_t len;
    ck_assert_msg(pki_cert_make(&p, &rng, &der, &len, NULL, NULL, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(pki_inspect(der, len, &info), 0);
    ck_assert_int_eq(info.sig_sha1, 1);
    ck_assert_int_eq(info.has_key_usage, 1);
    ck_assert_int_eq(info.ku_digital_signature, 0);
    ck_assert_int_eq(info.has_eku, 1);
    ck_assert_int_eq(info.eku_server_auth, 1);
    ck_assert_int_eq(info.eku_client_auth, 0);
    ck_assert_int_eq(info.is_ca, 0);
    ck_assert_int_eq(info.self_issued, 0);
    char buf[256] = "";
    ck_assert_int_eq(pki_inspect_sans(der, len, collect, buf), 0);
    ck_assert_str_eq(buf, "DNS:a.test;IP:192.0.2.7;URI:spiffe://t/x;");
    int64_t nb, na;
    ck_assert_int_eq(pki_inspect_validity(der, len, &nb, &na), 0);
    ck_assert_int_eq(nb, 1767225600);
    ck_assert_int_eq(na, 1767225600 + 86400);
    /* Garbage is refused, not misread. */
    ck_assert_int_eq(pki_inspect(der, len / 2, &info), -1);
    free(der);
    der_free(&sans);
    pki_key_free(&k);
    unmake(&ca);
}
END_TEST

START_TEST(spki_pin_matches_known_vector)
{
    /* SHA-256 of the empty string, base64. */
    char pin[45];
    mp_err e;
    ck_assert_int_eq(pki_spki_pin((const uint8_t *)"", 0, pin, &e), 0);
    ck_assert_str_eq(pin, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("pki");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, chain_verifies_for_each_key_type);
    tcase_add_test(tc, every_signature_hash_verifies);
    tcase_add_test(tc, foreign_ca_is_refused);
    tcase_add_test(tc, crl_revokes_only_listed_serials);
    tcase_add_test(tc, seeded_keys_are_reproducible);
    tcase_add_test(tc, private_key_pem_forms);
    tcase_add_test(tc, general_names_and_constraints);
    tcase_add_test(tc, bad_subjects_are_refused);
    tcase_add_test(tc, spki_pin_matches_known_vector);
    tcase_add_test(tc, inspect_reads_what_was_written);
    suite_add_tcase(s, tc);
    return s;
}
