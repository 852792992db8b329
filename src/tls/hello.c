/* Hand-built ClientHello probes (see hello.h). The message is what any TLS
 * 1.2 client sends (SNI, groups, point formats, signature algorithms, the
 * renegotiation SCSV), so servers judge the offer on its cipher suites and
 * compression alone; only the first record of the answer is read. */
#define _DEFAULT_SOURCE
#include "tls/hello.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "net/net.h"

/* Suites wolfSSL does not negotiate: no forward secrecy (static RSA), 3DES,
 * RC4, single DES, export grade, NULL encryption, anonymous key exchange,
 * and the ARIA and CAMELLIA suites OpenSSL servers enable with "ALL". */
static const tls_suite_name extra_suites[] = {
    { 0x0001, "TLS_RSA_WITH_NULL_MD5", "NULL-MD5" },
    { 0x0002, "TLS_RSA_WITH_NULL_SHA", "NULL-SHA" },
    { 0x003B, "TLS_RSA_WITH_NULL_SHA256", "NULL-SHA256" },
    { 0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA", "ECDHE-RSA-NULL-SHA" },
    { 0xC015, "TLS_ECDH_anon_WITH_NULL_SHA", "AECDH-NULL-SHA" },
    { 0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5" },
    { 0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", "EXP-RC2-CBC-MD5" },
    { 0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-DES-CBC-SHA" },
    { 0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-EDH-RSA-DES-CBC-SHA" },
    { 0x0009, "TLS_RSA_WITH_DES_CBC_SHA", "DES-CBC-SHA" },
    { 0x0004, "TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5" },
    { 0x0005, "TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA" },
    { 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA" },
    { 0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "EDH-RSA-DES-CBC3-SHA" },
    { 0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-ECDSA-DES-CBC3-SHA" },
    { 0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA" },
    { 0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA" },
    { 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA" },
    { 0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256" },
    { 0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256" },
    { 0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256" },
    { 0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384" },
    { 0xC09C, "TLS_RSA_WITH_AES_128_CCM", "AES128-CCM" },
    { 0xC09D, "TLS_RSA_WITH_AES_256_CCM", "AES256-CCM" },
    { 0xC0A0, "TLS_RSA_WITH_AES_128_CCM_8", "AES128-CCM8" },
    { 0xC0A1, "TLS_RSA_WITH_AES_256_CCM_8", "AES256-CCM8" },
    { 0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", "CAMELLIA128-SHA" },
    { 0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", "CAMELLIA256-SHA" },
    { 0x00BA, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256", "CAMELLIA128-SHA256" },
    { 0x00C0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256", "CAMELLIA256-SHA256" },
    { 0xC050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256", "ARIA128-GCM-SHA256" },
    { 0xC051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384", "ARIA256-GCM-SHA384" },
    { 0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA", "ADH-AES256-SHA" },
    { 0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256", "ADH-AES128-SHA256" },
    { 0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256", "ADH-AES256-SHA256" },
    { 0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256", "ADH-AES128-GCM-SHA256" },
    { 0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA", "AECDH-AES128-SHA" },
    { 0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA", "AECDH-AES256-SHA" },
    { 0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA", "ADH-CAMELLIA128-SHA" },
    { 0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA", "ADH-CAMELLIA256-SHA" },
    { 0xC060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256", "ECDHE-ARIA128-GCM-SHA256" },
    { 0xC061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384", "ECDHE-ARIA256-GCM-SHA384" },
    { 0xC05C, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256", "ECDHE-ECDSA-ARIA128-GCM-SHA256" },
    { 0xC05D, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384", "ECDHE-ECDSA-ARIA256-GCM-SHA384" },
    { 0xC052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256", "DHE-RSA-ARIA128-GCM-SHA256" },
    { 0xC053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384", "DHE-RSA-ARIA256-GCM-SHA384" },
    { 0xC076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-RSA-CAMELLIA128-SHA256" },
    { 0xC077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-RSA-CAMELLIA256-SHA384" },
    { 0xC072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-ECDSA-CAMELLIA128-SHA256" },
    { 0xC073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-ECDSA-CAMELLIA256-SHA384" },
    { 0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", "DHE-RSA-CAMELLIA256-SHA" },
    { 0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", "DHE-RSA-CAMELLIA128-SHA" },
    { 0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM", "DHE-RSA-AES128-CCM" },
    { 0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM", "DHE-RSA-AES256-CCM" },
    { 0xC0A2, "TLS_DHE_RSA_WITH_AES_128_CCM_8", "DHE-RSA-AES128-CCM8" },
    { 0xC0A3, "TLS_DHE_RSA_WITH_AES_256_CCM_8", "DHE-RSA-AES256-CCM8" },
    { 0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "ECDHE-ECDSA-AES256-CCM" },
};

const tls_suite_name *tls_legacy_suites(size_t *n)
{
    *n = sizeof extra_suites / sizeof extra_suites[0];
    return extra_suites;
}

const tls_suite_name *tls_suite_by_id(uint16_t id)
{
    for (size_t i = 0; i < sizeof extra_suites / sizeof extra_suites[0]; i++)
        if (extra_suites[i].id == id)
            return &extra_suites[i];
    return NULL;
}

typedef struct wbuf {
    uint8_t b[2048];
    size_t n;
    int overflow;
} wbuf;

static void put(wbuf *w, const void *p, size_t n)
{
    if (w->n + n > sizeof w->b) {
        w->overflow = 1;
        return;
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put8(wbuf *w, unsigned v) { uint8_t b = (uint8_t)v; put(w, &b, 1); }
static void put16(wbuf *w, unsigned v) { put8(w, v >> 8); put8(w, v & 0xff); }

/* Writes a 2-byte (or 3-byte) length placeholder; patch() fills it. */
static size_t hole(wbuf *w, int bytes)
{
    size_t at = w->n;
    for (int i = 0; i < bytes; i++)
        put8(w, 0);
    return at;
}

static void patch(wbuf *w, size_t at, int bytes)
{
    size_t len = w->n - at - (size_t)bytes;
    for (int i = bytes - 1; i >= 0; i--, len >>= 8)
        w->b[at + (size_t)i] = (uint8_t)(len & 0xff);
}

static void build(wbuf *w, const tls_hello_opts *o)
{
    static const uint16_t groups[] = { 0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101 };
    static const uint16_t sigalgs[] = { 0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806,
                                        0x0401, 0x0501, 0x0601, 0x0203, 0x0201 };
    unsigned minor = o->version == TLS_V1_0 ? 1 : o->version == TLS_V1_1 ? 2 : 3;
    put8(w, 0x16);
    put16(w, 0x0301); /* record version as most clients send it */
    size_t rec = hole(w, 2);
    put8(w, 0x01);
    size_t hs = hole(w, 3);
    put8(w, 3);
    put8(w, minor);
    uint8_t random[32];
    if (getrandom(random, sizeof random, 0) != (ssize_t)sizeof random)
        memset(random, 0x5a, sizeof random);
    put(w, random, sizeof random);
    put8(w, 0); /* no session id */
    size_t cs = hole(w, 2);
    for (size_t i = 0; i < o->n_suites; i++)
        put16(w, o->suites[i]);
    put16(w, 0x00ff); /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
    if (o->fallback_scsv)
        put16(w, 0x5600);
    patch(w, cs, 2);
    if (o->offer_deflate) {
        put8(w, 2);
        put8(w, 1);
        put8(w, 0);
    } else {
        put8(w, 1);
        put8(w, 0);
    }
    size_t ext = hole(w, 2);
    if (o->sni && *o->sni) {
        size_t len = strlen(o->sni);
        put16(w, 0x0000);
        put16(w, (unsigned)len + 5);
        put16(w, (unsigned)len + 3);
        put8(w, 0);
        put16(w, (unsigned)len);
        put(w, o->sni, len);
    }
    put16(w, 0x000a);
    put16(w, (unsigned)(2 + sizeof groups));
    put16(w, (unsigned)sizeof groups);
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        put16(w, groups[i]);
    put16(w, 0x000b); /* ec_point_formats: uncompressed */
    put16(w, 2);
    put8(w, 1);
    put8(w, 0);
    if (minor == 3) {
        put16(w, 0x000d);
        put16(w, (unsigned)(2 + sizeof sigalgs));
        put16(w, (unsigned)sizeof sigalgs);
        for (size_t i = 0; i < sizeof sigalgs / sizeof sigalgs[0]; i++)
            put16(w, sigalgs[i]);
    }
    patch(w, ext, 2);
    patch(w, hs, 3);
    patch(w, rec, 2);
}

/* Reads exactly n bytes, or fails at EOF, error or the deadline. */
static int read_full(int fd, uint8_t *p, size_t n, int64_t deadline_ns, tls_hello_result *r)
{
    while (n) {
        ssize_t got = recv(fd, p, n, 0);
        if (got > 0) {
            p += got;
            n -= (size_t)got;
            continue;
        }
        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            r->kind = TLS_HELLO_CLOSED;
            return -1;
        }
        if (errno == EINTR)
            continue;
        if (net_wait(fd, POLLIN, deadline_ns) <= 0) {
            r->kind = TLS_HELLO_TIMEOUT;
            return -1;
        }
    }
    return 0;
}

static void parse_server_hello(const uint8_t *p, size_t n, tls_hello_result *r)
{
    /* type(1) len(3) version(2) random(32) sid_len(1) sid cipher(2) comp(1) [exts] */
    r->kind = TLS_HELLO_GARBAGE;
    if (n < 4 + 2 + 32 + 1 || p[0] != 0x02)
        return;
    size_t at = 4;
    r->version = (p[at] << 8) | p[at + 1];
    at += 2 + 32;
    size_t sid = p[at++];
    if (at + sid + 3 > n)
        return;
    at += sid;
    r->suite = (uint16_t)((p[at] << 8) | p[at + 1]);
    r->compression = p[at + 2];
    at += 3;
    r->kind = TLS_HELLO_SERVER_HELLO;
    if (at + 2 > n)
        return;
    size_t ext_len = (size_t)((p[at] << 8) | p[at + 1]);
    at += 2;
    size_t end = at + ext_len < n ? at + ext_len : n;
    while (at + 4 <= end && r->n_extensions < (int)(sizeof r->extensions / sizeof r->extensions[0])) {
        r->extensions[r->n_extensions++] = (uint16_t)((p[at] << 8) | p[at + 1]);
        at += 4 + (size_t)((p[at + 2] << 8) | p[at + 3]);
    }
}

int tls_hello_probe(int fd, const tls_hello_opts *o, int64_t deadline_ns,
                    tls_hello_result *r, mp_err *e)
{
    memset(r, 0, sizeof *r);
    r->alert_code = -1;
    if (o->version != TLS_V1_0 && o->version != TLS_V1_1 && o->version != TLS_V1_2)
        return mp_fail(e, "a hand-built ClientHello offers TLS 1.0, 1.1 or 1.2 only");
    if (o->n_suites > TLS_HELLO_MAX_SUITES)
        return mp_fail(e, "at most %d cipher suites in one ClientHello", TLS_HELLO_MAX_SUITES);
    wbuf w = { .n = 0 };
    build(&w, o);
    if (w.overflow)
        return mp_fail(e, "the ClientHello does not fit (server name too long?)");
    size_t off = 0;
    while (off < w.n) {
        ssize_t n = send(fd, w.b + off, w.n - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (net_wait(fd, POLLOUT, deadline_ns) <= 0) {
                r->kind = TLS_HELLO_TIMEOUT;
                return 0;
            }
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            r->kind = TLS_HELLO_CLOSED;
            return 0;
        }
    }
    uint8_t hdr[5];
    if (read_full(fd, hdr, sizeof hdr, deadline_ns, r) != 0)
        return 0;
    size_t len = (size_t)((hdr[3] << 8) | hdr[4]);
    if ((hdr[0] != 0x15 && hdr[0] != 0x16) || hdr[1] != 3 || len == 0 || len > 16384 + 2048) {
        r->kind = TLS_HELLO_GARBAGE;
        return 0;
    }
    static const size_t cap = 16384 + 2048;
    uint8_t body[16384 + 2048];
    if (read_full(fd, body, len < cap ? len : cap, deadline_ns, r) != 0)
        return 0;
    if (hdr[0] == 0x15) {
        r->kind = len >= 2 ? TLS_HELLO_ALERT : TLS_HELLO_GARBAGE;
        r->alert_code = len >= 2 ? body[1] : -1;
        return 0;
    }
    parse_server_hello(body, len, r);
    return 0;
}
