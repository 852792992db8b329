/* wolfSSL connections: socket I/O, reads and writes, and the one place
 * where a handshake's outcome is classified. Socket I/O goes through our
 * own callbacks, so a reset, a clean close and a timeout are known exactly
 * instead of being inferred from error codes. Client contexts are in
 * client.c, server contexts in server.c, sessions in session.c. */
#define _DEFAULT_SOURCE
#include "tls/tls_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"
#include "util/timeutil.h"

const char *tls_result_name(tls_result r)
{
    static const char *const n[] = { "none", "ok", "alert received", "alert sent",
                                     "verify failed", "timeout", "reset", "closed", "error" };
    return (r >= 0 && r <= TLS_R_ERROR) ? n[r] : "?";
}

/* ---- I/O callbacks ------------------------------------------------------ */

/* wolfSSL asks for a record header, then its body: two recv calls per
 * record, a dozen per handshake. Reading ahead into a small buffer serves a
 * whole flight from one or two. Every caller waits for readability only
 * after a read returned "want read", which this buffer returns only when it
 * is empty, so buffered bytes are never stranded behind an idle socket. */
#define TLS_READ_AHEAD 2048

static int recv_result(tls_conn *c, ssize_t n)
{
    if (n > 0)
        return (int)n;
    if (n == 0) {
        c->io_closed = 1;
        return WOLFSSL_CBIO_ERR_CONN_CLOSE;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return WOLFSSL_CBIO_ERR_WANT_READ;
    if (errno == ECONNRESET) {
        c->io_reset = 1;
        return WOLFSSL_CBIO_ERR_CONN_RST;
    }
    c->io_errno = errno;
    return WOLFSSL_CBIO_ERR_GENERAL;
}

static ssize_t recv_retry(int fd, void *buf, size_t len)
{
    ssize_t n;
    do
        n = recv(fd, buf, len, 0);
    while (n < 0 && errno == EINTR);
    return n;
}

/* One recv of up to len bytes; with edge reads, none at all until the
 * socket was reported readable, and a short read means it is drained. */
static int gated_recv(tls_conn *c, void *buf, size_t len)
{
    if (c->edge_reads && !c->readable)
        return WOLFSSL_CBIO_ERR_WANT_READ;
    int n = recv_result(c, recv_retry(c->fd, buf, len));
    if (n == WOLFSSL_CBIO_ERR_WANT_READ || (n > 0 && (size_t)n < len))
        c->readable = 0;
    if (n > 0 && !c->rx_seen) {
        /* A plaintext server answers a ClientHello with an HTTP error page
         * or a banner; a TLS record starts with a byte below 0x20. Keep its
         * first line to say so, rather than "record overflow". */
        c->rx_seen = 1;
        const unsigned char *p = buf;
        size_t l = 0;
        while (l < (size_t)n && l + 1 < sizeof c->plaintext && p[l] >= 0x20 && p[l] < 0x7f)
            l++;
        if (l >= 4) {
            memcpy(c->plaintext, p, l);
            c->plaintext[l] = '\0';
        }
    }
    return n;
}

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    tls_conn *c = ctx;
    size_t want = (size_t)sz;
    if (c->rpos < c->rlen) {
        size_t n = c->rlen - c->rpos < want ? c->rlen - c->rpos : want;
        memcpy(buf, c->rbuf + c->rpos, n);
        c->rpos += (unsigned)n;
        return (int)n;
    }
    if (want >= TLS_READ_AHEAD || (!c->rbuf && !(c->rbuf = malloc(TLS_READ_AHEAD))))
        return gated_recv(c, buf, want);
    int n = gated_recv(c, c->rbuf, TLS_READ_AHEAD);
    if (n <= 0)
        return n;
    c->rlen = (unsigned)n;
    c->rpos = (unsigned)(want < (size_t)n ? want : (size_t)n);
    memcpy(buf, c->rbuf, c->rpos);
    return (int)c->rpos;
}

void tls_conn_edge_reads(tls_conn *c)
{
    c->edge_reads = 1;
}

void tls_conn_readable(tls_conn *c)
{
    c->readable = 1;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    tls_conn *c = ctx;
    for (;;) {
        ssize_t n = send(c->fd, buf, (size_t)sz, MSG_NOSIGNAL);
        if (n >= 0)
            return (int)n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return WOLFSSL_CBIO_ERR_WANT_WRITE;
        if (errno == ECONNRESET || errno == EPIPE) {
            c->io_reset = 1;
            /* A socket error would put wolfSSL in an error state that
             * refuses every later read (see tls_conn_write). */
            return c->io_writing ? WOLFSSL_CBIO_ERR_WANT_WRITE : WOLFSSL_CBIO_ERR_CONN_RST;
        }
        c->io_errno = errno;
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
}

/* Our sockets are non-blocking and every caller waits in its event loop.
 * wolfSSL's OpenSSL-compatible defaults turn on auto-retry, which calls
 * recv ten more times on each "would block" during a handshake: ten wasted
 * system calls per flight. */
void tls_use_own_io(WOLFSSL_CTX *ctx)
{
    wolfSSL_CTX_SetIORecv(ctx, io_recv);
    wolfSSL_CTX_SetIOSend(ctx, io_send);
    wolfSSL_CTX_clear_mode(ctx, WOLFSSL_MODE_AUTO_RETRY);
}

/* ---- contexts, for client.c and server.c -------------------------------- */

void tls_free_ctx(WOLFSSL_CTX **ctx)
{
    if (*ctx)
        wolfSSL_CTX_free(*ctx);
    *ctx = NULL;
}

/* Loads a certificate chain and its key, from files or from memory. A key
 * that does not match its certificate is loaded as it is: fixtures such as
 * client/key-mismatch exist to send exactly that; callers check the match. */
int tls_use_identity(WOLFSSL_CTX *ctx, const char *chain_file, const char *key_file,
                     const uint8_t *chain_pem, size_t chain_pem_len, const uint8_t *key_der,
                     size_t key_der_len, const char *role, mp_err *e)
{
    if (chain_pem) {
        if (wolfSSL_CTX_use_certificate_chain_buffer(ctx, chain_pem, (long)chain_pem_len) != WOLFSSL_SUCCESS)
            return mp_fail(e, "cannot load %s certificate chain %s", role,
                           chain_file ? chain_file : "(in memory)");
        if (!key_der || wolfSSL_CTX_use_PrivateKey_buffer(ctx, key_der, (long)key_der_len,
                                                          WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS)
            return mp_fail(e, "cannot load %s private key %s", role,
                           key_file ? key_file : chain_file ? chain_file : "(in memory)");
        return 0;
    }
    if (!chain_file || wolfSSL_CTX_use_certificate_chain_file(ctx, chain_file) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot load %s certificate chain %s", role, chain_file ? chain_file : "(none)");
    if (!key_file || wolfSSL_CTX_use_PrivateKey_file(ctx, key_file, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
        return mp_fail(e, "cannot load %s private key %s", role, key_file ? key_file : "(none)");
    return 0;
}

/* ---- connections -------------------------------------------------------- */

/* The part of a connection that clients and servers share. */
int tls_conn_setup(tls_conn *c, WOLFSSL_CTX *ctx, int fd, mp_err *e)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->out.alert_code = -1;
    c->ssl = wolfSSL_new(ctx);
    if (!c->ssl) {
        close(fd);
        c->fd = -1;
        return mp_fail(e, "cannot create a TLS connection (out of memory)");
    }
    wolfSSL_SetIOReadCtx(c->ssl, c);
    wolfSSL_SetIOWriteCtx(c->ssl, c);
    c->started_ns = tm_mono_ns();
    return 0;
}

static void fill_success(tls_conn *c)
{
    tls_outcome *o = &c->out;
    const char *s;
    o->result = TLS_R_OK;
    o->handshake_ns = tm_mono_ns() - c->started_ns;
    snprintf(o->version, sizeof o->version, "%s", wolfSSL_get_version(c->ssl));
    s = wolfSSL_get_cipher_name(c->ssl);
    snprintf(o->cipher, sizeof o->cipher, "%s", s ? s : "");
    s = wolfSSL_get_curve_name(c->ssl);
    snprintf(o->group, sizeof o->group, "%s", s ? s : "");
    o->resumed = wolfSSL_session_reused(c->ssl);
    char *proto = NULL;
    word16 plen = 0;
    if (wolfSSL_ALPN_GetProtocol(c->ssl, &proto, &plen) == WOLFSSL_SUCCESS && proto)
        snprintf(o->alpn, sizeof o->alpn, "%.*s", (int)plen, proto);
}

/* Classifies a failed wolfSSL call: the peer's alert first (it says why),
 * then our own alert, then what the socket saw. */
void tls_classify_failure(tls_conn *c, int err)
{
    tls_outcome *o = &c->out;
    if (o->result == TLS_R_OK)
        o->after_handshake = 1;
    WOLFSSL_ALERT_HISTORY h;
    memset(&h, 0, sizeof h);
    wolfSSL_get_alert_history(c->ssl, &h);
    o->wolf_error = err;
    char buf[WOLFSSL_MAX_ERROR_SZ];
    wolfSSL_ERR_error_string_n((unsigned long)err, buf, sizeof buf);
    snprintf(o->error_text, sizeof o->error_text, "%s", buf);
    if (h.last_rx.level == alert_fatal || err == FATAL_ERROR) {
        o->result = TLS_R_ALERT_RECEIVED;
        o->alert_code = h.last_rx.code;
        o->alert_sent = 0;
    } else if (c->io_reset) {
        o->result = TLS_R_RESET;
    } else if (c->io_closed || err == SOCKET_PEER_CLOSED_E) {
        o->result = TLS_R_CLOSED;
    } else if (h.last_tx.code >= 0 && h.last_tx.code != close_notify) {
        /* We refused: most often the peer's certificate did not verify. */
        int verify = (h.last_tx.code >= bad_certificate && h.last_tx.code <= unknown_ca) ||
                     err == ASN_NO_SIGNER_E || err == DOMAIN_NAME_MISMATCH ||
                     err == ASN_AFTER_DATE_E || err == ASN_BEFORE_DATE_E ||
                     err == VERIFY_CERT_ERROR;
        o->result = verify ? TLS_R_VERIFY_FAILED : TLS_R_ALERT_SENT;
        o->peer_is_client = wolfSSL_is_server(c->ssl) == 1;
        o->alert_code = h.last_tx.code;
        o->alert_sent = 1;
    } else if (c->io_errno) {
        o->result = TLS_R_ERROR;
        snprintf(o->error_text, sizeof o->error_text, "socket error: %s", mp_strerror(c->io_errno).s);
    } else {
        o->result = TLS_R_ERROR;
    }
    if (c->plaintext[0] && !o->after_handshake) {
        int http = strncmp(c->plaintext, "HTTP/", 5) == 0 || c->plaintext[0] == '<';
        o->result = TLS_R_ERROR;
        o->not_tls = http ? 2 : 1;
        o->alert_code = -1;
        snprintf(o->error_text, sizeof o->error_text, "the port speaks %s, not TLS (it answered the "
                 "ClientHello with \"%.50s\")", http ? "plain HTTP" : "plaintext", c->plaintext);
    }
    if (!o->version[0]) {
        const char *v = wolfSSL_get_version(c->ssl);
        snprintf(o->version, sizeof o->version, "%s", v ? v : "");
    }
    if (!o->handshake_ns)
        o->handshake_ns = tm_mono_ns() - c->started_ns;
}

/* What one wolfSSL_connect or wolfSSL_accept call returned, as a step. */
tls_step tls_step_result(tls_conn *c, int rc)
{
    if (rc == WOLFSSL_SUCCESS) {
        fill_success(c);
        return TLS_STEP_DONE;
    }
    int err = wolfSSL_get_error(c->ssl, rc);
    if (err == WOLFSSL_ERROR_WANT_READ)
        return TLS_STEP_WANT_READ;
    if (err == WOLFSSL_ERROR_WANT_WRITE)
        return TLS_STEP_WANT_WRITE;
    tls_classify_failure(c, err);
    return TLS_STEP_FAILED;
}

static void set_timeout(tls_conn *c, const char *what)
{
    if (c->out.result == TLS_R_OK)
        c->out.after_handshake = 1;
    c->out.result = TLS_R_TIMEOUT;
    snprintf(c->out.error_text, sizeof c->out.error_text, "timed out %s", what);
    if (!c->out.handshake_ns)
        c->out.handshake_ns = tm_mono_ns() - c->started_ns;
}

tls_result tls_conn_handshake(tls_conn *c, int64_t deadline_ns)
{
    for (;;) {
        tls_step s = tls_conn_handshake_step(c);
        if (s == TLS_STEP_DONE || s == TLS_STEP_FAILED)
            return c->out.result;
        int r = net_wait(c->fd, s == TLS_STEP_WANT_READ ? POLLIN : POLLOUT, deadline_ns);
        if (r <= 0) {
            set_timeout(c, "during the handshake");
            return c->out.result;
        }
    }
}

/* The peer reset the connection while we wrote. What it sent before the
 * reset is still in our socket's receive queue (a reset discards only what
 * we had yet to send), and wolfSSL can still read it because the reset was
 * reported as "would block": a TLS 1.3 server that refuses the client's
 * certificate sends its alert, then resets, often before our request
 * leaves. Peeking processes an alert without consuming data that came
 * instead. Returns 0 when the peer sent data, -1 with c->out filled. */
static int read_after_reset(tls_conn *c)
{
    unsigned char b;
    int n = wolfSSL_peek(c->ssl, &b, 1);
    if (n > 0)
        return 0;
    tls_classify_failure(c, wolfSSL_get_error(c->ssl, n));
    return -1;
}

int tls_conn_write(tls_conn *c, const void *buf, size_t len, int64_t deadline_ns)
{
    const char *p = buf;
    while (len > 0) {
        c->io_writing = 1;
        int n = wolfSSL_write(c->ssl, p, (int)(len > 65536 ? 65536 : len));
        c->io_writing = 0;
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        int err = wolfSSL_get_error(c->ssl, n);
        if (c->io_reset)
            return read_after_reset(c);
        if (err == WOLFSSL_ERROR_WANT_WRITE || err == WOLFSSL_ERROR_WANT_READ) {
            if (net_wait(c->fd, err == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline_ns) <= 0) {
                set_timeout(c, "writing");
                return -1;
            }
            continue;
        }
        tls_classify_failure(c, err);
        return -1;
    }
    return 0;
}

ssize_t tls_conn_read(tls_conn *c, void *buf, size_t len, int64_t deadline_ns)
{
    for (;;) {
        int n = wolfSSL_read(c->ssl, buf, (int)(len > 65536 ? 65536 : len));
        if (n > 0)
            return n;
        int err = wolfSSL_get_error(c->ssl, n);
        if (err == WOLFSSL_ERROR_ZERO_RETURN)
            return 0;
        if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
            if (net_wait(c->fd, err == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline_ns) <= 0) {
                set_timeout(c, "waiting for the response");
                return -1;
            }
            continue;
        }
        if (c->io_closed && err != FATAL_ERROR) {
            /* A FIN without close_notify: the peer is done, as HTTP/1.1
             * servers often are after "Connection: close". */
            return 0;
        }
        tls_classify_failure(c, err);
        return -1;
    }
}

static int nb_result(tls_conn *c, int n)
{
    if (n > 0)
        return n;
    int err = wolfSSL_get_error(c->ssl, n);
    if (err == WOLFSSL_ERROR_ZERO_RETURN)
        return 0;
    if (err == WOLFSSL_ERROR_WANT_READ)
        return TLS_IO_WANT_READ;
    if (err == WOLFSSL_ERROR_WANT_WRITE)
        return TLS_IO_WANT_WRITE;
    if (c->io_closed && err != FATAL_ERROR)
        return 0;
    tls_classify_failure(c, err);
    return TLS_IO_FAILED;
}

int tls_conn_read_nb(tls_conn *c, void *buf, size_t len)
{
    return nb_result(c, wolfSSL_read(c->ssl, buf, (int)(len > 65536 ? 65536 : len)));
}

int tls_conn_write_nb(tls_conn *c, const void *buf, size_t len)
{
    return nb_result(c, wolfSSL_write(c->ssl, buf, (int)(len > 65536 ? 65536 : len)));
}

int tls_conn_peer_chain(tls_conn *c, const uint8_t **der, size_t *len, int max)
{
    WOLFSSL_X509_CHAIN *ch = c->ssl ? wolfSSL_get_peer_chain(c->ssl) : NULL;
    int n = ch ? wolfSSL_get_chain_count(ch) : 0, got = 0;
    for (int i = 0; i < n && got < max; i++) {
        int l = wolfSSL_get_chain_length(ch, i);
        unsigned char *d = wolfSSL_get_chain_cert(ch, i);
        if (!d || l <= 0)
            continue;
        der[got] = d;
        len[got] = (size_t)l;
        got++;
    }
    return got;
}

void tls_conn_shutdown_write(tls_conn *c)
{
    if (c->ssl && c->out.result == TLS_R_OK)
        wolfSSL_shutdown(c->ssl); /* one non-blocking close_notify */
    if (c->fd >= 0)
        shutdown(c->fd, SHUT_WR);
}

void tls_conn_close_keep(tls_conn *c, int rst)
{
    if (c->ssl && !rst && c->out.result == TLS_R_OK)
        wolfSSL_shutdown(c->ssl); /* one non-blocking close_notify */
    if (c->fd >= 0) {
        if (rst)
            net_close_rst(c->fd);
        else
            close(c->fd);
        c->fd = -1;
    }
}

void tls_conn_close(tls_conn *c, int rst)
{
    tls_conn_close_keep(c, rst);
    if (c->ssl) {
        wolfSSL_free(c->ssl);
        c->ssl = NULL;
    }
    free(c->rbuf);
    c->rbuf = NULL;
    c->rpos = c->rlen = 0;
}

_Static_assert(TLS_ERROR_TEXT_MAX >= WOLFSSL_MAX_ERROR_SZ, "wolfSSL error texts are longer");

void tls_error_text(int err, char *out, size_t outlen)
{
    wolfSSL_ERR_error_string_n((unsigned long)err, out, outlen);
}

void tls_outcome_describe(const tls_outcome *o, char *out, size_t outlen)
{
    switch (o->result) {
    case TLS_R_OK:
        snprintf(out, outlen, "handshake completed (%s, %s)", o->version, o->cipher);
        break;
    case TLS_R_ALERT_RECEIVED:
        snprintf(out, outlen, "alert %s (%d) received", tls_alert_name(o->alert_code), o->alert_code);
        break;
    case TLS_R_ALERT_SENT:
        snprintf(out, outlen, "alert %s (%d) sent: %s", tls_alert_name(o->alert_code),
                 o->alert_code, o->error_text);
        break;
    case TLS_R_VERIFY_FAILED:
        snprintf(out, outlen, "%s certificate not verified: %s", o->peer_is_client ? "client" : "server",
                 o->error_text);
        break;
    case TLS_R_TIMEOUT:
        snprintf(out, outlen, "%s", o->error_text[0] ? o->error_text : "timeout");
        break;
    case TLS_R_RESET:
        snprintf(out, outlen, "connection reset");
        break;
    case TLS_R_CLOSED:
        snprintf(out, outlen, "connection closed without an alert");
        break;
    case TLS_R_ERROR:
        snprintf(out, outlen, "%s%s", o->not_tls ? "" : "TLS error: ", o->error_text);
        break;
    default:
        snprintf(out, outlen, "not connected");
        break;
    }
}
