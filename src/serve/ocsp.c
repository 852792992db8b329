/* OCSP responder on wolfSSL's responder API (wc_OcspResponder_*). The
 * responder is loaded once from the manifest: each CA with an RSA or EC key
 * becomes a signer (ca/intermediate, or the imported ca/org, through its
 * delegated ca/ocsp-signer, whose OCSPSigning EKU is checked first; an
 * imported CA without a delegate is skipped, since its key is never in the
 * fixtures), and each certificate it issued
 * gets its status. A serial it does not know is answered "unknown" by the
 * library, which is also how --ocsp-mode unknown works: no statuses. */
#define _DEFAULT_SOURCE
#include "serve/ocsp.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ocsp.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "pki/secret.h"
#include "util/fs.h"

#define MAX_RESPONSE 8192
#define GOOD_VALIDITY_S 3600

#define MAX_CAS 64

struct srv_ocsp {
    OcspResponder *r;
    srv_ocsp_mode mode;
    int64_t delay_ms;
    const pki_manifest *m;
    const char *ca_names[MAX_CAS];   /* the CAs added, and the subject form */
    char *ca_subjects[MAX_CAS];      /* wolfSSL looks them up by */
    size_t n_cas;
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

static int hex_bytes(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = strlen(hex);
    if (n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return 0;
}

/* The delegated signer for ca, if the manifest has one. */
static const pki_manifest_entry *delegate_for(const pki_manifest *m, const pki_manifest_entry *ca)
{
    for (size_t i = 0; i < m->n; i++) {
        const pki_manifest_entry *x = &m->entries[i];
        if (x->ocsp_signing && !x->is_ca && x->issuer && strcmp(x->issuer, ca->name) == 0)
            return x;
    }
    return NULL;
}

/* Adds one CA as a signer and sets the status of everything it issued. */
static int add_ca(srv_ocsp *o, const pki_manifest *m, const pki_manifest_entry *ca,
                  const pki_manifest_entry *signer, mp_err *e)
{
    uint8_t *ca_der = NULL, *cert_der = NULL, *key_der = NULL;
    size_t ca_len = 0, cert_len = 0, key_len = 0;
    int rc = -1;
    if (!signer->key)
        return 1; /* an imported CA without a delegated signer: its key is not here */
    if (pki_pem_file_der(ca->cert, 0, &ca_der, &ca_len, e) != 0 ||
        pki_pem_file_der(signer->cert, 0, &cert_der, &cert_len, e) != 0 ||
        pki_pem_file_der(signer->key, 1, &key_der, &key_len, e) != 0)
        goto out;
    int ret = signer == ca
                  ? wc_OcspResponder_AddSigner(o->r, cert_der, (word32)cert_len, key_der,
                                               (word32)key_len, NULL, 0)
                  : wc_OcspResponder_AddSigner(o->r, cert_der, (word32)cert_len, key_der,
                                               (word32)key_len, ca_der, (word32)ca_len);
    if (ret == NOT_COMPILED_IN) {
        rc = 1; /* an Ed25519 CA: the responder API signs with RSA or ECDSA only */
        goto out;
    }
    if (ret != 0) {
        mp_fail(e, "OCSP signer %s for %s refused by wolfSSL (error %d)", signer->name, ca->name, ret);
        goto out;
    }
    /* The entry just added is first in the list; its subject is the form
     * wc_OcspResponder_SetCertStatus looks CAs up by. */
    const char *subject = o->r->caList->subject;
    if (o->n_cas < MAX_CAS) {
        o->ca_names[o->n_cas] = ca->name;
        o->ca_subjects[o->n_cas] = strdup(subject);
        o->n_cas++;
    }
    rc = 0;
    if (o->mode == SRV_OCSP_UNKNOWN)
        goto out;
    time_t revoked_at = time(NULL) - 3600;
    for (size_t i = 0; i < m->n; i++) {
        const pki_manifest_entry *x = &m->entries[i];
        uint8_t serial[EXTERNAL_SERIAL_SIZE];
        size_t slen;
        if (!x->issuer || strcmp(x->issuer, ca->name) != 0 || strcmp(x->name, ca->name) == 0 ||
            !x->serial || hex_bytes(x->serial, serial, sizeof serial, &slen) != 0)
            continue;
        ret = x->revoked
                  ? wc_OcspResponder_SetCertStatus(o->r, subject, (word32)strlen(subject), serial,
                                                   (word32)slen, CERT_REVOKED, revoked_at,
                                                   WC_CRL_REASON_UNSPECIFIED, 0)
                  : wc_OcspResponder_SetCertStatus(o->r, subject, (word32)strlen(subject), serial,
                                                   (word32)slen, CERT_GOOD, 0,
                                                   WC_CRL_REASON_UNSPECIFIED, GOOD_VALIDITY_S);
        if (ret != 0) {
            rc = mp_fail(e, "OCSP status of %s: wolfSSL error %d", x->name, ret);
            goto out;
        }
    }
out:
    free(ca_der);
    free(cert_der);
    if (key_der) {
        memset(key_der, 0, key_len);
        free(key_der);
    }
    return rc;
}

int srv_ocsp_new(const pki_manifest *m, srv_ocsp_mode mode, int64_t delay_ms, srv_ocsp **out,
                 char *summary, size_t summary_len, mp_err *e)
{
    const pki_manifest_entry *os = pki_manifest_find(m, "ca/ocsp-signer");
    if (!os)
        return mp_fail(e, "the fixtures have no ca/ocsp-signer (regenerate them with the default spec)");
    if (!os->ocsp_signing)
        return mp_fail(e, "ca/ocsp-signer lacks the OCSPSigning extended key usage");
    srv_ocsp *o = calloc(1, sizeof *o);
    if (!o)
        return mp_fail(e, "out of memory");
    o->mode = mode;
    o->delay_ms = delay_ms;
    o->m = m;
    o->r = wc_OcspResponder_new(NULL, 1);
    if (!o->r) {
        free(o);
        return mp_fail(e, "cannot create the OCSP responder");
    }
    size_t used = 0;
    summary[0] = '\0';
    for (size_t i = 0; i < m->n; i++) {
        const pki_manifest_entry *ca = &m->entries[i];
        if (!ca->is_ca || !ca->role || strcmp(ca->role, "ca") != 0)
            continue;
        const pki_manifest_entry *d = delegate_for(m, ca);
        int rc = add_ca(o, m, ca, d ? d : ca, e);
        if (rc < 0) {
            srv_ocsp_free(o);
            return -1;
        }
        if (rc == 0 && used < summary_len) {
            int n = snprintf(summary + used, summary_len - used, "%s%s%s%s", used ? ", " : "",
                             ca->name, d ? " by " : "", d ? d->name : "");
            used += n > 0 ? (size_t)n : 0;
        }
    }
    *out = o;
    return 0;
}

void srv_ocsp_free(srv_ocsp *o)
{
    if (!o)
        return;
    wc_OcspResponder_free(o->r);
    for (size_t i = 0; i < o->n_cas; i++)
        free(o->ca_subjects[i]);
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
        word32 out = (word32)tl;
        if (bad || n == 0 || Base64_Decode((const byte *)dec, (word32)n, bin, &out) != 0 ||
            out < 2 || bin[0] != 0x30)
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

static void error_reply(srv_http_reply *r, enum Ocsp_Response_Status st)
{
    byte buf[64];
    word32 n = sizeof buf;
    if (wc_OcspResponder_WriteErrorResponse(st, buf, &n) != 0) {
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
    const pki_manifest_entry *x = pki_manifest_find(o->m, name);
    const char *subject = NULL;
    for (size_t i = 0; x && x->issuer && i < o->n_cas; i++)
        if (strcmp(o->ca_names[i], x->issuer) == 0)
            subject = o->ca_subjects[i];
    uint8_t serial[EXTERNAL_SERIAL_SIZE];
    size_t slen;
    if (strcmp(q->method, "POST") != 0) {
        srv_http_reply_text(r, 405, "text/plain", "POST only\n", 10);
    } else if (!subject || !x->serial || hex_bytes(x->serial, serial, sizeof serial, &slen) != 0) {
        srv_http_reply_text(r, 404, "text/plain", "no such certificate\n", 20);
    } else if ((revoke ? wc_OcspResponder_SetCertStatus(o->r, subject, (word32)strlen(subject), serial,
                                                       (word32)slen, CERT_REVOKED, time(NULL) - 1,
                                                       WC_CRL_REASON_KEY_COMPROMISE, 0)
                       : wc_OcspResponder_SetCertStatus(o->r, subject, (word32)strlen(subject), serial,
                                                       (word32)slen, CERT_GOOD, 0,
                                                       WC_CRL_REASON_UNSPECIFIED, GOOD_VALIDITY_S)) != 0) {
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
            error_reply(r, OCSP_MALFORMED_REQUEST);
            return;
        }
        req = malloc(q->body_len);
        if (req) {
            memcpy(req, q->body, q->body_len);
            req_len = q->body_len;
        }
    } else if (strcmp(q->method, "GET") == 0) {
        if (srv_ocsp_get_request(q->target ? q->target : "", &req, &req_len, &e) != 0) {
            error_reply(r, OCSP_MALFORMED_REQUEST);
            return;
        }
    } else {
        srv_http_reply_text(r, 405, "text/plain", "OCSP takes GET or POST\n", 23);
        return;
    }
    if (!req) {
        error_reply(r, OCSP_INTERNAL_ERROR);
        return;
    }
    byte *resp = malloc(MAX_RESPONSE);
    word32 n = MAX_RESPONSE;
    int ret = resp ? wc_OcspResponder_WriteResponse(o->r, req, (word32)req_len, resp, &n) : MEMORY_E;
    free(req);
    if (ret == 0) {
        srv_http_reply_text(r, 200, "application/ocsp-response", (const char *)resp, n);
    } else {
        /* No CA of ours issued it: unauthorized; anything else: malformed. */
        error_reply(r, ret == ASN_NO_SIGNER_E ? OCSP_UNAUTHORIZED : OCSP_MALFORMED_REQUEST);
    }
    free(resp);
}
