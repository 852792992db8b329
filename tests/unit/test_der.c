/* pki/der: encodings checked against known DER bytes. */
#include <string.h>

#include "check_main.h"
#include "pki/der.h"

static void expect_bytes(const der_buf *b, const uint8_t *want, size_t n)
{
    ck_assert_int_eq(b->failed, 0);
    ck_assert_uint_eq(b->len, n);
    ck_assert_int_eq(memcmp(b->p, want, n), 0);
}

START_TEST(integers)
{
    der_buf b;
    der_init(&b);
    der_int_u64(&b, 0);
    der_int_u64(&b, 127);
    der_int_u64(&b, 128);
    der_int_u64(&b, 256);
    const uint8_t want[] = { 2, 1, 0, 2, 1, 0x7f, 2, 2, 0, 0x80, 2, 2, 1, 0 };
    expect_bytes(&b, want, sizeof want);
    der_free(&b);
    uint8_t mag[3] = { 0, 0, 0x90 };
    der_init(&b);
    der_int_bytes(&b, mag, 3);
    const uint8_t want2[] = { 2, 2, 0, 0x90 };
    expect_bytes(&b, want2, sizeof want2);
    der_free(&b);
}
END_TEST

START_TEST(oids)
{
    der_buf b;
    der_init(&b);
    der_oid(&b, "1.2.840.113549.1.1.11");
    const uint8_t want[] = { 6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 11 };
    expect_bytes(&b, want, sizeof want);
    der_free(&b);
    const char *bad[] = { "", "1", "3.1", "1.40", "1..2", "1.2.x", "1.2.",
                          "2.99999999999999999999999", "1.2.99999999999999999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        der_init(&b);
        der_oid(&b, bad[i]);
        ck_assert_msg(b.failed, "OID '%s' should be refused", bad[i]);
        der_free(&b);
    }
}
END_TEST

START_TEST(times)
{
    der_buf b;
    der_init(&b);
    der_time(&b, 1767225600); /* 2026-01-01 */
    der_time(&b, 2556144000LL); /* 2051-01-01 */
    ck_assert_int_eq(b.failed, 0);
    der_buf bad;
    der_init(&bad);
    der_time(&bad, 253402300800LL); /* year 10000 */
    ck_assert_int_eq(bad.failed, 1);
    der_free(&bad);
    der_init(&bad);
    der_time(&bad, -62135596800LL); /* year 1 */
    ck_assert_int_eq(bad.failed, 1);
    der_free(&bad);
    const uint8_t want[] = { 0x17, 13, '2', '6', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z',
                             0x18, 15, '2', '0', '5', '1', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z' };
    expect_bytes(&b, want, sizeof want);
    der_free(&b);
}
END_TEST

START_TEST(nesting_and_long_lengths)
{
    der_buf b;
    der_init(&b);
    size_t s = der_begin(&b);
    uint8_t big[300];
    memset(big, 0xab, sizeof big);
    der_tlv(&b, DER_OCTET_STRING, big, sizeof big);
    der_end(&b, DER_SEQUENCE, s);
    ck_assert_int_eq(b.failed, 0);
    ck_assert_uint_eq(b.p[0], 0x30);
    ck_assert_uint_eq(b.p[1], 0x82);
    ck_assert_uint_eq((b.p[2] << 8) | b.p[3], 304);
    der_in in = { b.p, b.len }, c, inner;
    uint8_t tag;
    ck_assert_int_eq(der_next(&in, &tag, &c, NULL), 0);
    ck_assert_uint_eq(tag, 0x30);
    ck_assert_uint_eq(in.len, 0);
    ck_assert_int_eq(der_next(&c, &tag, &inner, NULL), 0);
    ck_assert_uint_eq(inner.len, 300);
    ck_assert_int_eq(der_next(&c, &tag, &inner, NULL), -1); /* end */
    /* Truncated input is refused, not over-read. */
    der_in cut = { b.p, 100 };
    ck_assert_int_eq(der_next(&cut, &tag, &c, NULL), -1);
    der_free(&b);
}
END_TEST

START_TEST(names)
{
    /* SEQUENCE { SET { SEQ { O, "a,b" } }, SET { SEQ { CN, "x" } } } */
    der_buf b;
    der_init(&b);
    size_t n = der_begin(&b);
    size_t set = der_begin(&b), atv = der_begin(&b);
    der_oid(&b, "2.5.4.10");
    der_tlv(&b, DER_UTF8, "a,b", 3);
    der_end(&b, DER_SEQUENCE, atv);
    der_end(&b, DER_SET, set);
    set = der_begin(&b);
    atv = der_begin(&b);
    der_oid(&b, "2.5.4.3");
    der_tlv(&b, DER_UTF8, " x", 2);
    der_end(&b, DER_SEQUENCE, atv);
    atv = der_begin(&b);
    der_oid(&b, "1.2.3.4");
    der_tlv(&b, DER_UTF8, "y", 1);
    der_end(&b, DER_SEQUENCE, atv);
    der_end(&b, DER_SET, set);
    der_end(&b, DER_SEQUENCE, n);
    char out[128];
    der_in name = { b.p, b.len };
    ck_assert_int_eq(der_name_string(name, out, sizeof out), 0);
    ck_assert_str_eq(out, "CN=\\ x+1.2.3.4=y,O=a\\,b");
    char tiny[8];
    ck_assert_int_eq(der_name_string(name, tiny, sizeof tiny), -1);
    der_free(&b);
}
END_TEST

START_TEST(too_many_rdns_is_an_error)
{
    der_buf b;
    der_init(&b);
    size_t n = der_begin(&b);
    for (int i = 0; i < 33; i++) {
        size_t set = der_begin(&b), atv = der_begin(&b);
        der_oid(&b, "2.5.4.11");
        der_tlv(&b, DER_UTF8, "u", 1);
        der_end(&b, DER_SEQUENCE, atv);
        der_end(&b, DER_SET, set);
    }
    der_end(&b, DER_SEQUENCE, n);
    char out[1024];
    der_in name = { b.p, b.len };
    ck_assert_int_eq(der_name_string(name, out, sizeof out), -1);
    der_free(&b);
}
END_TEST

START_TEST(hex)
{
    uint8_t d[] = { 0x00, 0xab, 0xff };
    char out[16];
    der_hex(d, 3, 0, out, sizeof out);
    ck_assert_str_eq(out, "00abff");
    der_hex(d, 3, 1, out, sizeof out);
    ck_assert_str_eq(out, "00:ab:ff");
    der_hex(d, 3, 0, out, 5);
    ck_assert_str_eq(out, "00ab");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("der");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, integers);
    tcase_add_test(tc, oids);
    tcase_add_test(tc, times);
    tcase_add_test(tc, nesting_and_long_lengths);
    tcase_add_test(tc, names);
    tcase_add_test(tc, too_many_rdns_is_an_error);
    tcase_add_test(tc, hex);
    suite_add_tcase(s, tc);
    return s;
}
