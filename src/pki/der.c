/* DER encoding by appending to one growable buffer; nested structures are
 * written in place and their header inserted afterwards, which keeps callers
 * linear and avoids computing lengths twice. */
#include "pki/der.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/timeutil.h"

void der_init(der_buf *b)
{
    memset(b, 0, sizeof *b);
}

void der_free(der_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static int reserve(der_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *np = realloc(b->p, cap);
    if (!np) {
        b->failed = 1;
        return -1;
    }
    b->p = np;
    b->cap = cap;
    return 0;
}

void der_raw(der_buf *b, const void *data, size_t len)
{
    if (reserve(b, len) != 0)
        return;
    if (len)
        memcpy(b->p + b->len, data, len);
    b->len += len;
}

static size_t len_header(size_t len, uint8_t out[9])
{
    if (len < 0x80) {
        out[0] = (uint8_t)len;
        return 1;
    }
    size_t n = 0;
    for (size_t v = len; v; v >>= 8)
        n++;
    out[0] = (uint8_t)(0x80 | n);
    for (size_t i = 0; i < n; i++)
        out[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    return 1 + n;
}

void der_tlv(der_buf *b, uint8_t tag, const void *data, size_t len)
{
    uint8_t hdr[10];
    hdr[0] = tag;
    size_t hl = 1 + len_header(len, hdr + 1);
    der_raw(b, hdr, hl);
    der_raw(b, data, len);
}

size_t der_begin(const der_buf *b)
{
    return b->len;
}

void der_end(der_buf *b, uint8_t tag, size_t start)
{
    if (b->failed || start > b->len)
        return;
    uint8_t hdr[10];
    hdr[0] = tag;
    size_t hl = 1 + len_header(b->len - start, hdr + 1);
    if (reserve(b, hl) != 0)
        return;
    memmove(b->p + start + hl, b->p + start, b->len - start);
    memcpy(b->p + start, hdr, hl);
    b->len += hl;
}

void der_int_bytes(der_buf *b, const uint8_t *mag, size_t len)
{
    while (len > 1 && mag[0] == 0) {
        mag++;
        len--;
    }
    size_t start = der_begin(b);
    if (len == 0 || (mag[0] & 0x80))
        der_raw(b, "\0", 1);
    der_raw(b, mag, len);
    der_end(b, DER_INTEGER, start);
}

void der_int_u64(der_buf *b, uint64_t v)
{
    uint8_t mag[8];
    for (int i = 0; i < 8; i++)
        mag[i] = (uint8_t)(v >> (56 - 8 * i));
    der_int_bytes(b, mag, 8);
}

void der_bool(der_buf *b, int v)
{
    uint8_t x = v ? 0xff : 0x00;
    der_tlv(b, DER_BOOLEAN, &x, 1);
}

static void base128(der_buf *b, unsigned long long v)
{
    uint8_t tmp[10];
    int n = 0;
    do {
        tmp[n++] = (uint8_t)(v & 0x7f);
        v >>= 7;
    } while (v);
    for (int i = n - 1; i >= 0; i--) {
        uint8_t c = (uint8_t)(tmp[i] | (i ? 0x80 : 0));
        der_raw(b, &c, 1);
    }
}

void der_oid(der_buf *b, const char *dotted)
{
    unsigned long long arcs[64];
    int n = 0;
    const char *p = dotted;
    while (*p && n < 64) {
        char *end;
        if (*p < '0' || *p > '9') {
            b->failed = 1;
            return;
        }
        errno = 0;
        arcs[n++] = strtoull(p, &end, 10);
        if (errno) { /* an arc beyond 64 bits */
            b->failed = 1;
            return;
        }
        p = end;
        if (*p == '.' && p[1])
            p++;
        else if (*p) {
            b->failed = 1;
            return;
        }
    }
    if (n < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) ||
        arcs[1] > (~0ULL - 80) || *p) {
        b->failed = 1;
        return;
    }
    size_t start = der_begin(b);
    base128(b, arcs[0] * 40 + arcs[1]);
    for (int i = 2; i < n; i++)
        base128(b, arcs[i]);
    der_end(b, DER_OID, start);
}

void der_time(der_buf *b, int64_t epoch)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    char s[32];
    if (!tm_in_range(epoch) || !gmtime_r(&t, &tm) ||
        strftime(s, sizeof s, "%Y%m%d%H%M%SZ", &tm) != 15) {
        b->failed = 1; /* RFC 5280 times need a four-digit year */
        return;
    }
    int year = tm.tm_year + 1900;
    if (year >= 1950 && year < 2050) /* UTCTime: the two-digit-year form */
        der_tlv(b, DER_UTCTIME, s + 2, 13);
    else
        der_tlv(b, DER_GENTIME, s, 15);
}

int der_next(der_in *in, uint8_t *tag, der_in *content, der_in *whole)
{
    if (in->len < 2)
        return -1;
    const uint8_t *start = in->p;
    uint8_t t = in->p[0];
    if ((t & 0x1f) == 0x1f)
        return -1; /* high tag numbers never occur in what we read */
    size_t i = 1;
    size_t len = in->p[i++];
    if (len & 0x80) {
        size_t n = len & 0x7f;
        if (n == 0 || n > 4 || i + n > in->len)
            return -1;
        len = 0;
        for (size_t k = 0; k < n; k++)
            len = (len << 8) | in->p[i++];
    }
    if (len > in->len - i)
        return -1;
    if (tag)
        *tag = t;
    if (content) {
        content->p = in->p + i;
        content->len = len;
    }
    if (whole) {
        whole->p = start;
        whole->len = i + len;
    }
    in->p += i + len;
    in->len -= i + len;
    return 0;
}

int der_cert_split(const uint8_t *cert, size_t len, der_cert_parts *out)
{
    der_in in = { cert, len }, c, tbs, el, whole;
    uint8_t tag;
    memset(out, 0, sizeof *out);
    if (der_next(&in, &tag, &c, NULL) != 0 || tag != DER_SEQUENCE)
        return -1;
    if (der_next(&c, &tag, &tbs, &whole) != 0 || tag != DER_SEQUENCE)
        return -1;
    out->tbs = whole;
    der_in alg, oid;
    if (der_next(&c, &tag, &alg, NULL) != 0 || tag != DER_SEQUENCE ||
        der_next(&alg, &tag, &oid, NULL) != 0 || tag != DER_OID)
        return -1;
    out->sig_alg = oid;
    if (der_next(&tbs, &tag, &el, &whole) != 0)
        return -1;
    if (tag == (DER_CTX_CONS | 0)) { /* version */
        if (der_next(&tbs, &tag, &el, &whole) != 0)
            return -1;
    }
    if (tag != DER_INTEGER)
        return -1;
    out->serial = el;
    der_in *slots[] = { NULL, &out->issuer, &out->validity, &out->subject, &out->spki };
    for (int k = 0; k < 5; k++) {
        if (der_next(&tbs, &tag, &el, &whole) != 0 || tag != DER_SEQUENCE)
            return -1;
        if (slots[k])
            *slots[k] = whole;
    }
    while (tbs.len) {
        if (der_next(&tbs, &tag, &el, &whole) != 0)
            return -1;
        if (tag == (DER_CTX_CONS | 3))
            out->extensions = el;
    }
    return 0;
}

void der_hex(const uint8_t *p, size_t len, int sep, char *out, size_t outlen)
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    if (outlen == 0)
        return;
    for (size_t i = 0; i < len; i++) {
        size_t need = 2 + (sep && i ? 1 : 0);
        if (o + need >= outlen)
            break;
        if (sep && i)
            out[o++] = ':';
        out[o++] = hx[p[i] >> 4];
        out[o++] = hx[p[i] & 15];
    }
    out[o] = '\0';
}

static const struct {
    const char *label;
    uint8_t oid[10];
    size_t len;
} name_attrs[] = {
    { "CN", { 0x55, 0x04, 0x03 }, 3 },
    { "SN", { 0x55, 0x04, 0x04 }, 3 },
    { "serialNumber", { 0x55, 0x04, 0x05 }, 3 },
    { "C", { 0x55, 0x04, 0x06 }, 3 },
    { "L", { 0x55, 0x04, 0x07 }, 3 },
    { "ST", { 0x55, 0x04, 0x08 }, 3 },
    { "street", { 0x55, 0x04, 0x09 }, 3 },
    { "O", { 0x55, 0x04, 0x0a }, 3 },
    { "OU", { 0x55, 0x04, 0x0b }, 3 },
    { "postalCode", { 0x55, 0x04, 0x11 }, 3 },
    { "UID", { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01 }, 10 },
    { "DC", { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19 }, 10 },
    { "emailAddress", { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 }, 9 },
};

static void oid_text(der_in oid, char *out, size_t outlen)
{
    size_t o = 0;
    unsigned long long v = 0;
    out[0] = '\0';
    for (size_t i = 0; i < oid.len && o + 24 < outlen; i++) {
        v = (v << 7) | (oid.p[i] & 0x7f);
        if (oid.p[i] & 0x80)
            continue;
        if (o == 0) {
            unsigned long long first = v < 80 ? v / 40 : 2;
            o += (size_t)snprintf(out, outlen, "%llu.%llu", first, v - first * 40);
        } else {
            o += (size_t)snprintf(out + o, outlen - o, ".%llu", v);
        }
        v = 0;
    }
}

/* Appends s to out at *o, escaping per RFC 4514; -1 when out is full. */
static int put_escaped(const uint8_t *s, size_t n, char *out, size_t outlen, size_t *o)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        int esc = strchr(",+\"\\<>;=", c) != NULL || (i == 0 && (c == '#' || c == ' ')) ||
                  (i == n - 1 && c == ' ');
        if (c < 0x20 || c == 0x7f) {
            if (*o + 4 >= outlen)
                return -1;
            *o += (size_t)snprintf(out + *o, outlen - *o, "\\%02x", c);
            continue;
        }
        if (*o + 3 >= outlen)
            return -1;
        if (esc)
            out[(*o)++] = '\\';
        out[(*o)++] = (char)c;
    }
    return 0;
}

int der_name_string(der_in name, char *out, size_t outlen)
{
    der_in seq, rdns[32];
    uint8_t tag;
    size_t n = 0, o = 0;
    if (outlen == 0)
        return -1;
    out[0] = '\0';
    if (der_next(&name, &tag, &seq, NULL) != 0 || tag != DER_SEQUENCE)
        return -1;
    while (seq.len) {
        if (n == 32 || der_next(&seq, &tag, &rdns[n], NULL) != 0 || tag != DER_SET)
            return -1;
        n++;
    }
    for (size_t k = n; k-- > 0;) {
        der_in set = rdns[k], atv;
        int first_in_rdn = 1;
        while (set.len) {
            der_in oid, val;
            if (der_next(&set, &tag, &atv, NULL) != 0 || tag != DER_SEQUENCE ||
                der_next(&atv, &tag, &oid, NULL) != 0 || tag != DER_OID ||
                der_next(&atv, &tag, &val, NULL) != 0)
                return -1;
            char label[64];
            label[0] = '\0';
            for (size_t a = 0; a < sizeof name_attrs / sizeof name_attrs[0]; a++)
                if (oid.len == name_attrs[a].len && memcmp(oid.p, name_attrs[a].oid, oid.len) == 0)
                    snprintf(label, sizeof label, "%s", name_attrs[a].label);
            if (!label[0])
                oid_text(oid, label, sizeof label);
            if (o + strlen(label) + 3 >= outlen)
                return -1;
            if (o)
                out[o++] = first_in_rdn ? ',' : '+';
            o += (size_t)snprintf(out + o, outlen - o, "%s=", label);
            if (put_escaped(val.p, val.len, out, outlen, &o) != 0) {
                out[o] = '\0';
                return -1;
            }
            out[o] = '\0';
            first_in_rdn = 0;
        }
    }
    return 0;
}
