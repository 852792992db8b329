/* A client without RFC 5746 that renegotiates: a hand-built TLS 1.2
 * handshake (ECDHE X25519, AES-128-GCM) that offers neither the
 * renegotiation_info extension nor its SCSV, completes, and then sends a
 * second ClientHello under the new keys. wolfSSL, the one TLS client of the
 * project, refuses to renegotiate without RFC 5746, so this is the only way
 * to ask whether a server accepts the renegotiation CVE-2009-3555 abuses. */
#ifndef MP_TLS_RENEG_H
#define MP_TLS_RENEG_H

#include <stdint.h>

#include "util/err.h"

typedef enum tls_reneg_kind {
    TLS_RENEG_ACCEPTED,   /* a handshake record answered the second ClientHello */
    TLS_RENEG_REFUSED,    /* an alert or the connection closed */
    TLS_RENEG_TIMEOUT,    /* no answer to the second ClientHello */
    TLS_RENEG_NOT_TRIED   /* the first handshake did not complete (why says how) */
} tls_reneg_kind;

typedef struct tls_reneg_result {
    tls_reneg_kind kind;
    int alert_code;       /* the server's alert, -1: none */
    int server_ri;        /* its ServerHello carried renegotiation_info anyway */
    char why[160];
} tls_reneg_result;

/* Runs the probe on a connected socket (the caller closes it). -1 only
 * when it cannot run at all (no randomness, no memory). */
int tls_reneg_probe(int fd, const char *sni, int64_t deadline_ns, tls_reneg_result *r, mp_err *e);

#endif
