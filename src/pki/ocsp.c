/* OCSP responder on wolfSSL's responder API (wc_OcspResponder_*). The
 * responder is loaded once from the manifest: each CA with an RSA or EC key
 * becomes a signer (ca/intermediate, or the imported ca/org, through its
 * delegated ca/ocsp-signer, whose OCSPSigning EKU is checked first; an
 * imported CA without a delegate is skipped, since its key is never in the
 * fixtures), and each certificate it issued
 * gets its status. A serial it does not know is answered "unknown" by the
 * library, which is also how --ocsp-mode unknown works: no statuses. */
#define _DEFAULT_SOURCE
#include "pki/ocsp.h"

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

_Static_assert((int)PKI_OCSP_MALFORMED == (int)OCSP_MALFORMED_REQUEST &&
                   (int)PKI_OCSP_INTERNAL == (int)OCSP_INTERNAL_ERROR &&
                   (int)PKI_OCSP_UNAUTHORIZED == (int)OCSP_UNAUTHORIZED,
               "pki_ocsp_error values are RFC 6960's");

#define GOOD_VALIDITY_S 3600

#define MAX_CAS 64

struct pki_ocsp {
    OcspResponder *r;
    int statuses;
    const pki_manifest *m;
    const char *ca_names[MAX_CAS];   /* the CAs added, and the subject form */
    char *ca_subjects[MAX_CAS];      /* wolfSSL looks them up by */
    size_t n_cas;
};

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
static int add_ca(pki_ocsp *o, const pki_manifest *m, const pki_manifest_entry *ca,
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
    if (!o->statuses)
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

int pki_ocsp_new(const pki_manifest *m, int statuses, pki_ocsp **out, char *summary,
                 size_t summary_len, mp_err *e)
{
    const pki_manifest_entry *os = pki_manifest_find(m, "ca/ocsp-signer");
    if (!os)
        return mp_fail(e, "the fixtures have no ca/ocsp-signer (regenerate them with the default spec)");
    if (!os->ocsp_signing)
        return mp_fail(e, "ca/ocsp-signer lacks the OCSPSigning extended key usage");
    pki_ocsp *o = calloc(1, sizeof *o);
    if (!o)
        return mp_fail(e, "out of memory");
    o->statuses = statuses;
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
            pki_ocsp_free(o);
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

void pki_ocsp_free(pki_ocsp *o)
{
    if (!o)
        return;
    wc_OcspResponder_free(o->r);
    for (size_t i = 0; i < o->n_cas; i++)
        free(o->ca_subjects[i]);
    free(o);
}

int pki_ocsp_set_status(pki_ocsp *o, const char *fixture, int revoke)
{
    const pki_manifest_entry *x = pki_manifest_find(o->m, fixture);
    const char *subject = NULL;
    for (size_t i = 0; x && x->issuer && i < o->n_cas; i++)
        if (strcmp(o->ca_names[i], x->issuer) == 0)
            subject = o->ca_subjects[i];
    uint8_t serial[EXTERNAL_SERIAL_SIZE];
    size_t slen;
    if (!subject || !x->serial || hex_bytes(x->serial, serial, sizeof serial, &slen) != 0)
        return 1;
    int ret = revoke ? wc_OcspResponder_SetCertStatus(o->r, subject, (word32)strlen(subject), serial,
                                                      (word32)slen, CERT_REVOKED, time(NULL) - 1,
                                                      WC_CRL_REASON_KEY_COMPROMISE, 0)
                     : wc_OcspResponder_SetCertStatus(o->r, subject, (word32)strlen(subject), serial,
                                                      (word32)slen, CERT_GOOD, 0,
                                                      WC_CRL_REASON_UNSPECIFIED, GOOD_VALIDITY_S);
    return ret == 0 ? 0 : -1;
}

int pki_ocsp_respond(pki_ocsp *o, const uint8_t *req, size_t req_len, uint8_t *out, size_t cap,
                     size_t *out_len, pki_ocsp_error *status)
{
    word32 n = (word32)cap;
    int ret = wc_OcspResponder_WriteResponse(o->r, req, (word32)req_len, out, &n);
    if (ret == 0) {
        *out_len = n;
        return 0;
    }
    *status = ret == ASN_NO_SIGNER_E ? PKI_OCSP_UNAUTHORIZED : PKI_OCSP_MALFORMED;
    return -1;
}

int pki_ocsp_error_response(pki_ocsp_error status, uint8_t *out, size_t cap, size_t *out_len)
{
    word32 n = (word32)cap;
    if (wc_OcspResponder_WriteErrorResponse((enum Ocsp_Response_Status)status, out, &n) != 0)
        return -1;
    *out_len = n;
    return 0;
}

int pki_base64_decode(const char *in, size_t len, uint8_t *out, size_t *out_len)
{
    word32 n = (word32)*out_len;
    if (Base64_Decode((const byte *)in, (word32)len, out, &n) != 0)
        return -1;
    *out_len = n;
    return 0;
}
