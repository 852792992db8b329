/* faultpeer: a TLS peer that misbehaves on purpose, for the fault-injection
 * tests. As a server it listens on a loopback port and treats every client
 * with one fault (run and load are pointed at it); as a client it connects
 * to a server (serve) and commits the same kind of fault from the other
 * side. Faults that need a real handshake use the project's own src/tls;
 * the others are written byte by byte, so the peer can lie in ways no TLS
 * library would. Each server connection gets its own thread and its own TLS
 * context: a test peer values simplicity over scale.
 *
 *   faultpeer server MODE PORT [FIXTURES]
 *   faultpeer client MODE PORT [FIXTURES] [COUNT]
 *
 * Run without arguments for the list of modes. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include "net/net.h"
#include "pki/manifest.h"
#include "tls/tls.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define HOLD_MS 60000 /* how long a silent peer keeps a connection open */

typedef struct fp_config {
    const char *mode;
    int port;
    pki_manifest fx;
    int have_fx;
} fp_config;

static const char *const server_modes[] = {
    "silent", "close-after-hello", "reset-mid-handshake", "garbage", "alert", "huge-chain",
    "drip", "no-http", "bad-status", "huge-header", "lying-chunked", "reset-at-certificate", NULL,
};
static const char *const client_modes[] = {
    "silent", "garbage-hello", "close-after-hello", "reset-mid-handshake", "alert", "drip",
    "huge-header", "lying-chunked", "no-request", NULL,
};

/* ---- plain socket helpers ------------------------------------------------ */

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads exactly len bytes within ms; -1 on close, error or timeout. */
static int read_exact(int fd, void *buf, size_t len, int ms)
{
    char *p = buf;
    int64_t deadline = tm_mono_ns() + (int64_t)ms * 1000000;
    while (len > 0) {
        int left = (int)((deadline - tm_mono_ns()) / 1000000);
        struct pollfd pfd = { fd, POLLIN, 0 };
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            return -1;
        ssize_t r = recv(fd, p, len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

/* Reads one TLS record (the ClientHello, from a client); returns its
 * payload length and copies up to cap bytes of it, or -1. */
static int read_record(int fd, unsigned char *out, size_t cap)
{
    unsigned char hdr[5];
    if (read_exact(fd, hdr, 5, 10000) != 0)
        return -1;
    size_t len = (size_t)hdr[3] << 8 | hdr[4];
    unsigned char *body = malloc(len ? len : 1);
    if (!body || read_exact(fd, body, len, 10000) != 0) {
        free(body);
        return -1;
    }
    memcpy(out, body, len < cap ? len : cap);
    free(body);
    return (int)len;
}

/* Waits until the peer closes or HOLD_MS pass, discarding what it sends. */
static void hold(int fd)
{
    char buf[4096];
    int64_t deadline = tm_mono_ns() + (int64_t)HOLD_MS * 1000000;
    for (;;) {
        int left = (int)((deadline - tm_mono_ns()) / 1000000);
        struct pollfd pfd = { fd, POLLIN, 0 };
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            return;
        if (recv(fd, buf, sizeof buf, 0) <= 0)
            return;
    }
}

static void close_rst(int fd)
{
    struct linger lg = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* Sends data one byte a second until done or the peer goes away. */
static void drip(int fd, const unsigned char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (write_all(fd, data + i, 1) != 0)
            return;
        struct pollfd pfd = { fd, POLLIN, 0 };
        if (poll(&pfd, 1, 1000) > 0) {
            char b[512];
            if (recv(fd, b, sizeof b, MSG_DONTWAIT) == 0)
                return; /* the peer gave up */
        }
    }
}

static void fill_garbage(unsigned char *buf, size_t len)
{
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
    if (len)
        buf[0] = 0x47; /* 'G': not a TLS record type */
}

/* ---- records written by hand --------------------------------------------- */

static const unsigned char fatal_alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40 };

static void put24(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v >> 16);
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)v;
}

/* The first TLS 1.2 cipher suite the ClientHello offers, for a ServerHello
 * the client will take. */
static unsigned offered_suite(const unsigned char *ch, size_t len)
{
    /* handshake header 4, version 2, random 32, session id */
    size_t off = 4 + 2 + 32;
    if (len < off + 1)
        return 0xC02B;
    off += 1 + ch[off];
    if (len < off + 2)
        return 0xC02B;
    size_t n = (size_t)ch[off] << 8 | ch[off + 1];
    off += 2;
    for (size_t i = 0; i + 1 < n && off + i + 1 < len; i += 2) {
        unsigned s = (unsigned)ch[off + i] << 8 | ch[off + i + 1];
        if ((s >> 8) != 0x13 && s != 0x00FF && (s & 0x0F0F) != 0x0A0A)
            return s;
    }
    return 0xC02B;
}

/* A TLS 1.2 ServerHello, then a Certificate message of `copies` copies of
 * the server certificate: megabytes, sent as 16 KiB records. */
static void send_huge_chain(int fd, const unsigned char *ch, size_t ch_len, const uint8_t *der,
                            size_t der_len, size_t copies)
{
    unsigned suite = offered_suite(ch, ch_len);
    unsigned char sh[4 + 2 + 32 + 1 + 2 + 1];
    size_t o = 0;
    sh[o++] = 2;
    put24(sh + o, sizeof sh - 4);
    o += 3;
    sh[o++] = 3;
    sh[o++] = 3;
    fill_garbage(sh + o, 32);
    o += 32;
    sh[o++] = 0; /* no session id */
    sh[o++] = (unsigned char)(suite >> 8);
    sh[o++] = (unsigned char)suite;
    sh[o++] = 0; /* no compression, no extensions */
    size_t list = copies * (3 + der_len);
    size_t msg_len = 4 + 3 + list;
    unsigned char *msg = malloc(sizeof sh + msg_len);
    if (!msg)
        return;
    memcpy(msg, sh, sizeof sh);
    unsigned char *m = msg + sizeof sh;
    m[0] = 11;
    put24(m + 1, 3 + list);
    put24(m + 4, list);
    unsigned char *p = m + 7;
    for (size_t i = 0; i < copies; i++) {
        put24(p, der_len);
        memcpy(p + 3, der, der_len);
        p += 3 + der_len;
    }
    size_t total = sizeof sh + msg_len;
    for (size_t off = 0; off < total; off += 16384) {
        size_t n = total - off < 16384 ? total - off : 16384;
        unsigned char hdr[5] = { 0x16, 3, 3, (unsigned char)(n >> 8), (unsigned char)n };
        if (write_all(fd, hdr, 5) != 0 || write_all(fd, msg + off, n) != 0)
            break;
    }
    free(msg);
}

/* The DER of the first certificate in a PEM file. */
static int first_cert_der(const char *pem_file, uint8_t **der, size_t *len)
{
    char *pem;
    size_t pem_len;
    mp_err e;
    if (fs_read_file(pem_file, &pem, &pem_len, &e) != 0)
        return -1;
    *der = malloc(pem_len);
    int n = *der ? wc_CertPemToDer((const unsigned char *)pem, (int)pem_len, *der, (int)pem_len,
                                   CERT_TYPE)
                 : -1;
    free(pem);
    if (n <= 0) {
        free(*der);
        return -1;
    }
    *len = (size_t)n;
    return 0;
}

/* ---- server side: real TLS, then HTTP faults ----------------------------- */

static int tls_wait(tls_conn *c, int step, int64_t deadline)
{
    if (step != TLS_STEP_WANT_READ && step != TLS_STEP_WANT_WRITE)
        return -1;
    int left = (int)((deadline - tm_mono_ns()) / 1000000);
    struct pollfd pfd = { c->fd, step == TLS_STEP_WANT_READ ? POLLIN : POLLOUT, 0 };
    return left > 0 && poll(&pfd, 1, left) > 0 ? 0 : -1;
}

/* Completes a server handshake and reads the request head. */
static int serve_tls(const fp_config *cfg, int fd, tls_server *srv, tls_conn *c)
{
    const pki_manifest_entry *s = pki_manifest_find(&cfg->fx, "server/valid");
    tls_server_opts so = { .chain_file = s->chain, .key_file = s->key,
                           .ca_file = cfg->fx.trust_bundle };
    mp_err e;
    if (tls_server_init(srv, &so, &e) != 0) {
        fprintf(stderr, "faultpeer: %s\n", e.msg);
        close(fd);
        return -1;
    }
    if (tls_conn_init_server(c, srv, fd, &e) != 0) {
        tls_server_free(srv);
        return -1;
    }
    int64_t deadline = tm_mono_ns() + 10000000000LL;
    tls_step st;
    while ((st = tls_conn_accept_step(c)) != TLS_STEP_DONE)
        if (tls_wait(c, st, deadline) != 0)
            return -1;
    char req[16384];
    size_t got = 0;
    while (got < sizeof req - 1) {
        int n = tls_conn_read_nb(c, req + got, sizeof req - 1 - got);
        if (n == TLS_IO_WANT_READ || n == TLS_IO_WANT_WRITE) {
            if (tls_wait(c, n == TLS_IO_WANT_READ ? TLS_STEP_WANT_READ : TLS_STEP_WANT_WRITE,
                         deadline) != 0)
                return -1;
            continue;
        }
        if (n <= 0)
            return -1;
        got += (size_t)n;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n"))
            return 0;
    }
    return 0;
}

static void tls_send(tls_conn *c, const char *data, size_t len)
{
    int64_t deadline = tm_mono_ns() + 10000000000LL;
    size_t off = 0;
    while (off < len) {
        int n = tls_conn_write_nb(c, data + off, len - off);
        if (n == TLS_IO_WANT_READ || n == TLS_IO_WANT_WRITE) {
            if (tls_wait(c, n == TLS_IO_WANT_READ ? TLS_STEP_WANT_READ : TLS_STEP_WANT_WRITE,
                         deadline) != 0)
                return;
            continue;
        }
        if (n <= 0)
            return;
        off += (size_t)n;
    }
}

/* reset-at-certificate's sender: a plaintext alert record (TLS 1.2, before
 * the server's Finished) is not sent; the connection is reset instead. */
static int send_no_alert(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    tls_conn *c = ctx;
    if (sz > 0 && buf[0] == 21)
        return WOLFSSL_CBIO_ERR_CONN_RST; /* the caller resets */
    ssize_t n = send(c->fd, buf, (size_t)sz, MSG_NOSIGNAL);
    if (n >= 0)
        return (int)n;
    return errno == EAGAIN ? WOLFSSL_CBIO_ERR_WANT_WRITE : WOLFSSL_CBIO_ERR_CONN_RST;
}

/* A real handshake that asks for a client certificate (ServerHello ...
 * CertificateRequest), refuses every certificate, and in TLS 1.2 resets the
 * connection instead of sending its alert, as some gateways and middleboxes
 * do. In TLS 1.3 the refusal (an encrypted alert) goes out as usual. */
static int refuse_every_cert(int preverify, const uint8_t *der, size_t der_len, int depth)
{
    (void)preverify;
    (void)der;
    (void)der_len;
    (void)depth;
    return 0;
}

static void reset_at_certificate(const fp_config *cfg, int fd)
{
    const pki_manifest_entry *s = pki_manifest_find(&cfg->fx, "server/valid");
    tls_server_opts so = { .chain_file = s->chain, .key_file = s->key,
                           .ca_file = cfg->fx.trust_bundle, .require_client_cert = 1,
                           .verify_cb = refuse_every_cert };
    tls_server srv;
    tls_conn c;
    mp_err e;
    if (tls_server_init(&srv, &so, &e) != 0) {
        fprintf(stderr, "faultpeer: %s\n", e.msg);
        close(fd);
        return;
    }
    if (tls_conn_init_server(&c, &srv, fd, &e) != 0) {
        tls_server_free(&srv);
        return;
    }
    wolfSSL_SSLSetIOSend(c.ssl, send_no_alert);
    int64_t deadline = tm_mono_ns() + 10000000000LL;
    tls_step st;
    while ((st = tls_conn_accept_step(&c)) != TLS_STEP_DONE)
        if (tls_wait(&c, st, deadline) != 0)
            break;
    if (st == TLS_STEP_DONE)
        hold(c.fd); /* TLS 1.3: the client's side is done; the alert went out */
    tls_conn_close(&c, 1);
    tls_server_free(&srv);
}

static void http_fault(const fp_config *cfg, int fd)
{
    tls_server srv;
    tls_conn c;
    memset(&c, 0, sizeof c);
    if (serve_tls(cfg, fd, &srv, &c) == 0) {
        if (strcmp(cfg->mode, "no-http") == 0) {
            hold(c.fd);
        } else if (strcmp(cfg->mode, "bad-status") == 0) {
            static const char r[] = "HTTP/1.1 OK\r\nContent-Length: 0\r\n\r\n";
            tls_send(&c, r, sizeof r - 1);
        } else if (strcmp(cfg->mode, "huge-header") == 0) {
            size_t n = 1 << 20;
            char *r = malloc(n + 64);
            if (r) {
                int h = snprintf(r, 64, "HTTP/1.1 200 OK\r\nX-Huge: ");
                memset(r + h, 'a', n);
                memcpy(r + h + n, "\r\nContent-Length: 0\r\n\r\n", 23);
                tls_send(&c, r, (size_t)h + n + 23);
                free(r);
            }
        } else { /* lying-chunked: promises 1 MiB, sends 3 bytes, closes */
            static const char r[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\nabc";
            tls_send(&c, r, sizeof r - 1);
        }
    }
    if (c.ssl) {
        tls_conn_close(&c, 0);
        tls_server_free(&srv);
    }
}

typedef struct conn_job {
    const fp_config *cfg;
    int fd;
} conn_job;

static void *server_conn(void *arg)
{
    conn_job *j = arg;
    const fp_config *cfg = j->cfg;
    int fd = j->fd;
    free(j);
    const char *m = cfg->mode;
    unsigned char ch[16384];
    if (strcmp(m, "silent") == 0) {
        hold(fd);
        close(fd);
        return NULL;
    }
    if (strcmp(m, "reset-at-certificate") == 0) {
        reset_at_certificate(cfg, fd);
        return NULL;
    }
    if (strcmp(m, "no-http") == 0 || strcmp(m, "bad-status") == 0 ||
        strcmp(m, "huge-header") == 0 || strcmp(m, "lying-chunked") == 0) {
        http_fault(cfg, fd);
        return NULL;
    }
    int ch_len = read_record(fd, ch, sizeof ch);
    if (ch_len < 0) {
        close(fd);
        return NULL;
    }
    if (strcmp(m, "close-after-hello") == 0) {
        close(fd);
    } else if (strcmp(m, "reset-mid-handshake") == 0) {
        /* the start of a ServerHello record, then a reset */
        static const unsigned char part[] = { 0x16, 3, 3, 0, 90, 2, 0, 0, 86, 3, 3 };
        write_all(fd, part, sizeof part);
        usleep(50000);
        close_rst(fd);
    } else if (strcmp(m, "garbage") == 0) {
        unsigned char g[4096];
        fill_garbage(g, sizeof g);
        write_all(fd, g, sizeof g);
        hold(fd);
        close(fd);
    } else if (strcmp(m, "alert") == 0) {
        write_all(fd, fatal_alert, sizeof fatal_alert);
        close(fd);
    } else if (strcmp(m, "drip") == 0) {
        static const unsigned char sh[] = { 0x16, 3, 3, 0, 90, 2, 0, 0, 86, 3, 3, 1, 2, 3, 4,
                                            5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18 };
        drip(fd, sh, sizeof sh);
        close(fd);
    } else if (strcmp(m, "huge-chain") == 0) {
        const pki_manifest_entry *s = pki_manifest_find(&cfg->fx, "server/valid");
        uint8_t *der;
        size_t der_len;
        if (s && first_cert_der(s->cert, &der, &der_len) == 0) {
            send_huge_chain(fd, ch, (size_t)ch_len, der, der_len, (8u << 20) / (der_len + 3));
            free(der);
        }
        hold(fd);
        close(fd);
    }
    return NULL;
}

static int run_server(const fp_config *cfg)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 512) != 0) {
        fprintf(stderr, "faultpeer: cannot listen on 127.0.0.1:%d: %s\n", cfg->port, strerror(errno));
        return 2;
    }
    printf("faultpeer: %s on 127.0.0.1:%d\n", cfg->mode, cfg->port);
    fflush(stdout);
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            usleep(10000); /* out of descriptors: let connections finish */
            continue;
        }
        conn_job *j = malloc(sizeof *j);
        pthread_t t;
        if (!j) {
            close(fd);
            continue;
        }
        j->cfg = cfg;
        j->fd = fd;
        if (pthread_create(&t, NULL, server_conn, j) != 0) {
            free(j);
            close(fd);
            continue;
        }
        pthread_detach(t);
    }
}

/* ---- client side, against serve ------------------------------------------- */

/* A ClientHello as our TLS code would send it, captured without a socket. */
typedef struct capture {
    unsigned char buf[16384];
    size_t len;
} capture;

static int cap_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    capture *c = ctx;
    size_t n = (size_t)sz < sizeof c->buf - c->len ? (size_t)sz : sizeof c->buf - c->len;
    memcpy(c->buf + c->len, buf, n);
    c->len += n;
    return sz;
}

static int cap_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    (void)buf;
    (void)sz;
    (void)ctx;
    return WOLFSSL_CBIO_ERR_WANT_READ;
}

static int client_hello(capture *cap)
{
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
    if (!ctx)
        return -1;
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
    WOLFSSL *ssl = wolfSSL_new(ctx);
    if (!ssl) {
        wolfSSL_CTX_free(ctx);
        return -1;
    }
    cap->len = 0;
    wolfSSL_SSLSetIORecv(ssl, cap_recv);
    wolfSSL_SSLSetIOSend(ssl, cap_send);
    wolfSSL_SetIOReadCtx(ssl, cap);
    wolfSSL_SetIOWriteCtx(ssl, cap);
    wolfSSL_connect(ssl);
    wolfSSL_free(ssl);
    wolfSSL_CTX_free(ctx);
    return cap->len ? 0 : -1;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* A real mTLS handshake with client/valid, then a faulty request. */
static int client_tls_fault(const fp_config *cfg)
{
    const pki_manifest_entry *v = pki_manifest_find(&cfg->fx, "client/valid");
    tls_client_opts o = { .ca_file = cfg->fx.trust_bundle, .verify_peer = 0,
                          .chain_file = v->chain, .key_file = v->key };
    tls_client cl;
    mp_err e;
    if (tls_client_init(&cl, &o, &e) != 0)
        return -1;
    net_addr addr;
    int fd, rc = -1;
    if (net_resolve("127.0.0.1", cfg->port, &addr, &e) != 0 ||
        net_connect(&addr, tm_mono_ns() + 5000000000LL, &fd, &e) != NET_OK) {
        tls_client_free(&cl);
        return -1;
    }
    tls_conn c;
    tls_conn_opts co = { 0 };
    if (tls_conn_init(&c, &cl, fd, &co, &e) == 0 &&
        tls_conn_handshake(&c, tm_mono_ns() + 5000000000LL) == TLS_R_OK) {
        int64_t deadline = tm_mono_ns() + 15000000000LL;
        if (strcmp(cfg->mode, "no-request") == 0) {
            char b[256];
            (void)tls_conn_read(&c, b, sizeof b, deadline); /* until serve gives up */
            rc = 0;
        } else if (strcmp(cfg->mode, "huge-header") == 0) {
            size_t n = 1 << 20;
            char *r = malloc(n + 64);
            if (r) {
                int h = snprintf(r, 64, "GET / HTTP/1.1\r\nHost: x\r\nX-Huge: ");
                memset(r + h, 'a', n);
                memcpy(r + h + n, "\r\n\r\n", 4);
                (void)tls_conn_write(&c, r, (size_t)h + n + 4, deadline); /* serve cuts it short */
                free(r);
                rc = 0;
            }
        } else { /* lying-chunked: promises 1 MiB, sends 3 bytes */
            static const char r[] = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    "100000\r\nabc";
            rc = tls_conn_write(&c, r, sizeof r - 1, deadline) == 0 ? 0 : -1;
            char b[256];
            (void)tls_conn_read(&c, b, sizeof b, deadline);
        }
    }
    tls_conn_close(&c, 0);
    tls_client_free(&cl);
    return rc;
}

static int client_once(const fp_config *cfg)
{
    const char *m = cfg->mode;
    if (strcmp(m, "huge-header") == 0 || strcmp(m, "lying-chunked") == 0 ||
        strcmp(m, "no-request") == 0)
        return client_tls_fault(cfg);
    int fd = connect_to(cfg->port);
    if (fd < 0)
        return -1;
    capture *cap = malloc(sizeof *cap);
    if (!cap || client_hello(cap) != 0) {
        free(cap);
        close(fd);
        return -1;
    }
    if (strcmp(m, "silent") == 0) {
        hold(fd);
        close(fd);
    } else if (strcmp(m, "garbage-hello") == 0) {
        unsigned char g[4096];
        fill_garbage(g, sizeof g);
        write_all(fd, g, sizeof g);
        hold(fd);
        close(fd);
    } else if (strcmp(m, "close-after-hello") == 0) {
        write_all(fd, cap->buf, cap->len);
        close(fd);
    } else if (strcmp(m, "reset-mid-handshake") == 0) {
        write_all(fd, cap->buf, cap->len);
        unsigned char b[512];
        (void)read_exact(fd, b, 1, 5000); /* the server's flight has started */
        close_rst(fd);
    } else if (strcmp(m, "alert") == 0) {
        write_all(fd, cap->buf, cap->len);
        write_all(fd, fatal_alert, sizeof fatal_alert);
        hold(fd);
        close(fd);
    } else if (strcmp(m, "drip") == 0) {
        drip(fd, cap->buf, cap->len);
        close(fd);
    }
    free(cap);
    return 0;
}

static int known(const char *const *modes, const char *m)
{
    for (; *modes; modes++)
        if (strcmp(*modes, m) == 0)
            return 1;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: faultpeer server MODE PORT [FIXTURES]\n"
                    "       faultpeer client MODE PORT [FIXTURES] [COUNT]\nserver modes:");
    for (const char *const *m = server_modes; *m; m++)
        fprintf(stderr, " %s", *m);
    fprintf(stderr, "\nclient modes:");
    for (const char *const *m = client_modes; *m; m++)
        fprintf(stderr, " %s", *m);
    fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        usage();
        return 2;
    }
    int server = strcmp(argv[1], "server") == 0;
    fp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.mode = argv[2];
    cfg.port = atoi(argv[3]);
    if ((!server && strcmp(argv[1], "client") != 0) ||
        !known(server ? server_modes : client_modes, cfg.mode) || cfg.port <= 0) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    wolfSSL_Init();
    if (argc > 4) {
        mp_err e;
        if (pki_manifest_load(&cfg.fx, argv[4], &e) != 0) {
            fprintf(stderr, "faultpeer: %s\n", e.msg);
            return 2;
        }
        cfg.have_fx = 1;
    }
    int needs_fx = server ? (strcmp(cfg.mode, "no-http") == 0 || strcmp(cfg.mode, "bad-status") == 0 ||
                             strcmp(cfg.mode, "huge-header") == 0 ||
                             strcmp(cfg.mode, "lying-chunked") == 0 ||
                             strcmp(cfg.mode, "huge-chain") == 0 ||
                             strcmp(cfg.mode, "reset-at-certificate") == 0)
                          : (strcmp(cfg.mode, "huge-header") == 0 ||
                             strcmp(cfg.mode, "lying-chunked") == 0 ||
                             strcmp(cfg.mode, "no-request") == 0);
    if (needs_fx && !cfg.have_fx) {
        fprintf(stderr, "faultpeer: mode %s needs a fixtures directory\n", cfg.mode);
        return 2;
    }
    int rc;
    if (server) {
        rc = run_server(&cfg);
    } else {
        int count = argc > 5 ? atoi(argv[5]) : 1;
        rc = 0;
        for (int i = 0; i < count; i++)
            if (client_once(&cfg) != 0)
                rc = 1;
    }
    if (cfg.have_fx)
        pki_manifest_free(&cfg.fx);
    wolfSSL_Cleanup();
    return rc;
}
