/* The helpers' HTTP/1.1 server. Each connection is a state machine
 * (handshake, read, delay, write) driven by one event re-armed for read,
 * write or a timer, like the reference gateway; plain TCP and TLS differ
 * only in the two I/O calls, so one engine serves the OCSP responder, the
 * CRL server and the echo upstreams. Keep-alive is supported because
 * gateways pool their upstream connections. */
#define _DEFAULT_SOURCE
#include "serve/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <event2/listener.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wolfssl/wolfcrypt/sha256.h>

#include "net/net.h"
#include "pki/der.h"
#include "util/timeutil.h"

#define IN_BUF 16384

typedef enum { ST_HANDSHAKE, ST_READ, ST_DELAY, ST_WRITE } conn_state;

typedef struct hconn {
    srv_http *h;
    struct hconn *prev, *next;
    int fd;
    tls_conn tls;
    int is_tls;
    struct event *ev;
    conn_state state;
    char peer[80];
    char version[16], sni[256], subject[512], issuer[512], sha256[65];
    char in[IN_BUF];
    size_t in_len;
    http_request_reader rd;
    int have_reader;
    char *out;
    size_t out_len, out_off;
    int close_after;
    unsigned long requests;
    int64_t idle_since_ns;
} hconn;

struct srv_http {
    const srv_http_opts *o;
    struct event_base *base;
    struct evconnlistener *l;
    net_addr addr;
    hconn *conns;
};

void srv_http_reply_text(srv_http_reply *r, int status, const char *content_type, const char *text,
                         size_t len)
{
    r->status = status;
    r->content_type = content_type;
    free(r->body);
    r->body = malloc(len + 1);
    r->body_len = r->body ? len : 0;
    if (r->body) {
        memcpy(r->body, text, len);
        r->body[len] = '\0';
    }
}

static void conn_free(hconn *c, int rst)
{
    srv_http *h = c->h;
    if (c->prev)
        c->prev->next = c->next;
    else
        h->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->ev)
        event_free(c->ev);
    if (c->is_tls)
        tls_conn_close(&c->tls, rst);
    else if (rst)
        net_close_rst(c->fd);
    else
        close(c->fd);
    if (c->have_reader)
        http_request_reader_free(&c->rd);
    free(c->out);
    free(c);
}

static void conn_cb(evutil_socket_t fd, short what, void *arg);

static void arm(hconn *c, short what, int64_t ms)
{
    struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };
    event_del(c->ev);
    event_assign(c->ev, c->h->base, c->fd, what, conn_cb, c);
    event_add(c->ev, &tv);
}

static void arm_io(hconn *c, short what)
{
    arm(c, what, c->h->o->timeout_ms);
}

/* Reads what is there: bytes, 0 closed, or a TLS_IO_* code. */
static int io_read(hconn *c, char *buf, size_t len)
{
    if (c->is_tls)
        return tls_conn_read_nb(&c->tls, buf, len);
    ssize_t n = recv(c->fd, buf, len, 0);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? TLS_IO_WANT_READ : TLS_IO_FAILED;
    return (int)n;
}

static int io_write(hconn *c, const char *buf, size_t len)
{
    if (c->is_tls)
        return tls_conn_write_nb(&c->tls, buf, len);
    ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? TLS_IO_WANT_WRITE : TLS_IO_FAILED;
    return (int)n;
}

static void note_peer_cert(hconn *c)
{
    tls_outcome *o = &c->tls.out;
    snprintf(c->version, sizeof c->version, "%s", o->version);
    void *name = NULL;
    word16 n = wolfSSL_SNI_GetRequest(c->tls.ssl, WOLFSSL_SNI_HOST_NAME, &name);
    if (name && n > 0)
        snprintf(c->sni, sizeof c->sni, "%.*s", (int)n, (const char *)name);
    WOLFSSL_X509 *x = wolfSSL_get_peer_certificate(c->tls.ssl);
    if (!x)
        return;
    int len = 0;
    const unsigned char *der = wolfSSL_X509_get_der(x, &len);
    der_cert_parts parts;
    if (der && len > 0 && der_cert_split(der, (size_t)len, &parts) == 0) {
        der_name_string(parts.subject, c->subject, sizeof c->subject);
        der_name_string(parts.issuer, c->issuer, sizeof c->issuer);
        uint8_t fp[WC_SHA256_DIGEST_SIZE];
        wc_Sha256Hash(der, (word32)len, fp);
        der_hex(fp, sizeof fp, 0, c->sha256, sizeof c->sha256);
    }
    wolfSSL_X509_free(x);
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    default: return "Status";
    }
}

static int build_reply(hconn *c, const srv_http_reply *r)
{
    size_t cap = r->body_len + 256;
    free(c->out);
    c->out = malloc(cap);
    if (!c->out)
        return -1;
    int n = snprintf(c->out, cap,
                     "HTTP/1.1 %d %s\r\nServer: mtlsprobe-serve\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nCache-Control: no-store\r\n%s\r\n",
                     r->status, reason(r->status), r->content_type ? r->content_type : "text/plain",
                     r->body_len, c->close_after ? "Connection: close\r\n" : "");
    if (n < 0 || (size_t)n + r->body_len > cap)
        return -1;
    if (r->body_len)
        memcpy(c->out + n, r->body, r->body_len);
    c->out_len = (size_t)n + r->body_len;
    c->out_off = 0;
    return 0;
}

static void log_request(hconn *c, const http_request *q, int status)
{
    FILE *f = c->h->o->log;
    if (!f)
        return;
    char when[21];
    tm_format_iso(tm_now(), when);
    fprintf(f, "%s %s %s %s %.200s %d%s%s\n", when, c->h->o->name, c->peer, q->method,
            q->target ? q->target : "-", status, c->subject[0] ? " client " : "", c->subject);
    fflush(f);
}

/* A complete request: ask the handler, then delay or write. */
static void dispatch(hconn *c)
{
    srv_http *h = c->h;
    const http_request *q = &c->rd.req;
    c->requests++;
    srv_http_info info = { c->peer, c->is_tls, c->version, c->sni, c->subject, c->issuer,
                           c->sha256, c->requests };
    srv_http_reply r = { 0 };
    h->o->handle(h->o->arg, &info, q, &r);
    c->close_after = r.close || !q->keep_alive;
    log_request(c, q, r.status);
    int rc = build_reply(c, &r);
    int64_t delay = r.delay_ms;
    free(r.body);
    http_request_reader_free(&c->rd);
    c->have_reader = 0;
    if (rc != 0) {
        conn_free(c, 1);
        return;
    }
    if (delay > 0) {
        c->state = ST_DELAY;
        arm(c, EV_TIMEOUT, delay);
        return;
    }
    c->state = ST_WRITE;
}

static void step(hconn *c)
{
    for (;;) {
        if (c->state == ST_HANDSHAKE) {
            tls_step s = tls_conn_accept_step(&c->tls);
            if (s == TLS_STEP_WANT_READ) { arm_io(c, EV_READ); return; }
            if (s == TLS_STEP_WANT_WRITE) { arm_io(c, EV_WRITE); return; }
            if (s == TLS_STEP_FAILED) {
                if (c->h->o->log) {
                    char d[300];
                    tls_outcome_describe(&c->tls.out, d, sizeof d);
                    fprintf(c->h->o->log, "%s %s handshake refused: %s\n", c->h->o->name, c->peer, d);
                    fflush(c->h->o->log);
                }
                conn_free(c, 0);
                return;
            }
            note_peer_cert(c);
            c->state = ST_READ;
        } else if (c->state == ST_READ) {
            if (!c->have_reader) {
                http_request_reader_init(&c->rd, c->h->o->max_body);
                c->have_reader = 1;
            }
            if (c->in_len > 0) {
                size_t used = 0;
                int st = http_request_reader_feed(&c->rd, c->in, c->in_len, &used);
                memmove(c->in, c->in + used, c->in_len - used);
                c->in_len -= used;
                if (st < 0) {
                    conn_free(c, 0);
                    return;
                }
                if (st == 1) {
                    dispatch(c);
                    if (c->state == ST_DELAY)
                        return;
                    continue;
                }
            }
            int n = io_read(c, c->in + c->in_len, sizeof c->in - c->in_len);
            if (n == TLS_IO_WANT_READ) { arm_io(c, EV_READ); return; }
            if (n == TLS_IO_WANT_WRITE) { arm_io(c, EV_WRITE); return; }
            if (n <= 0) {
                conn_free(c, 0);
                return;
            }
            c->in_len += (size_t)n;
        } else if (c->state == ST_DELAY) {
            c->state = ST_WRITE;
        } else {
            int n = io_write(c, c->out + c->out_off, c->out_len - c->out_off);
            if (n == TLS_IO_WANT_READ) { arm_io(c, EV_READ); return; }
            if (n == TLS_IO_WANT_WRITE) { arm_io(c, EV_WRITE); return; }
            if (n <= 0) {
                conn_free(c, 1);
                return;
            }
            c->out_off += (size_t)n;
            if (c->out_off == c->out_len) {
                if (c->close_after) {
                    conn_free(c, 0);
                    return;
                }
                c->state = ST_READ;
            }
        }
    }
}

static void conn_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    hconn *c = arg;
    if ((what & EV_TIMEOUT) && c->state != ST_DELAY) {
        conn_free(c, 1);
        return;
    }
    step(c);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    (void)l;
    srv_http *h = arg;
    if (h->o->refuse) {
        net_close_rst(fd);
        return;
    }
    hconn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->h = h;
    c->fd = fd;
    char host[INET6_ADDRSTRLEN + 2] = "?";
    if (getnameinfo(sa, (socklen_t)salen, host, sizeof host, NULL, 0, NI_NUMERICHOST) == 0)
        snprintf(c->peer, sizeof c->peer, "%s:%d", host,
                 sa->sa_family == AF_INET ? ntohs(((struct sockaddr_in *)sa)->sin_port)
                                          : ntohs(((struct sockaddr_in6 *)sa)->sin6_port));
    evutil_make_socket_nonblocking(fd);
    if (h->o->tls) {
        mp_err e;
        if (tls_conn_init_server(&c->tls, h->o->tls, fd, &e) != 0) {
            free(c);
            close(fd);
            return;
        }
        c->is_tls = 1;
        c->state = ST_HANDSHAKE;
    } else {
        c->state = ST_READ;
    }
    c->ev = event_new(h->base, fd, EV_READ, conn_cb, c);
    if (!c->ev) {
        if (c->is_tls)
            tls_conn_close(&c->tls, 1);
        else
            close(fd);
        free(c);
        return;
    }
    c->next = h->conns;
    if (h->conns)
        h->conns->prev = c;
    h->conns = c;
    step(c);
}

int srv_http_start(struct event_base *base, const srv_http_opts *o, srv_http **out, mp_err *e)
{
    srv_http *h = calloc(1, sizeof *h);
    if (!h)
        return mp_fail(e, "out of memory");
    h->o = o;
    h->base = base;
    char host[256];
    int port;
    if (net_hostport_parse(o->listen, host, sizeof host, &port, e) != 0 ||
        net_resolve(host, port, &h->addr, e) != 0) {
        free(h);
        return mp_wrap(e, "%s", o->name);
    }
    h->l = evconnlistener_new_bind(base, accept_cb, h,
                                   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
                                   128, (struct sockaddr *)&h->addr.ss, (int)h->addr.len);
    if (!h->l) {
        int err = errno;
        free(h);
        return mp_fail(e, "%s: cannot listen on %s: %s", o->name, o->listen, strerror(err));
    }
    *out = h;
    return 0;
}

const char *srv_http_address(const srv_http *h)
{
    return h->addr.text;
}

void srv_http_free(srv_http *h)
{
    if (!h)
        return;
    while (h->conns)
        conn_free(h->conns, 1);
    evconnlistener_free(h->l);
    free(h);
}
