/* The ROBOT oracle check (see robot.h). The one decision: only the
 * server's first answer to each variant is compared (the alert, or how the
 * connection ended), and the connection is then dropped; the Finished is
 * garbage in every variant, so a server that decrypts the correct premaster
 * secret must still refuse, and a server without an oracle refuses all
 * five the same way. A second look (whether the connection closes after
 * the alert) waits at most 100 ms, so a server that keeps it open costs
 * no more than that. */
#define _DEFAULT_SOURCE
#include "tls/robot.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include "net/net.h"
#include "pki/der.h"
#include "util/timeutil.h"

const char *tls_robot_variant_name(tls_robot_variant v)
{
    static const char *const names[] = { "correct", "bad prefix 41 17", "00 separator misplaced",
                                         "no 00 separator", "premaster version 02 02" };
    return v < TLS_ROBOT_VARIANTS ? names[v] : "?";
}

/* The k-byte encryption block of one variant (RFC 8017, 7.2.1, broken on
 * purpose where the variant says). */
static int encode(tls_robot_variant v, int version, uint8_t *m, size_t k, WC_RNG *rng)
{
    if (k < 64 || wc_RNG_GenerateBlock(rng, m, (word32)k) != 0)
        return -1;
    for (size_t i = 2; i < k; i++) /* padding must hold no zero */
        if (m[i] == 0)
            m[i] = 0x5a;
    m[0] = 0x00;
    m[1] = 0x02;
    size_t sep = k - 49; /* 00, then version(2) and random(46) */
    m[sep] = 0x00;
    m[sep + 1] = (uint8_t)(version >> 8);
    m[sep + 2] = (uint8_t)version;
    switch (v) {
    case TLS_ROBOT_BAD_PREFIX:
        m[0] = 0x41;
        m[1] = 0x17;
        break;
    case TLS_ROBOT_ZERO_MISPLACED:
        m[sep] = 0x11;
        m[k - 3] = 0x00;
        break;
    case TLS_ROBOT_NO_ZERO:
        m[sep] = 0x11;
        break;
    case TLS_ROBOT_BAD_VERSION:
        m[sep + 1] = 0x02;
        m[sep + 2] = 0x02;
        break;
    default:
        break;
    }
    return 0;
}

static int send_all(int fd, const uint8_t *p, size_t n, int64_t deadline_ns)
{
    size_t off = 0;
    while (off < n) {
        ssize_t k = send(fd, p + off, n - off, MSG_NOSIGNAL);
        if (k > 0)
            off += (size_t)k;
        else if (k < 0 && errno == EINTR)
            continue;
        else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && net_wait(fd, POLLOUT, deadline_ns) > 0)
            continue;
        else
            return -1;
    }
    return 0;
}

/* 1 read, 0 closed, -1 timeout. */
static int read_full(int fd, uint8_t *p, size_t n, int64_t deadline_ns)
{
    while (n) {
        ssize_t k = recv(fd, p, n, 0);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (net_wait(fd, POLLIN, deadline_ns) <= 0)
                return -1;
        } else {
            return 0;
        }
    }
    return 1;
}

/* The leaf's RSA key: its size in bytes, 0 if it is no RSA key. */
static size_t leaf_key(const tls_hello_result *h, RsaKey *key)
{
    der_cert_parts parts;
    if (h->n_certs < 1 || der_cert_split(h->certs + h->cert_off[0], h->cert_len[0], &parts) != 0)
        return 0;
    word32 idx = 0;
    if (wc_RsaPublicKeyDecode(parts.spki.p, &idx, key, (word32)parts.spki.len) != 0)
        return 0;
    int k = wc_RsaEncryptSize(key);
    return k > 0 ? (size_t)k : 0;
}

int tls_robot_probe(int fd, const tls_hello_opts *o, tls_robot_variant v, int64_t deadline_ns,
                    tls_robot_result *r, mp_err *e)
{
    memset(r, 0, sizeof *r);
    r->alert = -1;
    r->hello_alert = -1;
    if (v >= TLS_ROBOT_VARIANTS || o->ssl3 || o->version == TLS_V1_3 || o->after != TLS_HELLO_AFTER_NONE)
        return mp_fail(e, "ROBOT: a TLS 1.0-1.2 offer and a known variant");
    tls_hello_opts ho = *o;
    ho.read_flight = 1;
    tls_hello_result *h = malloc(sizeof *h);
    if (!h)
        return mp_fail(e, "out of memory");
    if (tls_hello_probe(fd, &ho, deadline_ns, h, e) != 0) {
        free(h);
        return -1;
    }
    r->hello = h->kind;
    r->hello_alert = h->alert_code;
    r->suite = h->suite;
    r->version = h->version;
    if (h->kind != TLS_HELLO_SERVER_HELLO || !h->flight_complete) {
        if (h->kind == TLS_HELLO_SERVER_HELLO)
            r->hello = TLS_HELLO_GARBAGE; /* no ServerHelloDone */
        free(h);
        return 0;
    }
    RsaKey key;
    WC_RNG rng;
    if (wc_InitRsaKey(&key, NULL) != 0) {
        free(h);
        return mp_fail(e, "ROBOT: no RSA key object");
    }
    if (wc_InitRng(&rng) != 0) {
        wc_FreeRsaKey(&key);
        free(h);
        return mp_fail(e, "ROBOT: no random numbers");
    }
    int rc = 0;
    size_t k = leaf_key(h, &key);
    uint8_t m[1024], c[1024];
    if (k && k <= sizeof m) {
        r->modulus_bits = (int)k * 8;
        word32 cl = sizeof c;
        int er = encode(v, h->version, m, k, &rng) != 0 ? -1
                 : wc_RsaDirect(m, (word32)k, c, &cl, &key, RSA_PUBLIC_ENCRYPT, &rng);
        if (er != (int)k) {
            rc = mp_fail(e, "ROBOT: the RSA encryption failed (%d)", er);
        } else {
            /* ClientKeyExchange, ChangeCipherSpec and a 64-byte Finished
             * record of garbage, in one write. */
            uint8_t out[5 + 4 + 2 + 1024 + 6 + 5 + 64];
            size_t n = 0, body = 2 + k;
            uint8_t vh = (uint8_t)(h->version >> 8), vl = (uint8_t)h->version;
            uint8_t hdr[] = { 22, vh, vl, (uint8_t)((body + 4) >> 8), (uint8_t)(body + 4),
                              16, 0, (uint8_t)(body >> 8), (uint8_t)body, (uint8_t)(k >> 8), (uint8_t)k };
            memcpy(out, hdr, sizeof hdr);
            n = sizeof hdr;
            memcpy(out + n, c, k);
            n += k;
            uint8_t ccs[] = { 20, vh, vl, 0, 1, 1, 22, vh, vl, 0, 64 };
            memcpy(out + n, ccs, sizeof ccs);
            n += sizeof ccs;
            memset(out + n, 0x42, 64);
            n += 64;
            r->answer = TLS_HELLO_CLOSED;
            if (send_all(fd, out, n, deadline_ns) == 0) {
                r->sent = 1;
                uint8_t rh[5], rb[2];
                int got = read_full(fd, rh, 5, deadline_ns);
                if (got < 0) {
                    r->answer = TLS_HELLO_TIMEOUT;
                } else if (got > 0 && rh[0] == 21 && read_full(fd, rb, 2, deadline_ns) > 0) {
                    r->answer = TLS_HELLO_ALERT;
                    r->alert = rb[1];
                    uint8_t more;
                    int64_t soon = tm_mono_ns() + 100 * 1000000LL;
                    r->closed_after = read_full(fd, &more, 1, soon < deadline_ns ? soon : deadline_ns) == 0;
                } else if (got > 0) {
                    r->answer = TLS_HELLO_GARBAGE;
                }
            }
        }
    }
    wc_FreeRng(&rng);
    wc_FreeRsaKey(&key);
    free(h);
    return rc;
}
