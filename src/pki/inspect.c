/* Extension parsing for policy. Only what policy needs is decoded; anything
 * malformed makes pki_inspect fail, and callers treat that as a refusal. */
#include "pki/inspect.h"

#include <string.h>

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

int pki_inspect(const uint8_t *der, size_t len, pki_cert_info *out)
{
    der_cert_parts parts;
    memset(out, 0, sizeof *out);
    if (der_cert_split(der, len, &parts) != 0)
        return -1;
    out->sig_sha1 = oid_is(parts.sig_alg, OID_SHA1_RSA, sizeof OID_SHA1_RSA) ||
                    oid_is(parts.sig_alg, OID_SHA1_ECDSA, sizeof OID_SHA1_ECDSA);
    out->sig_md5 = oid_is(parts.sig_alg, OID_MD5_RSA, sizeof OID_MD5_RSA);
    out->self_issued = parts.issuer.len == parts.subject.len &&
                       memcmp(parts.issuer.p, parts.subject.p, parts.issuer.len) == 0;
    der_in exts = parts.extensions, list, ext;
    uint8_t tag;
    if (!exts.len)
        return 0;
    if (der_next(&exts, &tag, &list, NULL) != 0 || tag != DER_SEQUENCE)
        return -1;
    while (list.len) {
        der_in oid, val, inner;
        if (der_next(&list, &tag, &ext, NULL) != 0 || tag != DER_SEQUENCE ||
            der_next(&ext, &tag, &oid, NULL) != 0 || tag != DER_OID)
            return -1;
        if (der_next(&ext, &tag, &val, NULL) != 0)
            return -1;
        if (tag == DER_BOOLEAN && der_next(&ext, &tag, &val, NULL) != 0)
            return -1;
        if (tag != DER_OCTET_STRING)
            return -1;
        if (oid_is(oid, OID_KU, sizeof OID_KU)) {
            if (der_next(&val, &tag, &inner, NULL) != 0 || tag != DER_BIT_STRING || inner.len < 1)
                return -1;
            out->has_key_usage = 1;
            uint8_t bits = inner.len > 1 ? inner.p[1] : 0;
            out->ku_digital_signature = (bits & 0x80) != 0;
            out->ku_key_cert_sign = (bits & 0x04) != 0;
        } else if (oid_is(oid, OID_EKU, sizeof OID_EKU)) {
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
        } else if (oid_is(oid, OID_BC, sizeof OID_BC)) {
            if (der_next(&val, &tag, &inner, NULL) != 0 || tag != DER_SEQUENCE)
                return -1;
            der_in b;
            if (inner.len && der_next(&inner, &tag, &b, NULL) == 0 && tag == DER_BOOLEAN && b.len == 1)
                out->is_ca = b.p[0] != 0;
        }
    }
    return 0;
}
