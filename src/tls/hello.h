/* A hand-built TLS 1.0-1.2 ClientHello and the parse of the server's first
 * answer (ServerHello or alert). It completes no handshake: it exists for
 * the audit questions wolfSSL as a client cannot ask, because wolfSSL never
 * sends what is asked about: cipher suites it does not implement (static
 * RSA, 3DES, RC4, export, NULL), the TLS_FALLBACK_SCSV signal, and a
 * compression method other than null. What the server picks from the offer
 * is the answer; no key is ever derived. */
#ifndef MP_TLS_HELLO_H
#define MP_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "tls/tls.h"
#include "util/err.h"

#define TLS_HELLO_MAX_SUITES 128

typedef struct tls_hello_opts {
    tls_version version;        /* TLS_V1_0, TLS_V1_1 or TLS_V1_2 */
    const uint16_t *suites;     /* offered in this order */
    size_t n_suites;
    int fallback_scsv;          /* append TLS_FALLBACK_SCSV (RFC 7507) */
    int offer_deflate;          /* compression methods {deflate, null} */
    const char *sni;            /* NULL: no server_name */
} tls_hello_opts;

typedef enum tls_hello_kind {
    TLS_HELLO_SERVER_HELLO,     /* the server chose from the offer */
    TLS_HELLO_ALERT,            /* it refused with an alert */
    TLS_HELLO_CLOSED,           /* it closed or reset without one */
    TLS_HELLO_TIMEOUT,
    TLS_HELLO_GARBAGE           /* it answered something that is not TLS */
} tls_hello_kind;

typedef struct tls_hello_result {
    tls_hello_kind kind;
    int version;                /* ServerHello version, e.g. 0x0303 */
    uint16_t suite;             /* the chosen suite */
    int compression;            /* 0 null, 1 deflate */
    int alert_code;             /* for TLS_HELLO_ALERT */
    uint16_t extensions[32];    /* extension types in the ServerHello */
    int n_extensions;
} tls_hello_result;

/* Sends one ClientHello on a connected socket (the caller closes it) and
 * reads the first answer within the deadline. -1 only for bad options. */
int tls_hello_probe(int fd, const tls_hello_opts *o, int64_t deadline_ns,
                    tls_hello_result *r, mp_err *e);

/* A cipher suite known by IANA and OpenSSL name. */
typedef struct tls_suite_name {
    uint16_t id;
    const char *iana;           /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    const char *openssl;        /* ECDHE-RSA-AES128-GCM-SHA256 */
} tls_suite_name;

/* The suites of old or weak classes that wolfSSL does not offer, probed
 * with tls_hello_probe. */
const tls_suite_name *tls_legacy_suites(size_t *n);

/* A suite's names by id (legacy table first, then wolfSSL's), or NULL. */
const tls_suite_name *tls_suite_by_id(uint16_t id);

#endif
