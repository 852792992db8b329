/* pki/secret: password sources (openssl -passin forms) and private keys in
 * every form users hold them: plain PKCS#8, encrypted PKCS#8 (PBES2 with
 * AES), traditional encrypted PEM (AES, 3DES). The encrypted vectors were
 * made with `openssl pkcs8 -topk8 -v2` and `openssl ec|rsa -traditional`
 * from the plain keys below, password "test-pass"; they are test data only. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "check_main.h"
#include "pki/key.h"
#include "pki/secret.h"

static const char ec_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnr7bJy+aAOe6kpFq\n"
    "HhcxQ/tPLYB3An7qsx0UMNPpV3ShRANCAASy0H+oL1VQUsrsZlNmSVtRrTc0VDwc\n"
    "qaZT7c4rBESC6NRj08Ano4bIkjAY/7gJYQ7tVIwEG6w94CY0RBVqUROC\n"
    "-----END PRIVATE KEY-----\n"
    ;
static const char ec_p8_pem[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiPSNwnE22nswICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEO7QFkcYfNsSFUhizuKzyFUEgZBI\n"
    "XeTXeMQX33N+q5MtJXmspexYimtx6koduKSkaa9+jhngztUvy05s3sh9zavFx/gY\n"
    "UFI9Ox/qxko6EHQBIAhGZsNssYp1UD4u+tpYVZixy4HwlU//dy5c2Q5M1Ctijxxr\n"
    "mtENd6D+ZH4jiAF553+4CeHWxpncMZN/B+eZjl75R3IoaoZkS/ysbrPWFumLQQY=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n"
    ;
static const char ec_trad_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "Proc-Type: 4,ENCRYPTED\n"
    "DEK-Info: AES-256-CBC,88C6A36743E5B8DE3069E64EBAEACCFC\n"
    "\n"
    "PqrjU0s7cbrcVMx/LPF/A2PzFvrZTvYlbXgNX/sHI660Vco+Td9wNBKDxNgSPjFM\n"
    "UIECu68iDvrZMtqE8RTfSHNaUEi8UTvIgnJ9T4dEUD1Bf7yL9tWLYnWbQ2BYrdGQ\n"
    "c2e9oeH7TFmHuoS5eCh7nfnrGedq8YMt4WT7m71E2iw=\n"
    "-----END EC PRIVATE KEY-----\n"
    ;
static const char rsa_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDI26VY/qFVtEXz\n"
    "NHF48i06WH/NKgvmX5Bs9CfPWl3Sa2bS73LT7NWg4ViRnFKz+tJnhqxG+g0mkU67\n"
    "AXQAHdZzlVUVMlwbZgyhXsFPxZCXFdfkOjcvDFBVFj3ZYpa2wpyWhAfkNYRCnngm\n"
    "jF4Dy3NYbKW1XuhbLXcl9LFVToZUf1PkSBWBuXU6DkRxMwoxj6nxitw3IOQHGbfj\n"
    "+90mx0nCDEn2+kdxIY3S+sg985Qp/lIrv3YQAUXOipMWDFKeeJw8RFvkcBYaBeY9\n"
    "7aUINSzLTDBPrWcTjSK+FwZ+Pl0WkJDwaCl3KMTuBLcq5vmC1Lr9XJtYtMOOA0B7\n"
    "xhDy+AAdAgMBAAECggEAHvXseNlXGRTeq2xsCU6bNiEqIf/XMb2NT54a/NVbHPI9\n"
    "OUp7krsw+smBk4BbJy8Ee7zAlXg5yrYfQqgor1PqGIruQIQwunByhfVLKvazIPbW\n"
    "/nESzIfDYjo5cmbGAInjBTh41u6A4pv2vUppu4AC2aB1so1cl6FceldLdnDSN/fa\n"
    "l0jTJTvMaYGnhjaz5YWIO4ULFDgfYU4ussm91/XrBjCC7DhpxHrvKaFTnTQ80oeD\n"
    "ci/cqbqwURYEBiy70zhtB8yC1nKNC1NJd8TBpzHjPGEw89e/09SDJOGRJN/I7gWs\n"
    "KQMLnBEd6dMv3FqOVEm97SJRWvFoJnbqFwZk8iYZgQKBgQDlPixUrWRjy19SSP6B\n"
    "gHB2yyux3JiTN5u0Yn6oFhFgcWx2POZoAaDGAQbV/vybIVniIb0P217IdwcviKEm\n"
    "AoYsbHV3ir6k+9130LhTTZ2PUo+FRt2mZ9eHT2IqyTotWtGYgMI1gImAtTqdebBm\n"
    "HO9UuCugBC1UxJRThm9rd1yFsQKBgQDgTVOYVQsUcLWCM5pncCkj0SQnvJ/XvkVm\n"
    "kQmiS3VQ9YIMRUUjEyQKJmDiHYSHoum409jEVZhaEnl6QOszGQbBGgUOV6FwXFZu\n"
    "c1XSXRf7/Rw4+K0x9T3refCp397jgtBMp2ty8mWj8C73shBx4ApXjMze0Hr82spk\n"
    "+jEXTZyALQKBgFpBt1yDhDISYW5ZVPMR6bWr2oFFtEDKNSC5Ytq1DZRmM+j9o02x\n"
    "zmYHA3T/1t8RK31wASscGN5eltKtPZ1kgwU8kqdFVjhI/fJtmBUcSvuh6uXzd9NL\n"
    "sT0SETl9Ts2Ko1ki4NQFzp2BPRnBTqV1oPk/JdXzrxFf8HJOTNIIBcKRAoGBAM4x\n"
    "h4VjuFnD+reEZI5uJwOMAOaemXokqXvOHMMbBu+zoSdSjmnd8KV7/lgetnRRqPWF\n"
    "maFy5ij3DsD56L0CZpkhKEC1Ae1elP3X/K7zcVbuqQEeaWihf5h2cmxXJniTCpVM\n"
    "2pPCjPkVlLeS81cbk6ZEAxlZIZZMMv58mKBJcnLJAoGAfdGbzXGZNCxZphKfmg1Q\n"
    "62ee0HpJHfYmLtk7YyvsfLT635octYTkNExLbEvX1ftT0dJg94TpjcnEUriWYQ5R\n"
    "EqONu0HSahxKtSLr7ggOk6mYl7nPUb8m0vJln7F5muRciLx8ZcqMgBjst8aXePYi\n"
    "TN4yOa8oJt119tONc6s1SLY=\n"
    "-----END PRIVATE KEY-----\n"
    ;
static const char rsa_p8_pem[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIIFLTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQIGX75tfRqHxECAggA\n"
    "MAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAECBBBDI1lnV/EfiBCR41W+s8G6BIIE\n"
    "0JxBdWPpQx8yB4cHAYNb+7cGIO28fwjYVO/Rq+PpxcBj5STqSKsrc61OVhbmr35R\n"
    "49k4ZfmraVfWIfd/tdRw5IFyzgPecq+rooq/IHESSYjFAHh+Pxi9g6pGgaTy54KQ\n"
    "udAPIkqOW+/FT5zHWi/dXkA20i3dsJtOEb5G0LIRs1RSx+GmV18Qhz2t31e0/Ddx\n"
    "GDt5Dgl2XjTy2I+PZbbY4FGxRVNXyAyHTXqD72ZyWXanJD1IMI7XgQc8+C65u06r\n"
    "id6M+ulQBVGC3DlFRTijkxn81RBMhsxZcd2xM9Frtn/4RyNP42JrkIfXn/vsv0oV\n"
    "7How94WhaNP6qlw4FNlan7pv9iBKQI7QYfnAxoMnlmxRl7TJhzhYKa4+Y2VWPkMU\n"
    "FeXWaNMppnt1Utz3IQPHKzxBFYlfRG+nwAlMHxyl87PLw25LUe/Knknoq012+XTh\n"
    "NiL3g9ZXnrexVQ16szzJlGgzsbqVzRyTxhsPekjrwk0qJjZTkuNzyYsdRUrXobUf\n"
    "wxTRnvEZUW9wp+wS9nhOnV1nd9UDxLt1LcbvSl84ySacDr/IDxoG4ib4Uv1n1upK\n"
    "x2epPF6Ci0IFIEAx4MegsICF45s74YdCEL5xxvJeG8rUbEv4v0QFU8HV2rwQknQs\n"
    "qvknjCsmfUjd9nJiy1HBcdJobirIbs4jHWhHdPPs7XS5RAwyBAgBVu+bHFSdCTLn\n"
    "bRPfJYGBQmI9t/zP68siJwg/cqE7OO2BmTkt0BSFhKx2bBFtIG0jkHpdASTgSpAY\n"
    "WD+5MeKzHoYhOSFSzNYMoLqNnIjQ9NvR6zeG1MrEBiLhBwNPD1nrDdaGiMuvyDYo\n"
    "mixVIUmLOtSNK3CkpoYzDLogs9l2m8zuOele2DYpuThS/KTF7nQlxHlNO80z8QnN\n"
    "zIGntj30tPdMfZ6AmUaiHRr1HTXod+UX/xDXEYzwEWHm1PBM0R/qYVT4LpSbX42A\n"
    "N0ZosiehZGBW5GU4qIgYAg9YDRuCrVM5IieUjz/ObilwnvnbA82B8Hx7j7eSgB7n\n"
    "GYHrJFIN8zXqMPkAP3c0zUDZOqM5J9d+iyrYDwCAAQj/D8voZQhzIHeQhAZ3z3P0\n"
    "JyI2awewZI/logpsO/Hve3EbKFVSMOcKNe9c6ZbBPlNN+zYK1JXsb1I8dwwIxXSi\n"
    "e2xIns8lWmSFVtsD21iUt4VVS87HNEvFoWT4Lgk4KX4G3FJBt/jcE4LNmJvndOt6\n"
    "CB23rZHur/+l4nGcQ6mVz3Yr2nFAUorN8J4/zeZNj9dYoG3ptKwlO7tPERXxEtC3\n"
    "AQO0PBZeKzB8xD2GXRRkmeU6lwRZG1yEe4qRsUIhBjUTW1cATugj7hPpxYey0tKr\n"
    "r3szlx6K9u5vOE7kN2/YFyI9MXLNZDzXLHbv0y++h/SoQVffixgscVl/ViPBPYuW\n"
    "iLMnxkHGd6JSmVBOdcejKADkXKpvltGfM+cggbCkghNmxW9CUL7jKW1240lzGeyJ\n"
    "LdAgXofa7g5SfcoAw8OmBqYbrzqjN4k8OdJvBsgCqtYtHLVVAQ9jmF1rlGXCZHha\n"
    "UAH1uHrjWj8qEugzUemE74WNtLmxUzQdhlUExyaIKlLEJL+x6cOHXjbWb5CJwAiK\n"
    "sn/82oUVyEfb4M5DxlXeM4xyZzPx+bX7zbrAA1Taruq2\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n"
    ;
static const char rsa_trad_pem[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "Proc-Type: 4,ENCRYPTED\n"
    "DEK-Info: DES-EDE3-CBC,ED866D083E5448FD\n"
    "\n"
    "5THqhRFsGfj7L71ZaWdilDzfq5R21aQZIwFnE3V+BaSv+CpiZUNpytM4nXWQzTTO\n"
    "8RvN+vmesfgRw2tiJ9YUxkAnWNRA19LqYB+eGmcT7Gq3ZJ9NZebr4aZ2nv20z79P\n"
    "hZARGWE37GfRt0duJwitgo3PT3+3QF4oUhcho3hO3h1olc0q/E0IhDujQQMzq2hU\n"
    "0qMDfNrElFMEM2jbwvDJfkGzu2fg2QV93U47CsWVgZXdFJ/njAQbYIuMluavSJCn\n"
    "Wxuw0BJNZK2cY5wbxQ/2cTO87e3hhZD3PEbUwMvNdsP4ha6TOkRPmL0tjCUqiq/e\n"
    "u+BpCIzWqkLFTHcqGTiZxBO8/9GOolESPmmO5t8fkrfDYBDH7SUs7kdOFngxM8Zb\n"
    "QN1OC9Xh1rqL2Fhau9XWQYMtXzdpRFNoxFOOhCbb/sbOHmJ3QAHfxrWEXLJlbKQl\n"
    "8Sil2m+Fxp/Fk7sqTkjA7Xqe16OSVLwgqCiIg/a7Q29pef/FKzYxXCW0hvy3NfZX\n"
    "Gf31/3Xy06hQnTkU1skq104+TJKZTdKckaQrK0OBQbi7Tz2mSAO74Gtm8CK1gDZR\n"
    "4l5uKNN0d0t+WtDd9J/q+vbnjK0LyVXLKGeclYR4ZfnU+aiM1KE2uSynyivoNg7t\n"
    "XhNP7kPiSX0yf+gSG7WwIBxydLdxKxKuokWc0HXn8jfFSx0CJ90UNNtsxjpBia+I\n"
    "DQYAseHLNol20AuJSxt6h5UKYeaba9+r6A7UDImIb74a6ggTXvB7zZyUGOCRLtvG\n"
    "jfI9soyMVEh/m+PudzhQkH/p8/QzqAjSEfCl4A6IC3IHBXwJDawpDMsA9IZobRFi\n"
    "wxWtJeQc8qFnhBLtgr++/o7BD9bgf+njUyZSx2biPh2sihWsFKv0tWkui1uw3HVH\n"
    "QxIqPO6zllJp2+c/1XWcuNvpAZ4IwHX8y+aoS1UfyBRDJX+g8kiAz2PoaQ84QfQG\n"
    "IAcNr79T/fc2MoAqkHEh86nxxz0xK6SOnH5Tp37MNEfMzAESqPkWjoVhj/8IHOyy\n"
    "Zd6kHLgL3o90bsbi0Luwp9Ttw4u8CVycdqV1LmZeg8avcRUd1Wu1PeipXRlENT44\n"
    "zLYg7VOSp77SkA7uLPFb0WsPJRq89Jticx3WxWgXiTmfrTh6F4dw4SdbA1UeX5dI\n"
    "KeI8Mo86kLf6Rd95YW18N1jwwIyoPYx0c78+nvBaQuPec3SCnllZBNr8Jl9x+9/N\n"
    "aCvVwXSrnE3JoyPZ/8elNBCNJJ0S+cvc5eYwy8feiYRdUcR3wh1UOaOuy4NBOQ/U\n"
    "i6jdEvwUso9jX+Ht8OIy7dJKDF9j4PQMWuZBiZXtZ39Uzoy7voOb5fjW9mFK6QfD\n"
    "mG7dna2wlRvxNEOE1xiwrpxo4dyV63gs9h+YqO6GMomihumHigThGuvA41rTCNC3\n"
    "P93Pf3uRGeOJcC5iUuhaEFQCFbwLOKxQKMA8U20NgJBUuXT3uojMvkr/fRYAVLCP\n"
    "Do948bzC4yyELhmKfxHSmEMgOyL4rRlTL9oq4iGl3BNmmxAHvv57VCeRd5kE4xZS\n"
    "bLq9aC+RWMtj58e7XXy7Z2jtMeNmZyDzDxHIaHyMI/BVNfDEpR+wHg==\n"
    "-----END RSA PRIVATE KEY-----\n"
    ;
static const char ed_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIBbNFxJsZ2Y5mzYM+4Jyq/tr1fAhkHwuJ9RI5Qp00g+r\n"
    "-----END PRIVATE KEY-----\n"
    ;
static const char ed_p8_pem[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgyg/yteBO5yAICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEJ9qnYCmb4n1XE2/VI4PyB4EQInv\n"
    "ZlIM1H5u65piXgOiR+OjEs2gzkZMGEvXHHo+liPxWV8zRRw2uWK+dTvOsvItYKGu\n"
    "JlpMp3pA+jiQK0J6r4U=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n"
    ;

static int spki(pki_key *k, uint8_t *out)
{
    mp_err e;
    int n = pki_key_spki_der(k, out, 1024, &e);
    ck_assert_msg(n > 0, "%s", e.msg);
    return n;
}

/* The decrypted key must be the very key of the plain vector. */
static void same_key(const char *plain, const char *enc, const char *pass, pki_key_type want)
{
    mp_err e;
    pki_key a, b;
    uint8_t sa[1024], sb[1024];
    ck_assert_msg(pki_key_load(&a, (const uint8_t *)plain, strlen(plain), NULL, &e) == 0,
                  "%s", e.msg);
    ck_assert_msg(pki_key_load(&b, (const uint8_t *)enc, strlen(enc), pass, &e) == 0,
                  "%s", e.msg);
    ck_assert_int_eq(a.type, want);
    ck_assert_int_eq(b.type, want);
    int na = spki(&a, sa), nb = spki(&b, sb);
    ck_assert_int_eq(na, nb);
    ck_assert(memcmp(sa, sb, (size_t)na) == 0);
    pki_key_free(&a);
    pki_key_free(&b);
}

START_TEST(encrypted_keys_decrypt_to_the_plain_key)
{
    wolfSSL_Init();
    same_key(ec_pem, ec_p8_pem, "test-pass", PKI_KEY_EC_P256);
    same_key(ec_pem, ec_trad_pem, "test-pass", PKI_KEY_EC_P256);
    same_key(rsa_pem, rsa_p8_pem, "test-pass", PKI_KEY_RSA_2048);
    same_key(rsa_pem, rsa_trad_pem, "test-pass", PKI_KEY_RSA_2048);
    same_key(ed_pem, ed_p8_pem, "test-pass", PKI_KEY_ED25519);
    /* A password given for a plain key is ignored. */
    same_key(ec_pem, ec_pem, "unused", PKI_KEY_EC_P256);
    wolfSSL_Cleanup();
}
END_TEST

START_TEST(wrong_or_missing_password_is_a_clear_error)
{
    mp_err e;
    pki_key k;
    const char *encs[] = { ec_p8_pem, ec_trad_pem, rsa_trad_pem, rsa_p8_pem, ed_p8_pem };
    wolfSSL_Init();
    for (size_t i = 0; i < sizeof encs / sizeof encs[0]; i++) {
        ck_assert(pki_key_is_encrypted((const uint8_t *)encs[i], strlen(encs[i])));
        ck_assert_int_eq(pki_key_load(&k, (const uint8_t *)encs[i], strlen(encs[i]), NULL, &e), -1);
        ck_assert_msg(strstr(e.msg, "encrypted") != NULL, "%s", e.msg);
        ck_assert_int_eq(pki_key_load(&k, (const uint8_t *)encs[i], strlen(encs[i]), "wrong-pass", &e), -1);
        ck_assert_msg(strstr(e.msg, "wrong password") != NULL, "%s", e.msg);
        ck_assert(strstr(e.msg, "wrong-pass") == NULL);
    }
    ck_assert(!pki_key_is_encrypted((const uint8_t *)ec_pem, strlen(ec_pem)));
    const char cert[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    ck_assert_int_eq(pki_key_load(&k, (const uint8_t *)cert, strlen(cert), NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "no PEM private key") != NULL, "%s", e.msg);
    const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
    ck_assert_int_eq(pki_key_load(&k, junk, sizeof junk, NULL, &e), -1);
    ck_assert_int_eq(pki_key_load_file(&k, "/nonexistent/key.pem", NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "/nonexistent/key.pem") != NULL, "%s", e.msg);
    wolfSSL_Cleanup();
}
END_TEST

START_TEST(generated_keys_round_trip)
{
    /* Our own PEM output (SEC1, PKCS#1, PKCS#8) loads back as the same key. */
    mp_err e;
    WC_RNG rng;
    wolfSSL_Init();
    ck_assert_int_eq(pki_rng_init(&rng, NULL, 0, &e), 0);
    pki_key_type types[] = { PKI_KEY_EC_P256, PKI_KEY_EC_P384, PKI_KEY_RSA_2048, PKI_KEY_ED25519 };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        pki_key a, b;
        char *pem;
        size_t len;
        uint8_t sa[1024], sb[1024];
        ck_assert_int_eq(pki_key_generate(&a, types[i], &rng, &e), 0);
        ck_assert_int_eq(pki_key_private_pem(&a, &pem, &len, &e), 0);
        ck_assert_msg(pki_key_load(&b, (const uint8_t *)pem, len, NULL, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(b.type, types[i]);
        int na = spki(&a, sa), nb = spki(&b, sb);
        ck_assert_int_eq(na, nb);
        ck_assert(memcmp(sa, sb, (size_t)na) == 0);
        pki_secret_free(pem, len);
        pki_key_free(&a);
        pki_key_free(&b);
    }
    pki_rng_free(&rng);
    wolfSSL_Cleanup();
}
END_TEST

START_TEST(password_sources)
{
    mp_err e;
    char pw[64];
    ck_assert_int_eq(pki_pass_read("pass:s3cret", pw, sizeof pw, &e), 0);
    ck_assert_str_eq(pw, "s3cret");
    ck_assert_int_eq(pki_pass_read("pass:", pw, sizeof pw, &e), 0);
    ck_assert_str_eq(pw, "");

    setenv("MP_TEST_PW", "from-env", 1);
    ck_assert_int_eq(pki_pass_read("env:MP_TEST_PW", pw, sizeof pw, &e), 0);
    ck_assert_str_eq(pw, "from-env");
    unsetenv("MP_TEST_PW");
    ck_assert_int_eq(pki_pass_read("env:MP_TEST_PW", pw, sizeof pw, &e), -1);
    ck_assert_msg(strstr(e.msg, "not set") != NULL, "%s", e.msg);

    char path[] = "/tmp/mp-test-pw-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "line-one\r\nline-two\n", 19), 19);
    close(fd);
    char src[64];
    snprintf(src, sizeof src, "file:%s", path);
    ck_assert_int_eq(pki_pass_read(src, pw, sizeof pw, &e), 0);
    ck_assert_str_eq(pw, "line-one");
    unlink(path);
    ck_assert_int_eq(pki_pass_read(src, pw, sizeof pw, &e), -1);
    ck_assert_msg(strstr(e.msg, path) != NULL, "%s", e.msg);

    /* fd:N reads one line and leaves the rest for the next reader. */
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], "first\nsecond", 12), 12);
    close(p[1]);
    snprintf(src, sizeof src, "fd:%d", p[0]);
    ck_assert_int_eq(pki_pass_read(src, pw, sizeof pw, &e), 0);
    ck_assert_str_eq(pw, "first");
    ck_assert_int_eq(pki_pass_read(src, pw, sizeof pw, &e), 0);
    ck_assert_str_eq(pw, "second");
    close(p[0]);
    ck_assert_int_eq(pki_pass_read("fd:x", pw, sizeof pw, &e), -1);

    /* Too long: refused, never cut short. */
    char small[4];
    ck_assert_int_eq(pki_pass_read("pass:abcd", small, sizeof small, &e), -1);
    ck_assert_msg(strstr(e.msg, "longer than 3") != NULL, "%s", e.msg);
    /* A source without a known prefix is not echoed: it may be a password. */
    ck_assert_int_eq(pki_pass_read("hunter2", pw, sizeof pw, &e), -1);
    ck_assert(strstr(e.msg, "hunter2") == NULL);
    ck_assert_msg(strstr(e.msg, "env:VAR") != NULL, "%s", e.msg);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("secret");
    TCase *tc = tcase_create("secret");
    tcase_add_test(tc, password_sources);
    tcase_add_test(tc, encrypted_keys_decrypt_to_the_plain_key);
    tcase_add_test(tc, wrong_or_missing_password_is_a_clear_error);
    tcase_add_test(tc, generated_keys_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
