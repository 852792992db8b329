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

#define TLS_HELLO_MAX_SUITES 512

/* What to send once the server's first flight (through ServerHelloDone) has
 * been read, for the probes of known server bugs; the first record of the
 * answer is reported in tls_hello_result.after_*. */
typedef enum tls_hello_after {
    TLS_HELLO_AFTER_NONE,
    TLS_HELLO_AFTER_HEARTBEAT,  /* a heartbeat_request claiming 16384 bytes of
                                 * payload and carrying 1 (Heartbleed) */
    TLS_HELLO_AFTER_CCS         /* a ChangeCipherSpec before any key exchange
                                 * (CCS injection) */
} tls_hello_after;

typedef struct tls_hello_opts {
    tls_version version;        /* TLS_V1_0, TLS_V1_1, TLS_V1_2, or TLS_V1_3:
                                 * then a TLS 1.3 ClientHello offering `groups`
                                 * with an empty key_share, so a server that
                                 * takes one of them answers with a
                                 * HelloRetryRequest naming it */
    int ssl3;                   /* offer SSL 3.0 instead (version ignored) */
    int read_flight;            /* read the whole first flight: certificates,
                                 * key exchange parameters */
    const uint16_t *suites;     /* offered in this order */
    size_t n_suites;
    int fallback_scsv;          /* append TLS_FALLBACK_SCSV (RFC 7507) */
    int offer_deflate;          /* compression methods {deflate, null} */
    const char *sni;            /* NULL: no server_name */
    int heartbeat;              /* offer the heartbeat extension (RFC 6520) */
    tls_hello_after after;      /* needs read_flight */
    const uint16_t *groups;     /* TLS 1.3: the supported_groups offered */
    size_t n_groups;
    const uint8_t *ticket;      /* a session ticket to resume (session_ticket
                                 * extension, RFC 5077), NULL: none */
    size_t ticket_len;
    const uint8_t *session_id;  /* sent as the ClientHello's session id */
    size_t session_id_len;      /* 0..32 */
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
    uint8_t session_id[32];     /* the ServerHello's session id */
    int session_id_len;
    int resumed;                /* with read_flight: a ChangeCipherSpec came
                                 * after the ServerHello (an abbreviated
                                 * handshake) */
    uint16_t suite;             /* the chosen suite */
    int compression;            /* 0 null, 1 deflate */
    int alert_code;             /* for TLS_HELLO_ALERT */
    uint16_t extensions[32];    /* extension types in the ServerHello */
    int n_extensions;
    /* With read_flight: the Certificate message (leaf first) and the
     * ServerKeyExchange's parameters. */
    uint8_t certs[24576];
    size_t cert_off[8], cert_len[8];
    int n_certs;
    int dh_bits;                /* finite-field DH prime size, 0: none */
    int ecdh_group;             /* named group of an ECDHE exchange, -1: none */
    int flight_complete;        /* ServerHelloDone was read */
    int hrr;                    /* TLS 1.3: a HelloRetryRequest */
    int selected_group;         /* its key_share group, -1: none */
    /* The answer to opts.after: the first record's content type (21 alert,
     * 24 heartbeat, ...), its length and, for an alert, its code; kind
     * TLS_HELLO_TIMEOUT or TLS_HELLO_CLOSED when no record came. */
    int after_sent;             /* the record was sent */
    tls_hello_kind after_kind;
    int after_type;
    size_t after_len;
    int after_alert;
} tls_hello_result;

/* SSL 2.0: sends an SSLv2 CLIENT-HELLO offering every SSLv2 cipher kind and
 * reads the answer. *accepted is 1 when the server answered SERVER-HELLO;
 * *n_ciphers is then how many cipher kinds it listed. -1 only for a
 * socket failure before anything was sent. */
int tls_sslv2_probe(int fd, int64_t deadline_ns, int *accepted, int *n_ciphers, tls_hello_kind *kind,
                    mp_err *e);

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

/* The catalogue (src/tls/suites.c): every IANA-registered suite a TLS
 * 1.0-1.2 server can negotiate, each once, probed with tls_hello_probe. */
const tls_suite_name *tls_legacy_suites(size_t *n);

/* A suite's names by id from the catalogue, or NULL. */
const tls_suite_name *tls_suite_by_id(uint16_t id);

/* A suite's id by OpenSSL or IANA name, from the catalogue or else from
 * wolfSSL's suites (TLS 1.3 too); -1 if neither knows it. */
int tls_suite_id(const char *name, uint16_t *id);

/* A suite's IANA name by id, and in *openssl its OpenSSL name, from the
 * catalogue or else from wolfSSL's suites; NULL (and *openssl possibly
 * NULL) when unknown. */
const char *tls_suite_iana_name(uint16_t id, const char **openssl);

#endif
