/* The OCSP responder's HTTP side: GET and POST requests (RFC 6960 appendix
 * A), the failure modes of --ocsp-mode, and the control paths that revoke
 * or reinstate a certificate while it runs. Which CA signs, each
 * certificate's status and the DER answers are pki/ocsp.c's, the one place
 * that holds wolfSSL's responder; this file only moves bytes. */
#define _DEFAULT_SOURCE
#include "serve/ocsp.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki/ocsp.h"

#define MAX_RESPONSE 8192

struct srv_ocsp {
    pki_ocsp *p;
    srv_ocsp_mode mode;
    int64_t delay_ms;
};

int srv_ocsp_mode_parse(const char *s, srv_ocsp_mode *m)
{
    static const char *const names[] = { "normal", "down", "unknown", "slow" };
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *m = (srv_ocsp_mode)i;
            return 0;
        }
    return -1;
}

int srv_ocsp_new(const pki_manifest *m, srv_ocsp_mode mode, int64_t delay_ms, srv_ocsp **out,
                 char *summary, size_t summary_len, mp_err *e)
{
    srv_ocsp *o = calloc(1, sizeof *o);
    if (!o)
        return mp_fail(e, "out of memory");
    o->mode = mode;
    o->delay_ms = delay_ms;
    if (pki_ocsp_new(m, mode != SRV_OCSP_UNKNOWN, &o->p, summary, summary_len, e) != 0) {
        free(o);
        return -1;
    }
    *out = o;
    return 0;
}

void srv_ocsp_free(srv_ocsp *o)
{
    if (!o)
        return;
    pki_ocsp_free(o->p);
    free(o);
}

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

int srv_ocsp_get_request(const char *target, uint8_t **der, size_t *len, mp_err *e)
{
    size_t tl = strlen(target);
    char *dec = malloc(tl + 1);
    uint8_t *bin = malloc(tl + 1);
    if (!dec || !bin) {
        free(dec);
        free(bin);
        return mp_fail(e, "out of memory");
    }
    for (const char *start = strchr(target, '/'); start; start = strchr(start + 1, '/')) {
        size_t n = 0;
        int bad = 0;
        for (const char *p = start + 1; *p && *p != '?'; p++) {
            if (*p == '%') {
                if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2])) {
                    bad = 1;
                    break;
                }
                dec[n++] = (char)(hexval((unsigned char)p[1]) * 16 + hexval((unsigned char)p[2]));
                p += 2;
            } else {
                dec[n++] = *p;
            }
        }
        size_t out = tl;
        if (bad || n == 0 || pki_base64_decode(dec, n, bin, &out) != 0 || out < 2 || bin[0] != 0x30)
            continue;
        /* The outer SEQUENCE must span exactly what was decoded. */
        size_t body, hdr;
        if (bin[1] < 0x80) {
            body = bin[1];
            hdr = 2;
        } else {
            size_t k = bin[1] & 0x7f;
            if (k == 0 || k > 3 || out < 2 + k)
                continue;
            body = 0;
            for (size_t i = 0; i < k; i++)
                body = body << 8 | bin[2 + i];
            hdr = 2 + k;
        }
        if (hdr + body != out)
            continue;
        free(dec);
        *der = bin;
        *len = out;
        return 0;
    }
    free(dec);
    free(bin);
    return mp_fail(e, "no base64 OCSP request in '%.100s'", target);
}

static void error_reply(srv_http_reply *r, pki_ocsp_error st)
{
    uint8_t buf[64];
    size_t n = 0;
    if (pki_ocsp_error_response(st, buf, sizeof buf, &n) != 0) {
        srv_http_reply_text(r, 500, "text/plain", "OCSP error response failed\n", 27);
        return;
    }
    srv_http_reply_text(r, 200, "application/ocsp-response", (const char *)buf, n);
}

/* POST /mtlsprobe/revoke/<fixture> and /mtlsprobe/reinstate/<fixture>:
 * changes a certificate's status while the responder runs, so a scenario
 * can revoke a certificate under an open connection. Returns 0 when the
 * target is not a control path. */
static int control(srv_ocsp *o, const http_request *q, srv_http_reply *r)
{
    static const char rv[] = "/mtlsprobe/revoke/", rs[] = "/mtlsprobe/reinstate/";
    const char *t = q->target ? q->target : "";
    int revoke = strncmp(t, rv, sizeof rv - 1) == 0;
    if (!revoke && strncmp(t, rs, sizeof rs - 1) != 0)
        return 0;
    const char *name = t + (revoke ? sizeof rv - 1 : sizeof rs - 1);
    int rc;
    if (strcmp(q->method, "POST") != 0) {
        srv_http_reply_text(r, 405, "text/plain", "POST only\n", 10);
    } else if ((rc = pki_ocsp_set_status(o->p, name, revoke)) > 0) {
        srv_http_reply_text(r, 404, "text/plain", "no such certificate\n", 20);
    } else if (rc < 0) {
        srv_http_reply_text(r, 500, "text/plain", "status not changed\n", 19);
    } else {
        srv_http_reply_text(r, 200, "text/plain", revoke ? "revoked\n" : "reinstated\n", revoke ? 8 : 11);
    }
    return 1;
}

void srv_ocsp_handle(void *arg, const srv_http_info *info, const http_request *q,
                     srv_http_reply *r)
{
    (void)info;
    srv_ocsp *o = arg;
    if (control(o, q, r))
        return;
    uint8_t *req = NULL;
    size_t req_len = 0;
    mp_err e;
    if (o->mode == SRV_OCSP_SLOW)
        r->delay_ms = o->delay_ms;
    if (strcmp(q->method, "POST") == 0) {
        if (!q->body_len) {
            error_reply(r, PKI_OCSP_MALFORMED);
            return;
        }
        req = malloc(q->body_len);
        if (req) {
            memcpy(req, q->body, q->body_len);
            req_len = q->body_len;
        }
    } else if (strcmp(q->method, "GET") == 0) {
        if (srv_ocsp_get_request(q->target ? q->target : "", &req, &req_len, &e) != 0) {
            error_reply(r, PKI_OCSP_MALFORMED);
            return;
        }
    } else {
        srv_http_reply_text(r, 405, "text/plain", "OCSP takes GET or POST\n", 23);
        return;
    }
    if (!req) {
        error_reply(r, PKI_OCSP_INTERNAL);
        return;
    }
    uint8_t *resp = malloc(MAX_RESPONSE);
    size_t n = 0;
    pki_ocsp_error status = PKI_OCSP_MALFORMED;
    int ret = resp ? pki_ocsp_respond(o->p, req, req_len, resp, MAX_RESPONSE, &n, &status) : -1;
    free(req);
    if (ret == 0)
        srv_http_reply_text(r, 200, "application/ocsp-response", (const char *)resp, n);
    else
        error_reply(r, status);
    free(resp);
}
