/* Hand-built ClientHello probes (see hello.h). The message is what any TLS
 * 1.2 client sends (SNI, groups, point formats, signature algorithms, the
 * renegotiation SCSV), so servers judge the offer on its cipher suites and
 * compression alone; only the first record of the answer is read. */
#define _DEFAULT_SOURCE
#include "tls/hello.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "net/net.h"

typedef struct wbuf {
    uint8_t b[6144];
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
    static const uint16_t suites13[] = { 0x1301, 0x1302, 0x1303, 0x1304, 0x1305 };
    int v13 = o->version == TLS_V1_3 && !o->ssl3;
    unsigned minor = o->ssl3 ? 0 : o->version == TLS_V1_0 ? 1 : o->version == TLS_V1_1 ? 2 : 3;
    put8(w, 0x16);
    put16(w, o->ssl3 ? 0x0300 : 0x0301); /* record version as most clients send it */
    size_t rec = hole(w, 2);
    put8(w, 0x01);
    size_t hs = hole(w, 3);
    put8(w, 3);
    put8(w, minor);
    uint8_t random[32];
    if (getrandom(random, sizeof random, 0) != (ssize_t)sizeof random)
        memset(random, 0x5a, sizeof random);
    put(w, random, sizeof random);
    put8(w, (unsigned)o->session_id_len);
    if (o->session_id_len)
        put(w, o->session_id, o->session_id_len);
    size_t cs = hole(w, 2);
    for (size_t i = 0; i < o->n_suites; i++)
        put16(w, o->suites[i]);
    for (size_t i = 0; v13 && !o->n_suites && i < sizeof suites13 / sizeof suites13[0]; i++)
        put16(w, suites13[i]);
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
    const uint16_t *gl = v13 && o->n_groups ? o->groups : groups;
    size_t ng = v13 && o->n_groups ? o->n_groups : sizeof groups / sizeof groups[0];
    put16(w, 0x000a);
    put16(w, (unsigned)(2 + 2 * ng));
    put16(w, (unsigned)(2 * ng));
    for (size_t i = 0; i < ng; i++)
        put16(w, gl[i]);
    if (o->ticket) {
        put16(w, 0x0023);
        put16(w, (unsigned)o->ticket_len);
        put(w, o->ticket, o->ticket_len);
    }
    if (o->heartbeat) {
        put16(w, 0x000f); /* heartbeat: peer_allowed_to_send */
        put16(w, 1);
        put8(w, 1);
    }
    if (v13) {
        put16(w, 0x002b); /* supported_versions: TLS 1.3 only */
        put16(w, 3);
        put8(w, 2);
        put16(w, 0x0304);
        put16(w, 0x0033); /* key_share: none, so the server must name its group */
        put16(w, 2);
        put16(w, 0);
        put16(w, 0x002d); /* psk_key_exchange_modes: psk_dhe_ke */
        put16(w, 2);
        put8(w, 1);
        put8(w, 1);
    }
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

static int send_all(int fd, const uint8_t *p, size_t len, int64_t deadline_ns, tls_hello_result *r)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, p + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (net_wait(fd, POLLOUT, deadline_ns) <= 0) {
                r->kind = TLS_HELLO_TIMEOUT;
                return -1;
            }
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            r->kind = TLS_HELLO_CLOSED;
            return -1;
        }
    }
    return 0;
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
    static const uint8_t hrr_random[32] = {
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C };
    size_t at = 4;
    r->version = (p[at] << 8) | p[at + 1];
    r->hrr = memcmp(p + at + 2, hrr_random, 32) == 0;
    at += 2 + 32;
    size_t sid = p[at++];
    if (sid > 32 || at + sid + 3 > n)
        return;
    memcpy(r->session_id, p + at, sid);
    r->session_id_len = (int)sid;
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
        uint16_t type = (uint16_t)((p[at] << 8) | p[at + 1]);
        size_t len = (size_t)((p[at + 2] << 8) | p[at + 3]);
        r->extensions[r->n_extensions++] = type;
        if (type == 43 && len == 2 && at + 6 <= end) /* supported_versions */
            r->version = (p[at + 4] << 8) | p[at + 5];
        if (type == 51 && len >= 2 && at + 6 <= end) /* key_share: the group */
            r->selected_group = (p[at + 4] << 8) | p[at + 5];
        at += 4 + len;
    }
}

/* Certificate: certificate_list<3> of ASN.1Cert<3>. */
static void parse_certificates(const uint8_t *p, size_t n, tls_hello_result *r)
{
    if (n < 3 || r->n_certs)
        return;
    size_t end = 3 + (((size_t)p[0] << 16) | ((size_t)p[1] << 8) | p[2]), at = 3, used = 0;
    if (end > n)
        end = n;
    while (at + 3 <= end && r->n_certs < 8) {
        size_t len = ((size_t)p[at] << 16) | ((size_t)p[at + 1] << 8) | p[at + 2];
        at += 3;
        if (at + len > end || used + len > sizeof r->certs)
            break;
        memcpy(r->certs + used, p + at, len);
        r->cert_off[r->n_certs] = used;
        r->cert_len[r->n_certs++] = len;
        used += len;
        at += len;
    }
}

/* ServerKeyExchange: the key exchange follows from the chosen suite's
 * name (DHE or DH_anon: dh_p<2> first, after a PSK identity hint<2> for
 * DHE_PSK; ECDHE or ECDH_anon: curve_type 3 and a named group). */
static void parse_key_exchange(const uint8_t *p, size_t n, tls_hello_result *r)
{
    const tls_suite_name *s = tls_suite_by_id(r->suite);
    if (!s)
        return;
    size_t at = 0;
    if (strstr(s->iana, "_PSK_")) {
        if (n < 2)
            return;
        at = 2 + (((size_t)p[0] << 8) | p[1]);
    }
    if (strstr(s->iana, "TLS_DHE_") || strstr(s->iana, "TLS_DH_anon_")) {
        if (at + 2 > n)
            return;
        size_t plen = ((size_t)p[at] << 8) | p[at + 1];
        at += 2;
        if (at + plen > n)
            return;
        while (plen > 0 && p[at] == 0) { /* leading zero bytes do not count */
            at++;
            plen--;
        }
        int bits = (int)plen * 8;
        for (uint8_t top = plen ? p[at] : 0; plen && !(top & 0x80); top = (uint8_t)(top << 1))
            bits--;
        r->dh_bits = bits;
    } else if (strstr(s->iana, "TLS_ECDHE_") || strstr(s->iana, "TLS_ECDH_anon_")) {
        if (at + 3 <= n && p[at] == 3)
            r->ecdh_group = (p[at + 1] << 8) | p[at + 2];
    }
}

/* The known-bug probes: one record sent after the server's first flight,
 * and the first record of the answer. A heartbeat_request whose
 * payload_length (16384) exceeds what it carries (1 byte) is answered
 * with memory by a Heartbleed server and dropped or refused by others; a
 * ChangeCipherSpec before any key exchange is refused with
 * unexpected_message by a server without the CCS injection bug. */
static void after_flight(int fd, const tls_hello_opts *o, int64_t deadline_ns, tls_hello_result *r)
{
    uint8_t rec[8];
    size_t n;
    uint16_t ver = (uint16_t)r->version;
    if (o->after == TLS_HELLO_AFTER_HEARTBEAT) {
        const uint8_t hb[] = { 0x18, (uint8_t)(ver >> 8), (uint8_t)ver, 0x00, 0x03, 0x01, 0x40, 0x00 };
        memcpy(rec, hb, sizeof hb);
        n = sizeof hb;
    } else {
        const uint8_t ccs[] = { 0x14, (uint8_t)(ver >> 8), (uint8_t)ver, 0x00, 0x01, 0x01 };
        memcpy(rec, ccs, sizeof ccs);
        n = sizeof ccs;
    }
    r->after_sent = 1;
    r->after_kind = TLS_HELLO_CLOSED;
    r->after_alert = -1;
    tls_hello_result tmp = { .kind = TLS_HELLO_CLOSED };
    if (send_all(fd, rec, n, deadline_ns, &tmp) != 0) {
        r->after_kind = tmp.kind;
        return;
    }
    uint8_t hdr[5];
    if (read_full(fd, hdr, sizeof hdr, deadline_ns, &tmp) != 0) {
        r->after_kind = tmp.kind;
        return;
    }
    r->after_kind = TLS_HELLO_GARBAGE;
    r->after_type = hdr[0];
    r->after_len = (size_t)((hdr[3] << 8) | hdr[4]);
    uint8_t body[2];
    if (hdr[0] == 0x15 && r->after_len >= 2 && read_full(fd, body, 2, deadline_ns, &tmp) == 0) {
        r->after_kind = TLS_HELLO_ALERT;
        r->after_alert = body[1];
    } else if (hdr[0] == 0x18) {
        r->after_kind = TLS_HELLO_SERVER_HELLO; /* an answer of the probed kind */
    }
}

int tls_hello_probe(int fd, const tls_hello_opts *o, int64_t deadline_ns,
                    tls_hello_result *r, mp_err *e)
{
    memset(r, 0, sizeof *r);
    r->alert_code = -1;
    r->selected_group = -1;
    if (!o->ssl3 && o->version != TLS_V1_0 && o->version != TLS_V1_1 && o->version != TLS_V1_2 &&
        o->version != TLS_V1_3)
        return mp_fail(e, "a hand-built ClientHello offers SSL 3.0 or TLS 1.0 to 1.3 only");
    if (o->version == TLS_V1_3 && o->after != TLS_HELLO_AFTER_NONE)
        return mp_fail(e, "the after-flight probes are TLS 1.0-1.2 only");
    if (o->after != TLS_HELLO_AFTER_NONE && !o->read_flight)
        return mp_fail(e, "an after-flight probe needs the whole first flight read");
    if (o->n_groups > 64)
        return mp_fail(e, "at most 64 groups in one ClientHello");
    if (o->session_id_len > 32 || (o->session_id_len && !o->session_id))
        return mp_fail(e, "a session id has 0 to 32 bytes");
    if (o->ticket_len > 2048)
        return mp_fail(e, "a session ticket of at most 2048 bytes");
    if (o->n_suites > TLS_HELLO_MAX_SUITES)
        return mp_fail(e, "at most %d cipher suites in one ClientHello", TLS_HELLO_MAX_SUITES);
    wbuf w = { .n = 0 };
    build(&w, o);
    if (w.overflow)
        return mp_fail(e, "the ClientHello does not fit (server name too long?)");
    if (send_all(fd, w.b, w.n, deadline_ns, r) != 0)
        return 0;
    r->ecdh_group = -1;
    r->kind = TLS_HELLO_CLOSED;
    /* Handshake messages may span records and records may hold several:
     * collect handshake bytes until ServerHelloDone (or the ServerHello
     * alone without read_flight). */
    static const size_t cap = 65536;
    uint8_t *hs = malloc(cap);
    if (!hs)
        return mp_fail(e, "out of memory");
    size_t have = 0, at = 0;
    int seen_hello = 0;
    for (;;) {
        uint8_t hdr[5];
        if (read_full(fd, hdr, sizeof hdr, deadline_ns, r) != 0)
            break;
        size_t len = (size_t)((hdr[3] << 8) | hdr[4]);
        if (hdr[0] == 0x14 && seen_hello && hdr[1] == 3 && len == 1) {
            r->resumed = 1; /* the server's ChangeCipherSpec: no first flight follows */
            break;
        }
        if ((hdr[0] != 0x15 && hdr[0] != 0x16) || hdr[1] != 3 || len == 0 || len > 16384 + 2048) {
            if (!seen_hello)
                r->kind = TLS_HELLO_GARBAGE;
            break;
        }
        if (have + len > cap) {
            break;
        }
        if (read_full(fd, hs + have, len, deadline_ns, r) != 0)
            break;
        if (hdr[0] == 0x15) {
            if (!seen_hello) {
                r->kind = len >= 2 ? TLS_HELLO_ALERT : TLS_HELLO_GARBAGE;
                r->alert_code = len >= 2 ? hs[have + 1] : -1;
            }
            break;
        }
        have += len;
        int done = 0;
        while (at + 4 <= have) {
            size_t mlen = ((size_t)hs[at + 1] << 16) | ((size_t)hs[at + 2] << 8) | hs[at + 3];
            if (at + 4 + mlen > have)
                break;
            uint8_t type = hs[at];
            if (type == 2 && !seen_hello) {
                parse_server_hello(hs + at, 4 + mlen, r);
                seen_hello = r->kind == TLS_HELLO_SERVER_HELLO;
                if (!seen_hello)
                    done = 1;
            } else if (type == 11) {
                parse_certificates(hs + at + 4, mlen, r);
            } else if (type == 12 && seen_hello) {
                parse_key_exchange(hs + at + 4, mlen, r);
            } else if (type == 14) {
                r->flight_complete = 1;
                done = 1;
            }
            at += 4 + mlen;
            if (seen_hello && !o->read_flight)
                done = 1;
            if (done)
                break;
        }
        if (done)
            break;
    }
    free(hs);
    if (seen_hello)
        r->kind = TLS_HELLO_SERVER_HELLO;
    if (seen_hello && r->flight_complete && o->after != TLS_HELLO_AFTER_NONE)
        after_flight(fd, o, deadline_ns, r);
    return 0;
}

int tls_sslv2_probe(int fd, int64_t deadline_ns, int *accepted, int *n_ciphers, tls_hello_kind *kind,
                    mp_err *e)
{
    /* SSLv2 CLIENT-HELLO: 2-byte header, type 1, version 0x0002, the
     * lengths of cipher specs, session id and challenge, then the specs
     * (every SSLv2 cipher kind) and a 16-byte challenge. */
    static const uint8_t specs[] = { 0x01, 0x00, 0x80, 0x02, 0x00, 0x80, 0x03, 0x00, 0x80, 0x04, 0x00, 0x80,
                                     0x05, 0x00, 0x80, 0x06, 0x00, 0x40, 0x07, 0x00, 0xC0 };
    uint8_t m[2 + 9 + sizeof specs + 16];
    size_t body = sizeof m - 2;
    m[0] = (uint8_t)(0x80 | (body >> 8));
    m[1] = (uint8_t)(body & 0xff);
    m[2] = 1;
    m[3] = 0x00;
    m[4] = 0x02;
    m[5] = 0;
    m[6] = sizeof specs;
    m[7] = 0;
    m[8] = 0;
    m[9] = 0;
    m[10] = 16;
    memcpy(m + 11, specs, sizeof specs);
    if (getrandom(m + 11 + sizeof specs, 16, 0) != 16)
        memset(m + 11 + sizeof specs, 0x5a, 16);
    *accepted = 0;
    *n_ciphers = 0;
    tls_hello_result r = { .kind = TLS_HELLO_CLOSED };
    if (send(fd, m, sizeof m, MSG_NOSIGNAL) != (ssize_t)sizeof m)
        return mp_fail(e, "sending the SSLv2 CLIENT-HELLO failed");
    uint8_t hdr[2];
    *kind = TLS_HELLO_CLOSED;
    if (read_full(fd, hdr, sizeof hdr, deadline_ns, &r) != 0) {
        *kind = r.kind;
        return 0;
    }
    if (!(hdr[0] & 0x80)) {
        *kind = hdr[0] == 0x15 ? TLS_HELLO_ALERT : TLS_HELLO_GARBAGE;
        return 0;
    }
    size_t len = ((size_t)(hdr[0] & 0x7f) << 8) | hdr[1];
    uint8_t b[16384];
    if (len < 11 || len > sizeof b || read_full(fd, b, len, deadline_ns, &r) != 0 || b[0] != 4) {
        *kind = len >= 1 && len <= sizeof b ? TLS_HELLO_GARBAGE : r.kind;
        return 0;
    }
    /* SERVER-HELLO: type, session_id_hit, certificate_type, version(2),
     * certificate_length(2), cipher_specs_length(2), connection_id_length(2). */
    *kind = TLS_HELLO_SERVER_HELLO;
    *accepted = 1;
    *n_ciphers = (int)((((size_t)b[7] << 8) | b[8]) / 3);
    return 0;
}
