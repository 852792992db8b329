/* What an audit of the gateway's own TLS needs beyond an ordinary client:
 * the server's TLS 1.2 handshake messages as sent (ServerHello compression
 * and extensions, CertificateRequest, CertificateStatus, NewSessionTicket),
 * the stapled OCSP response and wolfSSL's verdict on it, renegotiation,
 * chain verification without a handshake, and wolfSSL's cipher suites by
 * OpenSSL and IANA name. */
#ifndef MP_TLS_AUDIT_H
#define MP_TLS_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "tls/tls.h"
#include "util/err.h"

#define TLS_CAPTURE_MAX_CA_NAMES 32

/* Filled while a connection with tls_conn_opts.capture runs. wolfSSL hands
 * a client only the unencrypted handshake messages, so the message fields
 * describe TLS 1.0-1.2 handshakes; in TLS 1.3 the CA names come from
 * wolfSSL's parse and the stapling fields from its status callback. */
typedef struct tls_capture {
    int server_hello_seen;
    uint16_t version;              /* the version it chose: 0x0303 TLS 1.2, 0x0304 TLS 1.3 */
    int compression;               /* the ServerHello's compression method */
    uint16_t suite;
    uint16_t extensions[32];       /* extension types in the ServerHello */
    int n_extensions;
    int cert_request_seen;         /* a CertificateRequest (any version) */
    uint16_t sig_algs[64];         /* TLS 1.2 CertificateRequest signature schemes */
    int n_sig_algs;
    char ca_names[TLS_CAPTURE_MAX_CA_NAMES][256]; /* distinguished names it lists */
    int n_ca_names;
    int ca_names_known;            /* the list could be read */
    int ticket_received;           /* a TLS 1.2 NewSessionTicket */
    int ocsp_received;             /* a stapled OCSP response arrived */
    int ocsp_error;                /* wolfSSL's verdict on it: 0 valid, else its error */
    size_t ocsp_len;
} tls_capture;

/* Called by tls_client_init and tls_conn_init for the audit options. */
int tls_audit_client_setup(struct WOLFSSL_CTX *ctx, const tls_client_opts *o, mp_err *e);
void tls_audit_capture(tls_conn *c, tls_capture *cap);
int tls_audit_conn_setup(tls_conn *c, const tls_client *cl, mp_err *e);

/* After the handshake: reads what wolfSSL parsed (CA names in TLS 1.3). */
void tls_audit_finish(tls_conn *c);

/* The server's ServerHello carried renegotiation_info (RFC 5746). */
int tls_secure_renegotiation(tls_conn *c);

/* Starts a client-initiated renegotiation on a TLS 1.2 connection made with
 * secure_renegotiation. Returns 1 when the server completed it, 0 when it
 * refused (how, in out), -1 when it could not be tried (why, in out). */
int tls_conn_renegotiate(tls_conn *c, int64_t deadline_ns, char *out, size_t outlen);

/* Verifies a chain (leaf first, then what the server sent) to the anchors
 * in ca_file, without a hostname and, unless check_time, at no particular
 * time. 1 verified, 0 not (why, in err), -1 could not try. */
int tls_verify_chain(const uint8_t *const *der, const size_t *len, int n, const char *ca_file,
                     int check_time, char *err, size_t errlen);

/* wolfSSL's cipher suites for a version (TLS_V1_3, or TLS_V1_2 for every
 * older one): fn(openssl_name, iana_name, arg) each, in wolfSSL's order. */
void tls_cipher_suites(tls_version v, void (*fn)(const char *name, const char *iana, void *arg),
                       void *arg);

/* IANA name of a cipher suite by wolfSSL/OpenSSL name, or NULL. */
const char *tls_cipher_iana(const char *name);

/* TLS SignatureScheme name ("ecdsa_secp256r1_sha256"), or NULL. */
const char *tls_sigalg_name(uint16_t code);

#endif
