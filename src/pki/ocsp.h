/* The OCSP responder's certificate side, on wolfSSL's responder API: which
 * CA signs for what (each fixture CA, or a delegated ca/ocsp-signer), each
 * certificate's status, and the DER answers. The HTTP side (serve/ocsp.c)
 * decodes requests and chooses failure modes; it never sees wolfSSL. */
#ifndef MP_PKI_OCSP_H
#define MP_PKI_OCSP_H

#include <stddef.h>
#include <stdint.h>

#include "pki/manifest.h"
#include "util/err.h"

typedef struct pki_ocsp pki_ocsp;

/* OCSPResponseStatus values of an error answer (RFC 6960 4.2.1). */
typedef enum pki_ocsp_error {
    PKI_OCSP_MALFORMED = 1,
    PKI_OCSP_INTERNAL = 2,
    PKI_OCSP_UNAUTHORIZED = 6
} pki_ocsp_error;

/* Builds the responder from the fixtures: each CA with an RSA or EC key
 * becomes a signer, and, with statuses set, each certificate it issued
 * gets its status (good, or revoked when the manifest says so); without
 * them every certificate is "unknown". *summary says which CAs it answers
 * for and who signs. */
int pki_ocsp_new(const pki_manifest *m, int statuses, pki_ocsp **out, char *summary,
                 size_t summary_len, mp_err *e);
void pki_ocsp_free(pki_ocsp *o);

/* Revokes a fixture now (keyCompromise) or makes it good again. Returns 0
 * when done, 1 when the responder does not answer for it, -1 on failure. */
int pki_ocsp_set_status(pki_ocsp *o, const char *fixture, int revoke);

/* Answers a DER OCSP request into out (cap bytes): 0 and *out_len, or the
 * error status to answer with instead (a request for a certificate no CA
 * of ours issued is unauthorized, anything else malformed). */
int pki_ocsp_respond(pki_ocsp *o, const uint8_t *req, size_t req_len, uint8_t *out, size_t cap,
                     size_t *out_len, pki_ocsp_error *status);

/* The DER of an error answer; -1 if it cannot be made. */
int pki_ocsp_error_response(pki_ocsp_error status, uint8_t *out, size_t cap, size_t *out_len);

/* Decodes base64 (RFC 4648, padded) into out, which holds *out_len bytes
 * and then what was decoded; -1 when malformed or too long. */
int pki_base64_decode(const char *in, size_t len, uint8_t *out, size_t *out_len);

#endif
