/* Certificate and CRL construction. wolfCrypt's Cert API builds the TBS and
 * the standard extensions; subject names come from our parser so the spec can
 * use the familiar "CN=..,O=.." form, and a CRL's TBSCertList is encoded here
 * and signed by the same wc_SignCert_ex, which signs any TBS structure. */
#include "pki/cert.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "util/timeutil.h"

static const char *const hash_names[] = { "sha256", "sha1", "sha384", "sha512" };

int pki_hash_parse(const char *name, pki_hash *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(name, hash_names[i]) == 0) {
            *out = (pki_hash)i;
            return 0;
        }
    }
    return -1;
}

const char *pki_hash_name(pki_hash h)
{
    return hash_names[h];
}

/* wolfCrypt's signature type and the AlgorithmIdentifier a CRL must repeat
 * inside its TBS, per signer key family and hash. */
static const struct {
    int key_type; /* RSA_TYPE, ECC_TYPE */
    pki_hash hash;
    int ctc;
    const char *oid;
} sig_algs[] = {
    { RSA_TYPE, PKI_HASH_SHA256, CTC_SHA256wRSA, "1.2.840.113549.1.1.11" },
    { RSA_TYPE, PKI_HASH_SHA1, CTC_SHAwRSA, "1.2.840.113549.1.1.5" },
    { RSA_TYPE, PKI_HASH_SHA384, CTC_SHA384wRSA, "1.2.840.113549.1.1.12" },
    { RSA_TYPE, PKI_HASH_SHA512, CTC_SHA512wRSA, "1.2.840.113549.1.1.13" },
    { ECC_TYPE, PKI_HASH_SHA256, CTC_SHA256wECDSA, "1.2.840.10045.4.3.2" },
    { ECC_TYPE, PKI_HASH_SHA1, CTC_SHAwECDSA, "1.2.840.10045.4.1" },
    { ECC_TYPE, PKI_HASH_SHA384, CTC_SHA384wECDSA, "1.2.840.10045.4.3.3" },
    { ECC_TYPE, PKI_HASH_SHA512, CTC_SHA512wECDSA, "1.2.840.10045.4.3.4" },
};

static int sig_type(const pki_key *signer, pki_hash h, const char **oid,
                    int *null_params, mp_err *e)
{
    int kt = pki_key_wc_type(signer);
    *null_params = kt == RSA_TYPE; /* RSA AlgorithmIdentifiers carry NULL */
    if (kt == ED25519_TYPE) {
        if (h != PKI_HASH_SHA256)
            return mp_fail(e, "Ed25519 signatures have no choice of hash (got %s)",
                           pki_hash_name(h)), 0;
        *oid = "1.3.101.112";
        return CTC_ED25519;
    }
    for (size_t i = 0; i < sizeof sig_algs / sizeof sig_algs[0]; i++) {
        if (sig_algs[i].key_type == kt && sig_algs[i].hash == h) {
            *oid = sig_algs[i].oid;
            return sig_algs[i].ctc;
        }
    }
    return mp_fail(e, "no signature algorithm for this key and %s", pki_hash_name(h)), 0;
}

/* "CN=a,O=b" into wolfCrypt's CertName. Commas inside a value are written
 * "\,". Each attribute may appear once (CertName has one slot each). */
static int parse_subject(const char *s, CertName *n, mp_err *e)
{
    static const struct {
        const char *key;
        size_t off;
    } attrs[] = {
        { "C", offsetof(CertName, country) },
        { "ST", offsetof(CertName, state) },
        { "L", offsetof(CertName, locality) },
        { "street", offsetof(CertName, street) },
        { "O", offsetof(CertName, org) },
        { "OU", offsetof(CertName, unit) },
        { "CN", offsetof(CertName, commonName) },
        { "SN", offsetof(CertName, sur) },
        { "serialNumber", offsetof(CertName, serialDev) },
        { "UID", offsetof(CertName, userId) },
        { "postalCode", offsetof(CertName, postalCode) },
        { "emailAddress", offsetof(CertName, email) },
    };
    memset(n, 0, sizeof *n);
    n->countryEnc = CTC_PRINTABLE;
    n->stateEnc = n->streetEnc = n->localityEnc = n->surEnc = CTC_UTF8;
    n->orgEnc = n->unitEnc = n->commonNameEnc = n->userIdEnc = CTC_UTF8;
    n->serialDevEnc = n->postalCodeEnc = CTC_PRINTABLE;
    n->busCatEnc = n->joiCEnc = n->joiStEnc = CTC_UTF8;
    const char *p = s;
    int count = 0;
    while (*p) {
        while (*p == ' ' || *p == '/')
            p++;
        const char *eq = strchr(p, '=');
        if (!eq)
            return mp_fail(e, "subject '%s': expected KEY=VALUE pairs like CN=name,O=org", s);
        char key[32];
        size_t kl = (size_t)(eq - p);
        while (kl && p[kl - 1] == ' ')
            kl--;
        if (kl == 0 || kl >= sizeof key)
            return mp_fail(e, "subject '%s': bad attribute name", s);
        memcpy(key, p, kl);
        key[kl] = '\0';
        char val[CTC_NAME_SIZE];
        size_t vl = 0;
        p = eq + 1;
        while (*p == ' ')
            p++;
        while (*p && *p != ',') {
            if (*p == '\\' && p[1])
                p++;
            if (vl + 1 >= sizeof val)
                return mp_fail(e, "subject '%s': value of %s is longer than %d bytes",
                               s, key, CTC_NAME_SIZE - 1);
            val[vl++] = *p++;
        }
        while (vl && val[vl - 1] == ' ')
            vl--;
        val[vl] = '\0';
        if (*p == ',')
            p++;
        size_t i;
        for (i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
            if (strcasecmp(attrs[i].key, key) == 0)
                break;
        if (i == sizeof attrs / sizeof attrs[0])
            return mp_fail(e, "subject '%s': unsupported attribute '%s' (use C, ST, L, "
                              "street, O, OU, CN, SN, serialNumber, UID, postalCode, "
                              "emailAddress)", s, key);
        char *slot = (char *)n + attrs[i].off;
        if (slot[0])
            return mp_fail(e, "subject '%s': attribute %s given twice", s, attrs[i].key);
        if (vl == 0)
            return mp_fail(e, "subject '%s': attribute %s is empty", s, attrs[i].key);
        memcpy(slot, val, vl + 1);
        count++;
    }
    if (count == 0)
        return mp_fail(e, "subject is empty");
    return 0;
}

/* wolfCrypt takes pre-encoded dates (tag, length, value). Failing here must
 * stop generation: left unset, wolfCrypt would fall back to its own default
 * validity and an "expired" fixture could come out valid. */
static int set_date(byte *dst, int *dst_len, int64_t t, mp_err *e)
{
    der_buf b;
    der_init(&b);
    der_time(&b, t);
    int rc = 0;
    if (b.failed || b.len > CTC_DATE_SIZE) {
        char iso[21];
        tm_format_iso(t, iso);
        rc = mp_fail(e, "validity date %lld (%s) cannot be encoded (years 1950..9999)",
                     (long long)t, iso);
    } else {
        memcpy(dst, b.p, b.len);
        *dst_len = (int)b.len;
    }
    der_free(&b);
    return rc;
}

int pki_cert_make(const pki_cert_params *p, WC_RNG *rng, uint8_t **der,
                  size_t *len, uint8_t skid[32], size_t *skid_len, mp_err *e)
{
    Cert *c = malloc(sizeof *c);
    uint8_t *buf = NULL;
    int rc;
    if (!c)
        return mp_fail(e, "out of memory");
    if ((rc = wc_InitCert(c)) != 0) {
        free(c);
        return mp_fail(e, "wc_InitCert: %s", wc_GetErrorString(rc));
    }
    pki_key *signer = p->issuer_key ? p->issuer_key : p->key;
    const char *sig_oid;
    int null_params;
    int st = sig_type(signer, p->hash, &sig_oid, &null_params, e);
    if (st == 0)
        goto fail_quiet;
    c->sigType = st;
    c->version = 2;
    if (parse_subject(p->subject, &c->subject, e) != 0)
        goto fail_quiet;
    if (p->issuer_cert) {
        if ((rc = wc_SetIssuerRaw(c, p->issuer_cert, (int)p->issuer_cert_len)) != 0)
            goto fail_rc;
    } else {
        memcpy(&c->issuer, &c->subject, sizeof c->issuer);
        c->selfSigned = 1;
    }
    if (p->serial_len == 0 || p->serial_len > CTC_SERIAL_SIZE) {
        mp_fail(e, "serial must be 1 to %d bytes", CTC_SERIAL_SIZE);
        goto fail_quiet;
    }
    memcpy(c->serial, p->serial, p->serial_len);
    c->serialSz = (int)p->serial_len;
    if (set_date(c->beforeDate, &c->beforeDateSz, p->not_before, e) != 0 ||
        set_date(c->afterDate, &c->afterDateSz, p->not_after, e) != 0)
        goto fail_quiet;

    c->basicConstSet = 1;
    c->basicConstCrit = 1;
    c->isCA = p->is_ca ? 1 : 0;
    if (p->is_ca && p->pathlen >= 0) {
        c->pathLen = (byte)p->pathlen;
        c->pathLenSet = 1;
    }
    if (p->key_usage && *p->key_usage && (rc = wc_SetKeyUsage(c, p->key_usage)) != 0) {
        mp_fail(e, "key usage '%s' not understood", p->key_usage);
        goto fail_quiet;
    }
    if (p->eku && *p->eku && (rc = wc_SetExtKeyUsage(c, p->eku)) != 0) {
        mp_fail(e, "extended key usage '%s' not understood", p->eku);
        goto fail_quiet;
    }
    if (p->sans_len) {
        if (p->sans_len > sizeof c->altNames) {
            mp_fail(e, "subjectAltName too large");
            goto fail_quiet;
        }
        memcpy(c->altNames, p->sans, p->sans_len);
        c->altNamesSz = (int)p->sans_len;
    }
    int kt = pki_key_wc_type(p->key);
    if ((rc = wc_SetSubjectKeyIdFromPublicKey_ex(c, kt, pki_key_wc_ptr(p->key))) != 0)
        goto fail_rc;
    if ((rc = wc_SetAuthKeyIdFromPublicKey_ex(c, pki_key_wc_type(signer),
                                              pki_key_wc_ptr(signer))) != 0)
        goto fail_rc;
    for (size_t i = 0; i < p->n_exts; i++) {
        rc = wc_SetCustomExtension(c, p->exts[i].critical, p->exts[i].oid,
                                   p->exts[i].der, (word32)p->exts[i].len);
        if (rc != 0) {
            mp_fail(e, "extension %s: %s", p->exts[i].oid, wc_GetErrorString(rc));
            goto fail_quiet;
        }
    }

    size_t cap = 16384 + p->sans_len;
    for (size_t i = 0; i < p->n_exts; i++)
        cap += p->exts[i].len + 64;
    buf = malloc(cap);
    if (!buf) {
        mp_fail(e, "out of memory");
        goto fail_quiet;
    }
    rc = wc_MakeCert_ex(c, buf, (word32)cap, kt, pki_key_wc_ptr(p->key), rng);
    if (rc < 0)
        goto fail_rc;
    rc = wc_SignCert_ex(c->bodySz, c->sigType, buf, (word32)cap,
                        pki_key_wc_type(signer), pki_key_wc_ptr(signer), rng);
    if (rc < 0)
        goto fail_rc;
    *der = buf;
    *len = (size_t)rc;
    if (skid && skid_len) {
        size_t n = (size_t)c->skidSz < 32 ? (size_t)c->skidSz : 32;
        memcpy(skid, c->skid, n);
        *skid_len = n;
    }
    free(c);
    return 0;
fail_rc:
    mp_fail(e, "certificate generation failed: %s (%d)", wc_GetErrorString(rc), rc);
fail_quiet:
    free(buf);
    free(c);
    return -1;
}

/* One GeneralName; `cidr` allows "IP:addr/prefix" (name constraints). */
static int general_name(der_buf *b, const char *name, int cidr, mp_err *e)
{
    const char *v = name;
    int kind = 0; /* 1 email, 2 DNS, 6 URI, 7 IP */
    if (strncasecmp(name, "DNS:", 4) == 0) { kind = 2; v = name + 4; }
    else if (strncasecmp(name, "IP:", 3) == 0) { kind = 7; v = name + 3; }
    else if (strncasecmp(name, "URI:", 4) == 0) { kind = 6; v = name + 4; }
    else if (strncasecmp(name, "email:", 6) == 0) { kind = 1; v = name + 6; }
    if (!*v)
        return mp_fail(e, "empty name '%s'", name);
    if (kind == 0) {
        uint8_t tmp[16];
        /* In name constraints a bare "10.0.0.0/8" is an address range. */
        kind = (inet_pton(AF_INET, v, tmp) == 1 || inet_pton(AF_INET6, v, tmp) == 1 ||
                (cidr && strchr(v, '/'))) ? 7 : 2;
    }
    if (kind != 7) {
        der_tlv(b, (uint8_t)(DER_CTX | kind), v, strlen(v));
        return 0;
    }
    char addr[64];
    const char *slash = cidr ? strchr(v, '/') : NULL;
    size_t al = slash ? (size_t)(slash - v) : strlen(v);
    if (al >= sizeof addr)
        return mp_fail(e, "bad IP address '%s'", name);
    memcpy(addr, v, al);
    addr[al] = '\0';
    uint8_t ip[32];
    size_t iplen;
    if (inet_pton(AF_INET, addr, ip) == 1)
        iplen = 4;
    else if (inet_pton(AF_INET6, addr, ip) == 1)
        iplen = 16;
    else
        return mp_fail(e, "bad IP address '%s'", name);
    if (cidr) {
        /* Name constraints carry address and mask. */
        long prefix = (long)iplen * 8;
        if (slash) {
            char *end;
            errno = 0;
            prefix = strtol(slash + 1, &end, 10);
            if (end == slash + 1 || *end || errno || prefix < 0 || prefix > (long)iplen * 8)
                return mp_fail(e, "bad prefix length in '%s'", name);
        }
        for (size_t i = 0; i < iplen; i++) {
            long bits = prefix - (long)i * 8;
            ip[iplen + i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
            if (ip[i] & ~ip[iplen + i])
                return mp_fail(e, "'%s' has address bits set beyond its prefix", name);
        }
        iplen *= 2;
    }
    der_tlv(b, DER_CTX | 7, ip, iplen);
    return 0;
}

int pki_general_names(der_buf *out, const char *const *names, size_t n, mp_err *e)
{
    size_t start = der_begin(out);
    for (size_t i = 0; i < n; i++)
        if (general_name(out, names[i], 0, e) != 0)
            return -1;
    der_end(out, DER_SEQUENCE, start);
    return out->failed ? mp_fail(e, "out of memory") : 0;
}

static int subtrees(der_buf *b, int tagno, const char *const *names, size_t n, mp_err *e)
{
    if (n == 0)
        return 0;
    size_t start = der_begin(b);
    for (size_t i = 0; i < n; i++) {
        size_t st = der_begin(b);
        if (general_name(b, names[i], 1, e) != 0)
            return -1;
        der_end(b, DER_SEQUENCE, st);
    }
    der_end(b, (uint8_t)(DER_CTX_CONS | tagno), start);
    return 0;
}

int pki_name_constraints(der_buf *out, const char *const *permitted, size_t np,
                         const char *const *excluded, size_t ne, mp_err *e)
{
    if (np + ne == 0)
        return mp_fail(e, "name constraints need at least one permitted or excluded name");
    size_t start = der_begin(out);
    if (subtrees(out, 0, permitted, np, e) != 0 || subtrees(out, 1, excluded, ne, e) != 0)
        return -1;
    der_end(out, DER_SEQUENCE, start);
    return out->failed ? mp_fail(e, "out of memory") : 0;
}

int pki_crl_reason_parse(const char *name)
{
    static const char *const reasons[] = {
        "unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
        "superseded", "cessationOfOperation", "certificateHold", NULL,
        "removeFromCRL", "privilegeWithdrawn", "aACompromise",
    };
    for (int i = 0; i < (int)(sizeof reasons / sizeof reasons[0]); i++)
        if (reasons[i] && strcasecmp(reasons[i], name) == 0)
            return i;
    return -1;
}

int pki_crl_make(const pki_crl_params *p, WC_RNG *rng, uint8_t **der,
                 size_t *len, mp_err *e)
{
    der_cert_parts parts;
    if (der_cert_split(p->issuer_cert, p->issuer_cert_len, &parts) != 0)
        return mp_fail(e, "CRL issuer certificate is malformed");
    const char *sig_oid;
    int null_params;
    int st = sig_type(p->issuer_key, p->hash, &sig_oid, &null_params, e);
    if (st == 0)
        return -1;

    der_buf b;
    der_init(&b);
    size_t tbs = der_begin(&b);
    der_int_u64(&b, 1); /* v2 */
    size_t alg = der_begin(&b);
    der_oid(&b, sig_oid);
    if (null_params)
        der_tlv(&b, DER_NULL, NULL, 0);
    der_end(&b, DER_SEQUENCE, alg);
    der_raw(&b, parts.subject.p, parts.subject.len);
    der_time(&b, p->this_update);
    der_time(&b, p->next_update);
    if (p->n_revoked) {
        size_t list = der_begin(&b);
        for (size_t i = 0; i < p->n_revoked; i++) {
            const pki_revoked *r = &p->revoked[i];
            size_t ent = der_begin(&b);
            der_int_bytes(&b, r->serial, r->serial_len);
            der_time(&b, r->when);
            if (r->reason >= 0) {
                size_t exts = der_begin(&b);
                size_t ext = der_begin(&b);
                der_oid(&b, "2.5.29.21");
                uint8_t enumerated[3] = { DER_ENUMERATED, 1, (uint8_t)r->reason };
                der_tlv(&b, DER_OCTET_STRING, enumerated, sizeof enumerated);
                der_end(&b, DER_SEQUENCE, ext);
                der_end(&b, DER_SEQUENCE, exts);
            }
            der_end(&b, DER_SEQUENCE, ent);
        }
        der_end(&b, DER_SEQUENCE, list);
    }
    size_t ctx = der_begin(&b);
    size_t exts = der_begin(&b);
    if (p->issuer_skid_len) { /* authorityKeyIdentifier */
        size_t ext = der_begin(&b);
        der_oid(&b, "2.5.29.35");
        size_t oct = der_begin(&b);
        size_t seq = der_begin(&b);
        der_tlv(&b, DER_CTX | 0, p->issuer_skid, p->issuer_skid_len);
        der_end(&b, DER_SEQUENCE, seq);
        der_end(&b, DER_OCTET_STRING, oct);
        der_end(&b, DER_SEQUENCE, ext);
    }
    { /* cRLNumber */
        size_t ext = der_begin(&b);
        der_oid(&b, "2.5.29.20");
        size_t oct = der_begin(&b);
        der_int_u64(&b, p->number);
        der_end(&b, DER_OCTET_STRING, oct);
        der_end(&b, DER_SEQUENCE, ext);
    }
    der_end(&b, DER_SEQUENCE, exts);
    der_end(&b, DER_CTX_CONS | 0, ctx);
    der_end(&b, DER_SEQUENCE, tbs);
    if (b.failed) {
        der_free(&b);
        return mp_fail(e, "out of memory building a CRL");
    }
    size_t cap = b.len + 1024;
    uint8_t *out = malloc(cap);
    if (!out) {
        der_free(&b);
        return mp_fail(e, "out of memory");
    }
    memcpy(out, b.p, b.len);
    int rc = wc_SignCert_ex((int)b.len, st, out, (word32)cap,
                            pki_key_wc_type(p->issuer_key),
                            pki_key_wc_ptr(p->issuer_key), rng);
    der_free(&b);
    if (rc < 0) {
        free(out);
        return mp_fail(e, "CRL signing failed: %s", wc_GetErrorString(rc));
    }
    *der = out;
    *len = (size_t)rc;
    return 0;
}
