/* Minimal DER writer and reader for the pieces wolfCrypt's certificate API
 * does not build for us: SubjectAltName and NameConstraints values, custom
 * extensions, CRL bodies, dates, and walking a certificate to its subject,
 * serial and SubjectPublicKeyInfo. */
#ifndef MP_PKI_DER_H
#define MP_PKI_DER_H

#include <stddef.h>
#include <stdint.h>

enum {
    DER_BOOLEAN = 0x01, DER_INTEGER = 0x02, DER_BIT_STRING = 0x03,
    DER_OCTET_STRING = 0x04, DER_NULL = 0x05, DER_OID = 0x06,
    DER_ENUMERATED = 0x0a, DER_UTF8 = 0x0c, DER_PRINTABLE = 0x13,
    DER_IA5 = 0x16, DER_UTCTIME = 0x17, DER_GENTIME = 0x18,
    DER_SEQUENCE = 0x30, DER_SET = 0x31,
    DER_CTX = 0x80, DER_CTX_CONS = 0xa0
};

typedef struct der_buf {
    uint8_t *p;
    size_t len;
    size_t cap;
    int failed; /* set by any allocation failure or bad input; sticky */
} der_buf;

void der_init(der_buf *b);
void der_free(der_buf *b);
void der_raw(der_buf *b, const void *data, size_t len);
void der_tlv(der_buf *b, uint8_t tag, const void *data, size_t len);
/* Nesting: remember der_begin()'s offset, write the content, then der_end()
 * wraps everything written since in tag + length. */
size_t der_begin(const der_buf *b);
void der_end(der_buf *b, uint8_t tag, size_t start);
void der_int_u64(der_buf *b, uint64_t v);
/* Unsigned big-endian magnitude, as certificate serials are. */
void der_int_bytes(der_buf *b, const uint8_t *mag, size_t len);
void der_bool(der_buf *b, int v);
/* Dotted OID text; a malformed OID sets b->failed. */
void der_oid(der_buf *b, const char *dotted);
/* UTCTime for 1950..2049 as RFC 5280 requires, GeneralizedTime otherwise. */
void der_time(der_buf *b, int64_t epoch);

/* Reader: a view of bytes. */
typedef struct der_in {
    const uint8_t *p;
    size_t len;
} der_in;

/* Takes the next element of *in: its tag, its content, and the whole
 * element (header included). Returns -1 at the end or on malformed input. */
int der_next(der_in *in, uint8_t *tag, der_in *content, der_in *whole);

/* Parts of a DER certificate, as views into it. */
typedef struct der_cert_parts {
    der_in tbs, serial, issuer, subject, validity, spki, extensions;
    der_in sig_alg; /* the outer signatureAlgorithm's OID contents */
} der_cert_parts;

int der_cert_split(const uint8_t *cert, size_t len, der_cert_parts *out);

/* A Name (the whole SEQUENCE element) as RFC 4514 text, most specific RDN
 * first: "CN=x,OU=y,O=z". Unknown attributes appear as dotted OIDs. */
int der_name_string(der_in name, char *out, size_t outlen);

/* Hex digits of a byte string, lower case, with ':' separators when sep. */
void der_hex(const uint8_t *p, size_t len, int sep, char *out, size_t outlen);

#endif
