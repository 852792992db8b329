/* A hand-built TLS 1.2 client (ECDHE X25519, AES-128-GCM) that completes
 * a handshake for what wolfSSL, the one TLS client of the project, cannot
 * ask: a renegotiation by a client without RFC 5746 (neither the
 * renegotiation_info extension nor its SCSV: the renegotiation
 * CVE-2009-3555 abuses), a secure renegotiation judged by the server's
 * first answer alone (no second handshake is completed), and the raw bytes
 * of a session ticket (for the Ticketbleed probe). */
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

/* Runs the probe on a connected socket (the caller closes it): without
 * RFC 5746, or (rfc5746) with it, the second ClientHello carrying the
 * client's verify_data. -1 only when it cannot run at all (no randomness,
 * no memory). */
int tls_reneg_probe(int fd, const char *sni, int rfc5746, int64_t deadline_ns, tls_reneg_result *r, mp_err *e);

/* A full handshake offering the session_ticket extension; the ticket of
 * the server's NewSessionTicket into ticket (*len 0: none, why says why).
 * -1 only when it cannot run at all. */
int tls_ticket_fetch(int fd, const char *sni, int64_t deadline_ns, uint8_t *ticket, size_t cap, size_t *len,
                     char *why, size_t why_len, mp_err *e);

#endif
