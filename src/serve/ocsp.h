/* The OCSP responder of `mtlsprobe serve --ocsp`: answers for every fixture
 * CA from the manifest (good, or revoked for fixtures marked revoked), over
 * HTTP POST and GET (RFC 6960 appendix A), with the responder of
 * pki/ocsp.h.
 * ca/intermediate's answers are signed by the delegated ca/ocsp-signer
 * (EKU OCSPSigning); the other CAs sign their own. Failure modes let tests
 * see whether a gateway fails open or closed, and POST
 * /mtlsprobe/revoke/<fixture> (or /mtlsprobe/reinstate/<fixture>) changes a
 * status while it runs. */
#ifndef MP_SERVE_OCSP_H
#define MP_SERVE_OCSP_H

#include <stddef.h>
#include <stdint.h>

#include "pki/manifest.h"
#include "serve/httpd.h"
#include "util/err.h"

typedef enum srv_ocsp_mode {
    SRV_OCSP_NORMAL = 0, /* good / revoked / unknown as the manifest says */
    SRV_OCSP_DOWN,       /* every connection reset at once */
    SRV_OCSP_UNKNOWN,    /* every certificate "unknown" */
    SRV_OCSP_SLOW        /* correct answers, after a delay */
} srv_ocsp_mode;

/* "down", "unknown", "slow" (and "normal"); -1 if unknown. */
int srv_ocsp_mode_parse(const char *s, srv_ocsp_mode *m);

typedef struct srv_ocsp srv_ocsp;

/* Builds the responder from the fixtures; *summary says which CAs it
 * answers for and who signs. */
int srv_ocsp_new(const pki_manifest *m, srv_ocsp_mode mode, int64_t delay_ms, srv_ocsp **out,
                 char *summary, size_t summary_len, mp_err *e);
void srv_ocsp_free(srv_ocsp *o);

/* The srv_http handler; arg is the srv_ocsp. */
void srv_ocsp_handle(void *arg, const srv_http_info *info, const http_request *q,
                     srv_http_reply *r);

/* The DER request carried by a GET request-target ("/BASE64" or
 * "/prefix/URL-ENCODED-BASE64"); the base64 may itself hold '/' unescaped,
 * so each '/' is tried as the start. Caller frees *der. */
int srv_ocsp_get_request(const char *target, uint8_t **der, size_t *len, mp_err *e);

#endif
