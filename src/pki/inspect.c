/* Extension parsing for policy and inspection. Only what is needed is
 * decoded; anything malformed makes a function fail, and callers treat that
 * as a refusal or report it. */
#define _DEFAULT_SOURCE
#include "pki/inspect.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pki/der.h"

static int oid_is(der_in oid, const uint8_t *want, size_t n)
{
    return oid.len == n && memcmp(oid.p, want, n) == 0;
}

static const uint8_t OID_SHA1_RSA[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05 };
static const uint8_t OID_SHA1_ECDSA[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01 };
static const uint8_t OID_MD5_RSA[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04 };
static const uint8_t OID_KU[] = { 0x55, 0x1d, 0x0f };
static const uint8_t OID_EKU[] = { 0x55, 0x1d, 0x25 };
static const uint8_t OID_BC[] = { 0x55, 0x1d, 0x13 };
static const uint8_t OID_ANY_EKU[] = { 0x55, 0x1d, 0x25, 0x00 };
static const uint8_t OID_SERVER_AUTH[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01 };
static const uint8_t OID_CLIENT_AUTH[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02 };

static const uint8_t OID_SAN[] = { 0x55, 0x1d, 0x11 };
static const uint8_t OID_SKID[] = { 0x55, 0x1d, 0x0e };
static const uint8_t OID_RSA[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
static const uint8_t OID_EC[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const uint8_t OID_ED25519[] = { 0x2b, 0x65, 0x70 };

static const char *spki_alg(der_in spki)
{
    der_in seq, alg, oid;
    uint8_t tag;
    if (der_next(&spki, &tag, &seq, NULL) != 0 || der_next(&seq, &tag, &alg, NULL) != 0 ||
        der_next(&alg, &tag, &oid, NULL) != 0 || tag != DER_OID)
        return "other";
    if (oid_is(oid, OID_RSA, sizeof OID_RSA))
        return "rsa";
    if (oid_is(oid, OID_EC, sizeof OID_EC))
        return "ec";
    if (oid_is(oid, OID_ED25519, sizeof OID_ED25519))
        return "ed25519";
    return "other";
}

/* The value (OCTET STRING contents) of the extension with this OID. */
static int find_ext(const der_cert_parts *parts, const uint8_t *oid_want, size_t n, der_in *value)
{
    der_in exts = parts->extensions, list, ext;
    uint8_t tag;
    if (!exts.len)
        return 0;
    if (der_next(&exts, &tag, &list, NULL) != 0 || tag != DER_SEQUENCE)
        return -1;
    while (list.len) {
        der_in oid, val;
        if (der_next(&list, &tag, &ext, NULL) != 0 || tag != DER_SEQUENCE ||
            der_next(&ext, &tag, &oid, NULL) != 0 || tag != DER_OID ||
            der_next(&ext, &tag, &val, NULL) != 0)
            return -1;
        if (tag == DER_BOOLEAN && der_next(&ext, &tag, &val, NULL) != 0)
            return -1;
        if (oid_is(oid, oid_want, n)) {
            *value = val;
            return 1;
        }
    }
    return 0;
}

int pki_inspect(const uint8_t *der, size_t len, pki_cert_info *out)
{
    der_cert_parts parts;
    der_in val, inner;
    uint8_t tag;
    int found;
    memset(out, 0, sizeof *out);
    out->pathlen = -1;
    if (der_cert_split(der, len, &parts) != 0)
        return -1;
    out->key_alg = spki_alg(parts.spki);
    out->sig_sha1 = oid_is(parts.sig_alg, OID_SHA1_RSA, sizeof OID_SHA1_RSA) ||
                    oid_is(parts.sig_alg, OID_SHA1_ECDSA, sizeof OID_SHA1_ECDSA);
    out->sig_md5 = oid_is(parts.sig_alg, OID_MD5_RSA, sizeof OID_MD5_RSA);
    out->self_issued = parts.issuer.len == parts.subject.len &&
                       memcmp(parts.issuer.p, parts.subject.p, parts.issuer.len) == 0;

    if ((found = find_ext(&parts, OID_KU, sizeof OID_KU, &val)) < 0)
        return -1;
    if (found) {
        if (der_next(&val, &tag, &inner, NULL) != 0 || tag != DER_BIT_STRING || inner.len < 1)
            return -1;
        out->has_key_usage = 1;
        uint8_t bits = inner.len > 1 ? inner.p[1] : 0;
        out->ku_digital_signature = (bits & 0x80) != 0;
        out->ku_key_cert_sign = (bits & 0x04) != 0;
    }
    if ((found = find_ext(&parts, OID_EKU, sizeof OID_EKU, &val)) < 0)
        return -1;
    if (found) {
        if (der_next(&val, &tag, &inner, NULL) != 0 || tag != DER_SEQUENCE)
            return -1;
        out->has_eku = 1;
        while (inner.len) {
            der_in p;
            if (der_next(&inner, &tag, &p, NULL) != 0 || tag != DER_OID)
                return -1;
            out->eku_any |= oid_is(p, OID_ANY_EKU, sizeof OID_ANY_EKU);
            out->eku_client_auth |= oid_is(p, OID_CLIENT_AUTH, sizeof OID_CLIENT_AUTH);
            out->eku_server_auth |= oid_is(p, OID_SERVER_AUTH, sizeof OID_SERVER_AUTH);
        }
    }
    if ((found = find_ext(&parts, OID_BC, sizeof OID_BC, &val)) < 0)
        return -1;
    if (found) {
        der_in b;
        if (der_next(&val, &tag, &inner, NULL) != 0 || tag != DER_SEQUENCE)
            return -1;
        if (inner.len && der_next(&inner, &tag, &b, NULL) == 0 && tag == DER_BOOLEAN && b.len == 1) {
            out->is_ca = b.p[0] != 0;
            if (inner.len && der_next(&inner, &tag, &b, NULL) == 0 && tag == DER_INTEGER &&
                b.len >= 1 && b.len <= 2 && !(b.p[0] & 0x80))
                out->pathlen = b.len == 1 ? b.p[0] : b.p[0] * 256 + b.p[1];
        }
    }
    if ((found = find_ext(&parts, OID_SKID, sizeof OID_SKID, &val)) < 0)
        return -1;
    if (found) {
        if (der_next(&val, &tag, &inner, NULL) != 0 || tag != DER_OCTET_STRING)
            return -1;
        out->skid_len = inner.len < sizeof out->skid ? inner.len : sizeof out->skid;
        memcpy(out->skid, inner.p, out->skid_len);
    }
    return 0;
}

int pki_inspect_sans(const uint8_t *der, size_t len,
                     void (*fn)(const char *san, void *arg), void *arg)
{
    der_cert_parts parts;
    der_in val, seq, gn;
    uint8_t tag;
    if (der_cert_split(der, len, &parts) != 0)
        return -1;
    int found = find_ext(&parts, OID_SAN, sizeof OID_SAN, &val);
    if (found <= 0)
        return found;
    if (der_next(&val, &tag, &seq, NULL) != 0 || tag != DER_SEQUENCE)
        return -1;
    while (seq.len) {
        char buf[600];
        if (der_next(&seq, &tag, &gn, NULL) != 0)
            return -1;
        const char *kind = tag == 0x82 ? "DNS" : tag == 0x86 ? "URI" : tag == 0x81 ? "email" : NULL;
        if (kind && gn.len < 512) {
            snprintf(buf, sizeof buf, "%s:%.*s", kind, (int)gn.len, (const char *)gn.p);
            fn(buf, arg);
        } else if (tag == 0x87 && (gn.len == 4 || gn.len == 16)) {
            char ip[INET6_ADDRSTRLEN];
            inet_ntop(gn.len == 4 ? AF_INET : AF_INET6, gn.p, ip, sizeof ip);
            snprintf(buf, sizeof buf, "IP:%s", ip);
            fn(buf, arg);
        }
    }
    return 0;
}

static const uint8_t OID_CRL_DP[] = { 0x55, 0x1d, 0x1f };
static const uint8_t OID_AIA[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01 };
static const uint8_t OID_AD_OCSP[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01 };
static const uint8_t OID_AD_CA_ISSUERS[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02 };
static const uint8_t OID_TLS_FEATURE[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x18 };
static const uint8_t OID_SCT_LIST[] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02 };

/* Every uniformResourceIdentifier GeneralName ([6] IMPLICIT) under v,
 * descending into constructed elements (the CRL distribution points'
 * nesting differs between issuers; the URIs are what matters). */
static int each_uri(der_in v, int depth, const char *kind,
                    void (*fn)(const char *kind, const char *uri, void *arg), void *arg)
{
    uint8_t tag;
    der_in in;
    while (v.len) {
        if (der_next(&v, &tag, &in, NULL) != 0)
            return -1;
        if (tag == 0x86 && in.len < 512) {
            char buf[520];
            snprintf(buf, sizeof buf, "%.*s", (int)in.len, (const char *)in.p);
            fn(kind, buf, arg);
        } else if ((tag & 0x20) && depth < 8 && each_uri(in, depth + 1, kind, fn, arg) != 0) {
            return -1;
        }
    }
    return 0;
}

int pki_inspect_revocation(const uint8_t *der, size_t len, void (*fn)(const char *kind, const char *uri, void *arg),
                           void *arg, int *must_staple, int *scts)
{
    der_cert_parts parts;
    der_in val, seq, ad, oid, name;
    uint8_t tag;
    *must_staple = 0;
    *scts = 0;
    if (der_cert_split(der, len, &parts) != 0)
        return -1;
    int found = find_ext(&parts, OID_CRL_DP, sizeof OID_CRL_DP, &val);
    if (found < 0 || (found && each_uri(val, 0, "crl", fn, arg) != 0))
        return -1;
    found = find_ext(&parts, OID_AIA, sizeof OID_AIA, &val);
    if (found < 0)
        return -1;
    if (found) {
        if (der_next(&val, &tag, &seq, NULL) != 0 || tag != DER_SEQUENCE)
            return -1;
        while (seq.len) {
            if (der_next(&seq, &tag, &ad, NULL) != 0 || tag != DER_SEQUENCE ||
                der_next(&ad, &tag, &oid, NULL) != 0 || tag != DER_OID)
                return -1;
            const char *kind = oid_is(oid, OID_AD_OCSP, sizeof OID_AD_OCSP) ? "ocsp"
                               : oid_is(oid, OID_AD_CA_ISSUERS, sizeof OID_AD_CA_ISSUERS) ? "ca_issuers" : NULL;
            name = ad;
            if (kind && each_uri(name, 0, kind, fn, arg) != 0)
                return -1;
        }
    }
    found = find_ext(&parts, OID_TLS_FEATURE, sizeof OID_TLS_FEATURE, &val);
    if (found < 0)
        return -1;
    if (found && der_next(&val, &tag, &seq, NULL) == 0 && tag == DER_SEQUENCE) {
        der_in n;
        while (seq.len && der_next(&seq, &tag, &n, NULL) == 0)
            if (tag == DER_INTEGER && n.len == 1 && n.p[0] == 5)
                *must_staple = 1;
    }
    found = find_ext(&parts, OID_SCT_LIST, sizeof OID_SCT_LIST, &val);
    if (found < 0)
        return -1;
    *scts = found;
    return 0;
}

static int parse_time(der_in t, uint8_t tag, int64_t *out)
{
    char s[16];
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (tag == DER_UTCTIME && t.len == 13) {
        memcpy(s, t.p, 13);
        int yy = (s[0] - '0') * 10 + (s[1] - '0');
        tm.tm_year = (yy < 50 ? 2000 + yy : 1900 + yy) - 1900;
        memmove(s, s + 2, 11);
    } else if (tag == DER_GENTIME && t.len == 15) {
        memcpy(s, t.p, 15);
        tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0') - 1900;
        memmove(s, s + 4, 11);
    } else {
        return -1;
    }
    for (int i = 0; i < 10; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    tm.tm_mon = (s[0] - '0') * 10 + (s[1] - '0') - 1;
    tm.tm_mday = (s[2] - '0') * 10 + (s[3] - '0');
    tm.tm_hour = (s[4] - '0') * 10 + (s[5] - '0');
    tm.tm_min = (s[6] - '0') * 10 + (s[7] - '0');
    tm.tm_sec = (s[8] - '0') * 10 + (s[9] - '0');
    *out = (int64_t)timegm(&tm);
    return 0;
}

int pki_inspect_validity(const uint8_t *der, size_t len, int64_t *not_before, int64_t *not_after)
{
    der_cert_parts parts;
    der_in v, c, t;
    uint8_t tag;
    if (der_cert_split(der, len, &parts) != 0)
        return -1;
    v = parts.validity;
    if (der_next(&v, &tag, &c, NULL) != 0 || tag != DER_SEQUENCE)
        return -1;
    if (der_next(&c, &tag, &t, NULL) != 0 || parse_time(t, tag, not_before) != 0)
        return -1;
    if (der_next(&c, &tag, &t, NULL) != 0 || parse_time(t, tag, not_after) != 0)
        return -1;
    return 0;
}
