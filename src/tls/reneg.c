/* The renegotiation probes and the ticket fetch (see reneg.h). The one
 * decision: the probe completes a real TLS 1.2 handshake, because a server
 * answers a renegotiation (or issues a ticket) only on an established
 * connection, but it needs to read nothing encrypted except the answer's
 * record type: in TLS 1.2 the record
 * header stays in clear, so a handshake record after the second
 * ClientHello is the server going along, an alert its refusal (decrypted
 * only to name it). One suite family (ECDHE with X25519, AES-128-GCM,
 * SHA-256) keeps the key schedule small; a server that takes neither says
 * so (NOT_TRIED), never "refused". */
#define _DEFAULT_SOURCE
#include "tls/reneg.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/curve25519.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "net/net.h"

typedef struct probe {
    int fd;
    int64_t deadline;
    wc_Sha256 transcript;
    uint8_t client_random[32], server_random[32];
    uint8_t server_pub[32];
    int have_pub, cert_requested, done;
    int rfc5746, want_ticket;       /* offer renegotiation_info, session_ticket */
    uint8_t verify_data[12];        /* our Finished, for a secure renegotiation */
    uint8_t ticket[4096];           /* the NewSessionTicket's ticket */
    size_t ticket_len;
    uint16_t suite;
    uint8_t ckey[16], skey[16], civ[4], siv[4];
    uint64_t cseq, sseq;
    uint8_t hs[65536];   /* the server's handshake bytes, until ServerHelloDone */
    size_t hs_len, hs_at;
} probe;

static int send_all(probe *p, const uint8_t *b, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t k = send(p->fd, b + off, n - off, MSG_NOSIGNAL);
        if (k > 0) {
            off += (size_t)k;
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (net_wait(p->fd, POLLOUT, p->deadline) <= 0)
                return -2;
        } else {
            return -1;
        }
    }
    return 0;
}

/* 0 read, -1 closed, -2 timeout. */
static int read_full(probe *p, uint8_t *b, size_t n)
{
    while (n) {
        ssize_t k = recv(p->fd, b, n, 0);
        if (k > 0) {
            b += k;
            n -= (size_t)k;
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (net_wait(p->fd, POLLIN, p->deadline) <= 0)
                return -2;
        } else {
            return -1;
        }
    }
    return 0;
}

/* One record: type, body (up to cap), length. */
static int read_record(probe *p, uint8_t *type, uint8_t *body, size_t cap, size_t *len)
{
    uint8_t h[5];
    int rc = read_full(p, h, 5);
    if (rc != 0)
        return rc;
    *type = h[0];
    *len = (size_t)((h[3] << 8) | h[4]);
    if (*len > cap)
        return -1;
    return read_full(p, body, *len);
}

/* TLS 1.2 PRF with SHA-256 (RFC 5246, 5). */
static int prf(const uint8_t *secret, size_t slen, const char *label, const uint8_t *s1, size_t n1,
               const uint8_t *s2, size_t n2, uint8_t *out, size_t olen)
{
    uint8_t seed[128], a[32], t[32];
    size_t ll = strlen(label), sl = ll + n1 + n2;
    if (sl > sizeof seed)
        return -1;
    memcpy(seed, label, ll);
    memcpy(seed + ll, s1, n1);
    if (n2)
        memcpy(seed + ll + n1, s2, n2);
    Hmac h;
    int ok = wc_HmacInit(&h, NULL, INVALID_DEVID) == 0 && wc_HmacSetKey(&h, WC_SHA256, secret, (word32)slen) == 0 &&
             wc_HmacUpdate(&h, seed, (word32)sl) == 0 && wc_HmacFinal(&h, a) == 0;
    for (size_t done = 0; ok && done < olen;) {
        ok = wc_HmacSetKey(&h, WC_SHA256, secret, (word32)slen) == 0 && wc_HmacUpdate(&h, a, 32) == 0 &&
             wc_HmacUpdate(&h, seed, (word32)sl) == 0 && wc_HmacFinal(&h, t) == 0;
        size_t k = olen - done < 32 ? olen - done : 32;
        memcpy(out + done, t, k);
        done += k;
        ok = ok && wc_HmacSetKey(&h, WC_SHA256, secret, (word32)slen) == 0 && wc_HmacUpdate(&h, a, 32) == 0 &&
             wc_HmacFinal(&h, a) == 0;
    }
    wc_HmacFree(&h);
    return ok ? 0 : -1;
}

static void put16(uint8_t *b, size_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

/* A ClientHello without renegotiation_info and without its SCSV, unless
 * the probe speaks RFC 5746 (then the extension, carrying `ri` on a
 * renegotiation, 12 bytes). */
static size_t client_hello(const probe *p, uint8_t *m, const uint8_t random[32], const char *sni,
                           const uint8_t *ri)
{
    static const uint8_t fixed_ext[] = {
        /* groups: X25519 for the key exchange; P-256 and P-384 listed too,
         * or a server with an ECDSA certificate on those curves cannot
         * use it in TLS 1.2 (RFC 8422, 5.1) */
        0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18,
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                               /* point formats */
        0x00, 0x0d, 0x00, 0x0e, 0x00, 0x0c, 0x04, 0x03, 0x05, 0x03, 0x08, 0x04,
        0x08, 0x05, 0x04, 0x01, 0x05, 0x01,                               /* signature algorithms */
    };
    size_t n = 0;
    m[n++] = 1;
    n += 3; /* length */
    m[n++] = 3;
    m[n++] = 3;
    memcpy(m + n, random, 32);
    n += 32;
    m[n++] = 0; /* no session id */
    put16(m + n, 4);
    n += 2;
    put16(m + n, 0xc02b);
    put16(m + n + 2, 0xc02f);
    n += 4;
    m[n++] = 1;
    m[n++] = 0;
    size_t ext = n;
    n += 2;
    size_t sl = sni ? strlen(sni) : 0;
    if (sl && sl < 200) {
        put16(m + n, 0);
        put16(m + n + 2, sl + 5);
        put16(m + n + 4, sl + 3);
        m[n + 6] = 0;
        put16(m + n + 7, sl);
        memcpy(m + n + 9, sni, sl);
        n += 9 + sl;
    }
    memcpy(m + n, fixed_ext, sizeof fixed_ext);
    n += sizeof fixed_ext;
    if (p->rfc5746) {
        put16(m + n, 0xff01);
        put16(m + n + 2, ri ? 13 : 1);
        m[n + 4] = ri ? 12 : 0;
        if (ri)
            memcpy(m + n + 5, ri, 12);
        n += ri ? 17 : 5;
    }
    if (p->want_ticket) {
        put16(m + n, 0x0023); /* session_ticket, empty: asks for one */
        put16(m + n + 2, 0);
        n += 4;
    }
    put16(m + ext, n - ext - 2);
    m[1] = 0;
    put16(m + 2, n - 4);
    return n;
}

static int send_plain(probe *p, uint8_t type, const uint8_t *b, size_t n)
{
    uint8_t rec[5 + 1024];
    if (n > 1024)
        return -1;
    rec[0] = type;
    rec[1] = 3;
    rec[2] = 3;
    put16(rec + 3, n);
    memcpy(rec + 5, b, n);
    return send_all(p, rec, n + 5);
}

static void seq_bytes(uint64_t s, uint8_t out[8])
{
    for (int i = 7; i >= 0; i--, s >>= 8)
        out[i] = (uint8_t)s;
}

/* Seals one record into rec (5 + 8 + n + 16 bytes); its length. */
static size_t seal(probe *p, uint8_t type, const uint8_t *b, size_t n, uint8_t *rec)
{
    uint8_t nonce[12], aad[13];
    memcpy(nonce, p->civ, 4);
    seq_bytes(p->cseq, nonce + 4);
    seq_bytes(p->cseq, aad);
    aad[8] = type;
    aad[9] = 3;
    aad[10] = 3;
    put16(aad + 11, n);
    Aes aes;
    if (wc_AesInit(&aes, NULL, INVALID_DEVID) != 0)
        return 0;
    int rc = wc_AesGcmSetKey(&aes, p->ckey, 16) == 0 &&
             wc_AesGcmEncrypt(&aes, rec + 13, b, (word32)n, nonce, 12, rec + 13 + n, 16, aad, 13) == 0;
    wc_AesFree(&aes);
    if (!rc)
        return 0;
    rec[0] = type;
    rec[1] = 3;
    rec[2] = 3;
    put16(rec + 3, 8 + n + 16);
    memcpy(rec + 5, nonce + 4, 8);
    p->cseq++;
    return 5 + 8 + n + 16;
}

static int send_sealed(probe *p, uint8_t type, const uint8_t *b, size_t n)
{
    uint8_t rec[5 + 8 + 1024 + 16];
    if (n > 1024)
        return -1;
    size_t len = seal(p, type, b, n, rec);
    return len ? send_all(p, rec, len) : -1;
}

/* An encrypted alert from the server: its description, or -1. */
static int open_alert(probe *p, const uint8_t *b, size_t n)
{
    if (n != 8 + 2 + 16)
        return -1;
    uint8_t nonce[12], aad[13], out[2];
    memcpy(nonce, p->siv, 4);
    memcpy(nonce + 4, b, 8);
    seq_bytes(p->sseq, aad);
    aad[8] = 21;
    aad[9] = 3;
    aad[10] = 3;
    put16(aad + 11, 2);
    Aes aes;
    if (wc_AesInit(&aes, NULL, INVALID_DEVID) != 0)
        return -1;
    int ok = wc_AesGcmSetKey(&aes, p->skey, 16) == 0 &&
             wc_AesGcmDecrypt(&aes, out, b + 8, 2, nonce, 12, b + 10, 16, aad, 13) == 0;
    wc_AesFree(&aes);
    return ok ? out[1] : -1;
}

/* Takes the server's first flight: ServerHello .. ServerHelloDone. */
static int take_message(probe *p, const uint8_t *m, size_t n, tls_reneg_result *r)
{
    uint8_t type = m[0];
    const uint8_t *b = m + 4;
    size_t bl = n - 4;
    wc_Sha256Update(&p->transcript, m, (word32)n);
    if (type == 2) {
        if (bl < 38)
            return -1;
        memcpy(p->server_random, b + 2, 32);
        size_t at = 34 + 1 + b[34];
        if (at + 3 > bl)
            return -1;
        p->suite = (uint16_t)((b[at] << 8) | b[at + 1]);
        at += 3;
        if (at + 2 <= bl) {
            size_t end = at + 2 + (size_t)((b[at] << 8) | b[at + 1]);
            for (at += 2; at + 4 <= end && at + 4 <= bl; at += 4 + (size_t)((b[at + 2] << 8) | b[at + 3]))
                if (b[at] == 0xff && b[at + 1] == 0x01)
                    r->server_ri = 1;
        }
    } else if (type == 12) {
        /* curve_type 3, named_curve, public<1..255> */
        if (bl < 4 + 32 || b[0] != 3 || b[1] != 0 || b[2] != 0x1d || b[3] != 32)
            return -1;
        memcpy(p->server_pub, b + 4, 32);
        p->have_pub = 1;
    } else if (type == 13) {
        p->cert_requested = 1;
    } else if (type == 14) {
        p->done = 1;
    }
    return 0;
}

static void not_tried(tls_reneg_result *r, const char *why)
{
    r->kind = TLS_RENEG_NOT_TRIED;
    snprintf(r->why, sizeof r->why, "%s", why);
}

static int handshake(probe *p, const char *sni, WC_RNG *rng, tls_reneg_result *r)
{
    uint8_t ch[512], rec[16384 + 2048], type;
    size_t len;
    if (wc_RNG_GenerateBlock(rng, p->client_random, 32) != 0)
        return -1;
    size_t chl = client_hello(p, ch, p->client_random, sni, NULL);
    wc_Sha256Update(&p->transcript, ch, (word32)chl);
    if (send_plain(p, 22, ch, chl) != 0)
        return not_tried(r, "sending the ClientHello failed"), 1;
    while (!p->done) {
        int rc = read_record(p, &type, rec, sizeof rec, &len);
        if (rc != 0)
            return not_tried(r, rc == -2 ? "no answer to the ClientHello" : "the server closed after the ClientHello"), 1;
        if (type == 21) {
            r->alert_code = len >= 2 ? rec[1] : -1;
            return not_tried(r, p->rfc5746 ? "the server refused the ClientHello (X25519 with AES-128-GCM)"
                                            : "the server refused the ClientHello (X25519 with AES-128-GCM, no RFC 5746)"), 1;
        }
        if (type != 22 || p->hs_len + len > sizeof p->hs)
            return not_tried(r, "the server's first flight could not be read"), 1;
        memcpy(p->hs + p->hs_len, rec, len);
        p->hs_len += len;
        while (p->hs_at + 4 <= p->hs_len) {
            size_t ml = ((size_t)p->hs[p->hs_at + 1] << 16) | ((size_t)p->hs[p->hs_at + 2] << 8) | p->hs[p->hs_at + 3];
            if (p->hs_at + 4 + ml > p->hs_len)
                break;
            if (take_message(p, p->hs + p->hs_at, 4 + ml, r) != 0)
                return not_tried(r, "the server's key exchange is not X25519"), 1;
            p->hs_at += 4 + ml;
        }
    }
    if (!p->have_pub || (p->suite != 0xc02b && p->suite != 0xc02f))
        return not_tried(r, "the server chose no ECDHE AES-128-GCM suite"), 1;
    /* Client flight: [empty Certificate], ClientKeyExchange, CCS, Finished. */
    curve25519_key mine, peer;
    uint8_t pub[32], pms[32], flight[64], master[48], kb[40], hash[32], fin[16];
    word32 pl = sizeof pub, sl = sizeof pms;
    wc_curve25519_init(&mine);
    wc_curve25519_init(&peer);
    int ok = wc_curve25519_make_key(rng, 32, &mine) == 0 &&
             wc_curve25519_export_public_ex(&mine, pub, &pl, EC25519_LITTLE_ENDIAN) == 0 &&
             wc_curve25519_import_public_ex(p->server_pub, 32, &peer, EC25519_LITTLE_ENDIAN) == 0 &&
             wc_curve25519_shared_secret_ex(&mine, &peer, pms, &sl, EC25519_LITTLE_ENDIAN) == 0;
    wc_curve25519_free(&mine);
    wc_curve25519_free(&peer);
    if (!ok)
        return not_tried(r, "the X25519 exchange failed"), 1;
    size_t fl = 0;
    if (p->cert_requested) {
        static const uint8_t empty_cert[] = { 11, 0, 0, 3, 0, 0, 0 };
        memcpy(flight, empty_cert, sizeof empty_cert);
        fl = sizeof empty_cert;
    }
    flight[fl] = 16;
    flight[fl + 1] = 0;
    flight[fl + 2] = 0;
    flight[fl + 3] = 33;
    flight[fl + 4] = 32;
    memcpy(flight + fl + 5, pub, 32);
    fl += 37;
    wc_Sha256Update(&p->transcript, flight, (word32)fl);
    if (prf(pms, sl, "master secret", p->client_random, 32, p->server_random, 32, master, 48) != 0 ||
        prf(master, 48, "key expansion", p->server_random, 32, p->client_random, 32, kb, 40) != 0 ||
        wc_Sha256GetHash(&p->transcript, hash) != 0)
        return -1;
    memcpy(p->ckey, kb, 16);
    memcpy(p->skey, kb + 16, 16);
    memcpy(p->civ, kb + 32, 4);
    memcpy(p->siv, kb + 36, 4);
    fin[0] = 20;
    fin[1] = 0;
    fin[2] = 0;
    fin[3] = 12;
    if (prf(master, 48, "client finished", hash, 32, NULL, 0, fin + 4, 12) != 0)
        return -1;
    memcpy(p->verify_data, fin + 4, 12);
    static const uint8_t ccs[] = { 1 };
    if (send_plain(p, 22, flight, fl) != 0 || send_plain(p, 20, ccs, 1) != 0 || send_sealed(p, 22, fin, 16) != 0)
        return not_tried(r, "sending the client's flight failed"), 1;
    /* The server's ChangeCipherSpec and Finished (not checked: the answer
     * to the renegotiation is what is asked). */
    int seen_ccs = 0;
    for (;;) {
        int rc = read_record(p, &type, rec, sizeof rec, &len);
        if (rc != 0)
            return not_tried(r, rc == -2 ? "no answer to the client's Finished" : "the server closed before its Finished"), 1;
        if (type == 21) {
            r->alert_code = len >= 2 ? rec[1] : -1;
            return not_tried(r, "the server refused the handshake before its Finished"), 1;
        }
        if (type == 20) {
            seen_ccs = 1;
        } else if (type == 22 && !seen_ccs && len >= 10 && rec[0] == 4) {
            /* NewSessionTicket: lifetime<4>, ticket<2> (in clear, before
             * the server's ChangeCipherSpec) */
            size_t tl = ((size_t)rec[8] << 8) | rec[9];
            if (10 + tl <= len && tl <= sizeof p->ticket) {
                memcpy(p->ticket, rec + 10, tl);
                p->ticket_len = tl;
            }
        } else if (type == 22 && seen_ccs) {
            p->sseq = 1;
            return 0;
        }
    }
}

/* The answer to the second ClientHello: its first record. */
static void renegotiate(probe *p, const char *sni, const uint8_t random[32], tls_reneg_result *r)
{
    uint8_t ch[512], out[2 * (5 + 8 + 512 + 16)], rec[16384 + 2048], type;
    size_t len;
    size_t chl = client_hello(p, ch, random, sni, p->rfc5746 ? p->verify_data : NULL);
    /* A close_notify follows the ClientHello in the same write: a server
     * that refuses with a warning and reads on (OpenSSL) finds the end of
     * the connection waiting instead of stalling on an empty socket
     * (s_server -www sleeps a second on every read that would block). Its
     * answer to the ClientHello is written before it reads further. */
    static const uint8_t close_notify[] = { 1, 0 };
    size_t n = seal(p, 22, ch, chl, out);
    size_t m = n ? seal(p, 21, close_notify, 2, out + n) : 0;
    if (!n || !m || send_all(p, out, n + m) != 0) {
        r->kind = TLS_RENEG_REFUSED;
        snprintf(r->why, sizeof r->why, "the connection closed when the second ClientHello was sent");
        return;
    }
    int got = read_record(p, &type, rec, sizeof rec, &len);
    if (got == -2) {
        r->kind = TLS_RENEG_TIMEOUT;
        snprintf(r->why, sizeof r->why, "no answer to the second ClientHello");
    } else if (got != 0) {
        r->kind = TLS_RENEG_REFUSED;
        snprintf(r->why, sizeof r->why, "the server closed the connection");
    } else if (type == 22) {
        r->kind = TLS_RENEG_ACCEPTED;
        snprintf(r->why, sizeof r->why, "the server answered the second ClientHello with a handshake");
    } else if (type == 21) {
        r->kind = TLS_RENEG_REFUSED;
        r->alert_code = open_alert(p, rec, len);
        snprintf(r->why, sizeof r->why, "the server answered with an alert");
    } else {
        r->kind = TLS_RENEG_REFUSED;
        snprintf(r->why, sizeof r->why, "the server answered with a record of type %u", type);
    }
}

static probe *probe_new(int fd, int64_t deadline_ns, WC_RNG *rng, mp_err *e)
{
    probe *p = calloc(1, sizeof *p);
    if (!p) {
        mp_fail(e, "out of memory");
        return NULL;
    }
    p->fd = fd;
    p->deadline = deadline_ns;
    if (wc_InitRng(rng) != 0) {
        free(p);
        mp_fail(e, "no random numbers");
        return NULL;
    }
    wc_InitSha256(&p->transcript);
    return p;
}

static void probe_free(probe *p, WC_RNG *rng)
{
    wc_Sha256Free(&p->transcript);
    wc_FreeRng(rng);
    free(p);
}

int tls_reneg_probe(int fd, const char *sni, int rfc5746, int64_t deadline_ns, tls_reneg_result *r, mp_err *e)
{
    memset(r, 0, sizeof *r);
    r->alert_code = -1;
    WC_RNG rng;
    probe *p = probe_new(fd, deadline_ns, &rng, e);
    if (!p)
        return -1;
    p->rfc5746 = rfc5746;
    int rc = handshake(p, sni, &rng, r);
    if (rc == 0 && rfc5746 && !r->server_ri) {
        not_tried(r, "the server does not support secure renegotiation (no renegotiation_info in its ServerHello)");
    } else if (rc == 0) {
        uint8_t random[32];
        if (wc_RNG_GenerateBlock(&rng, random, 32) != 0)
            rc = -1;
        else
            renegotiate(p, sni, random, r);
    }
    probe_free(p, &rng);
    if (rc < 0)
        return mp_fail(e, "the renegotiation probe's cryptography failed");
    return 0;
}

int tls_ticket_fetch(int fd, const char *sni, int64_t deadline_ns, uint8_t *ticket, size_t cap, size_t *len,
                     char *why, size_t why_len, mp_err *e)
{
    *len = 0;
    tls_reneg_result r;
    memset(&r, 0, sizeof r);
    WC_RNG rng;
    probe *p = probe_new(fd, deadline_ns, &rng, e);
    if (!p)
        return -1;
    p->rfc5746 = 1;
    p->want_ticket = 1;
    int rc = handshake(p, sni, &rng, &r);
    if (rc == 0) {
        static const uint8_t close_notify[] = { 1, 0 };
        (void)send_sealed(p, 21, close_notify, 2);
        if (p->ticket_len == 0 || p->ticket_len > cap) {
            snprintf(why, why_len, "%s", p->ticket_len ? "the ticket is too long" : "no NewSessionTicket in the "
                     "server's last flight");
        } else {
            memcpy(ticket, p->ticket, p->ticket_len);
            *len = p->ticket_len;
            snprintf(why, why_len, "a %zu-byte ticket", p->ticket_len);
        }
    } else if (rc > 0) {
        snprintf(why, why_len, "%s", r.why);
    }
    probe_free(p, &rng);
    if (rc < 0)
        return mp_fail(e, "the ticket handshake's cryptography failed");
    return 0;
}
