/* Reference gateway. One libevent loop; each connection is a small state
 * machine (handshake, read request, write response) driven by one event
 * that is re-armed for read or write as wolfSSL asks. */
#define _DEFAULT_SOURCE
#include "serve/gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/request.h"
#include "net/net.h"
#include "pki/inspect.h"
#include "tls/tls.h"
#include "util/str.h"
#include "util/timeutil.h"

#define MAX_REQUEST 16384

/* ST_DRAIN: a refusal (431) was sent while the client may still be sending;
 * the rest is read and dropped until it closes, so closing with unread data
 * does not reset the connection and destroy the answer before it is read. */
typedef enum { ST_HANDSHAKE, ST_READ, ST_WRITE, ST_DRAIN } conn_state;

#define MAX_DRAIN (4 << 20)

typedef struct gw gw;

typedef struct gw_conn {
    gw *g;
    struct gw_conn *prev, *next;
    tls_conn tls;
    struct event *ev;
    conn_state state;
    char peer[80];
    char subject[512];
    char req[MAX_REQUEST];
    size_t req_len;
    char resp[1024];
    size_t resp_len, resp_off;
    size_t drained;
    int status;
    int keep;              /* HTTP/1.1 keep-alive: read the next request after this one */
    size_t req_used;       /* bytes of req the current request takes */
    unsigned long requests; /* answered on this connection */
    int64_t start_ns;      /* of the connection, then of each further request */
} gw_conn;

struct gw {
    const srv_gateway_opts *o;
    struct event_base *base;
    tls_server server;
    gw_conn *conns;
    unsigned long served, refused;
    struct evconnlistener *listener;
    struct event *resume;  /* re-enables accepting after running out of descriptors */
    int fd_warned;
};

/* ---- policy ------------------------------------------------------------- */

static int policy_verify(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    if (!preverify)
        return 0;
    WOLFSSL_X509 *x = wolfSSL_X509_STORE_CTX_get_current_cert(store);
    int depth = wolfSSL_X509_STORE_CTX_get_error_depth(store);
    int len = 0;
    const unsigned char *der = x ? wolfSSL_X509_get_der(x, &len) : NULL;
    pki_cert_info info;
    if (!der || len <= 0 || pki_inspect(der, (size_t)len, &info) != 0)
        return 0;
    if ((info.sig_sha1 || info.sig_md5) && !info.self_issued)
        return 0; /* a SHA-1 or MD5 signature anywhere below the trust anchor */
    if (depth == 0) {
        if (info.has_key_usage && !info.ku_digital_signature)
            return 0; /* the key may not sign CertificateVerify */
        if (info.has_eku && !info.eku_client_auth && !info.eku_any)
            return 0;
    }
    return 1;
}

/* ---- connections -------------------------------------------------------- */

static void conn_log(gw_conn *c, const char *outcome)
{
    FILE *f = c->g->o->log;
    if (!f)
        return;
    char when[21];
    tm_format_iso(tm_now(), when);
    double ms = (double)(tm_mono_ns() - c->start_ns) / 1e6;
    fprintf(f, "%s %s %s %s %s \"%s\" %.1fms\n", when, c->peer,
            c->tls.out.version[0] ? c->tls.out.version : "-",
            c->tls.out.cipher[0] ? c->tls.out.cipher : "-", outcome,
            c->subject, ms);
    fflush(f);
}

static void conn_free(gw_conn *c, int rst)
{
    gw *g = c->g;
    if (c->prev)
        c->prev->next = c->next;
    else
        g->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->ev)
        event_free(c->ev);
    tls_conn_close(&c->tls, rst);
    free(c);
}

static void conn_cb(evutil_socket_t fd, short what, void *arg);

static void arm(gw_conn *c, short what)
{
    int64_t left_ms = c->g->o->timeout_ms - (tm_mono_ns() - c->start_ns) / 1000000;
    if (left_ms < 1)
        left_ms = 1;
    struct timeval tv = { (time_t)(left_ms / 1000), (suseconds_t)((left_ms % 1000) * 1000) };
    event_del(c->ev);
    event_assign(c->ev, c->g->base, c->tls.fd, what, conn_cb, c);
    event_add(c->ev, &tv);
}

static void fail(gw_conn *c, const char *stage)
{
    char d[300], line[400];
    tls_outcome_describe(&c->tls.out, d, sizeof d);
    snprintf(line, sizeof line, "%s: %s", stage, d);
    c->g->refused++;
    conn_log(c, line);
    conn_free(c, 0);
}

static void make_response(gw_conn *c, int status, const char *reason)
{
    char body[700];
    int bl = status == 200 ? snprintf(body, sizeof body, "verified client: %s\n", c->subject)
                           : snprintf(body, sizeof body, "%s\n", reason);
    if (status != 200)
        c->keep = 0;
    c->status = status;
    c->resp_len = (size_t)snprintf(c->resp, sizeof c->resp,
                                   "HTTP/1.1 %d %s\r\nServer: mtlsprobe-serve\r\n"
                                   "Content-Type: text/plain\r\nContent-Length: %d\r\n"
                                   "Connection: %s\r\n\r\n%s", status, reason, bl,
                                   c->keep ? "keep-alive" : "close", body);
    if (c->resp_len >= sizeof c->resp)
        c->resp_len = sizeof c->resp - 1;
    c->resp_off = 0;
}

/* Whether the connection stays open for another request, decided by the
 * project's request reader (http-parser): only an HTTP/1.1 request that HTTP
 * lets keep its connection (no "Connection: close") and that ends with its
 * head. A request with a body is answered and closed as before, since its
 * body bytes would otherwise be read as the next request. */
static int keep_after(const char *head, size_t len)
{
    http_request_reader rd;
    http_request_reader_init(&rd, 0);
    size_t used = 0;
    int keep = http_request_reader_feed(&rd, head, len, &used) == 1 && used == len &&
               rd.req.keep_alive && rd.req.http_minor == 1;
    http_request_reader_free(&rd);
    return keep;
}

static void step(gw_conn *c)
{
    for (;;) {
        if (c->state == ST_HANDSHAKE) {
            tls_step s = tls_conn_accept_step(&c->tls);
            if (s == TLS_STEP_WANT_READ) { arm(c, EV_READ); return; }
            if (s == TLS_STEP_WANT_WRITE) { arm(c, EV_WRITE); return; }
            if (s == TLS_STEP_FAILED) { fail(c, "refused"); return; }
            tls_conn_peer_subject(&c->tls, c->subject, sizeof c->subject);
            c->state = ST_READ;
        } else if (c->state == ST_READ) {
            char *end = c->req_len ? strstr(c->req, "\r\n\r\n") : NULL;
            if (end) {
                c->req_used = (size_t)(end + 4 - c->req);
                c->keep = keep_after(c->req, c->req_used);
                make_response(c, 200, "OK");
                c->state = ST_WRITE;
                continue;
            }
            if (c->req_len == sizeof c->req - 1) { /* answered, then closed */
                make_response(c, 431, "Request Header Fields Too Large");
                c->state = ST_WRITE;
                continue;
            }
            int n = tls_conn_read_nb(&c->tls, c->req + c->req_len, sizeof c->req - 1 - c->req_len);
            if (n == TLS_IO_WANT_READ) { arm(c, EV_READ); return; }
            if (n == TLS_IO_WANT_WRITE) { arm(c, EV_WRITE); return; }
            if (n == TLS_IO_FAILED) { fail(c, "failed after handshake"); return; }
            if (n == 0) {
                if (!c->requests || c->req_len)
                    conn_log(c, "closed before a request");
                conn_free(c, 0); /* or a kept-alive client is done */
                return;
            }
            c->req_len += (size_t)n;
            c->req[c->req_len] = '\0';
        } else if (c->state == ST_DRAIN) {
            char sink[16384];
            ssize_t n = recv(c->tls.fd, sink, sizeof sink, 0);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                arm(c, EV_READ);
                return;
            }
            if (n > 0 && (c->drained += (size_t)n) < MAX_DRAIN)
                continue;
            conn_free(c, 0);
            return;
        } else {
            int n = tls_conn_write_nb(&c->tls, c->resp + c->resp_off, c->resp_len - c->resp_off);
            if (n == TLS_IO_WANT_READ) { arm(c, EV_READ); return; }
            if (n == TLS_IO_WANT_WRITE) { arm(c, EV_WRITE); return; }
            if (n <= 0) { fail(c, "failed writing"); return; }
            c->resp_off += (size_t)n;
            if (c->resp_off == c->resp_len) {
                if (c->status == 200)
                    c->g->served++;
                else
                    c->g->refused++;
                conn_log(c, c->status == 200 ? "200" : "431 request too large");
                if (c->status == 200 && c->keep) {
                    /* the next request, possibly already here (pipelined) */
                    memmove(c->req, c->req + c->req_used, c->req_len - c->req_used);
                    c->req_len -= c->req_used;
                    c->req[c->req_len] = '\0';
                    c->requests++;
                    c->status = 0;
                    c->start_ns = tm_mono_ns();
                    c->state = ST_READ;
                    continue;
                }
                if (c->status == 200) {
                    conn_free(c, 0);
                    return;
                }
                wolfSSL_shutdown(c->tls.ssl); /* close_notify, then our FIN */
                shutdown(c->tls.fd, SHUT_WR);
                c->state = ST_DRAIN;
            }
        }
    }
}

static void conn_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    gw_conn *c = arg;
    if ((what & EV_TIMEOUT) && c->state == ST_DRAIN) {
        conn_free(c, 1); /* already answered and logged */
        return;
    }
    if ((what & EV_TIMEOUT) && c->state == ST_READ && c->requests && !c->req_len) {
        conn_free(c, 0); /* an idle kept-alive connection: closed, not refused */
        return;
    }
    if (what & EV_TIMEOUT) {
        c->tls.out.result = TLS_R_TIMEOUT;
        conn_log(c, c->state == ST_HANDSHAKE ? "timeout in handshake" : "timeout waiting for the request");
        c->g->refused++;
        conn_free(c, 1);
        return;
    }
    step(c);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    (void)l;
    (void)salen;
    gw *g = arg;
    gw_conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->g = g;
    c->start_ns = tm_mono_ns();
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in *)sa)->sin_port);
        snprintf(c->peer, sizeof c->peer, "%s:%d", ip, port);
    } else {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in6 *)sa)->sin6_port);
        snprintf(c->peer, sizeof c->peer, "[%s]:%d", ip, port);
    }
    evutil_make_socket_nonblocking(fd);
    mp_err e;
    if (tls_conn_init_server(&c->tls, &g->server, fd, &e) != 0) {
        free(c);
        return;
    }
    c->ev = event_new(g->base, fd, EV_READ, conn_cb, c);
    if (!c->ev) {
        tls_conn_close(&c->tls, 1);
        free(c);
        return;
    }
    c->next = g->conns;
    if (g->conns)
        g->conns->prev = c;
    g->conns = c;
    step(c);
}

/* accept() failed. Out of descriptors, the listening socket stays readable,
 * so accepting again at once would spin: pause accepting for 100 ms while
 * the connection timeouts free descriptors, and say so once. */
static void accept_error_cb(struct evconnlistener *l, void *arg)
{
    gw *g = arg;
    int err = EVUTIL_SOCKET_ERROR();
    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
        return;
    if (g->o->log && !g->fd_warned) {
        fprintf(g->o->log, "mtlsprobe serve: out of file descriptors (%s); pausing accepts\n",
                strerror(err));
        fflush(g->o->log);
    }
    g->fd_warned = 1;
    evconnlistener_disable(l);
    struct timeval tv = { 0, 100000 };
    event_add(g->resume, &tv);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gw *g = arg;
    evconnlistener_enable(g->listener);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    gw *g = arg;
    if (g->o->log)
        fprintf(g->o->log, "mtlsprobe serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    event_base_loopexit(g->base, NULL);
}

int srv_gateway_run(const srv_gateway_opts *o, mp_err *e)
{
    gw g;
    memset(&g, 0, sizeof g);
    g.o = o;
    const pki_manifest *m = o->fixtures;
    const pki_manifest_entry *srv = pki_manifest_find(m, o->server_fixture);
    if (!srv || !srv->chain)
        return mp_fail(e, "fixture '%s' is not a server certificate in %s", o->server_fixture, m->dir);
    const char *crls[256];
    size_t n_crls = 0;
    for (size_t i = 0; i < m->n && n_crls < 256; i++)
        if (m->entries[i].crl)
            crls[n_crls++] = m->entries[i].crl;
    tls_server_opts so = {
        .chain_file = srv->chain, .key_file = srv->key, .ca_file = m->trust_bundle,
        .crl_files = crls, .n_crl_files = n_crls, .require_client_cert = 1,
        .verify_cb = policy_verify,
    };
    if (tls_server_init(&g.server, &so, e) != 0)
        return -1;

    char host[256];
    int port;
    net_addr addr;
    if (net_hostport_parse(o->listen, host, sizeof host, &port, e) != 0 ||
        net_resolve(host, port, &addr, e) != 0) {
        tls_server_free(&g.server);
        return mp_wrap(e, "--listen");
    }
    g.base = event_base_new();
    if (!g.base) {
        tls_server_free(&g.server);
        return mp_fail(e, "cannot create an event loop");
    }
    struct evconnlistener *l = evconnlistener_new_bind(
        g.base, accept_cb, &g, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        512, (struct sockaddr *)&addr.ss, (int)addr.len);
    if (!l) {
        int err = errno;
        event_base_free(g.base);
        tls_server_free(&g.server);
        return mp_fail(e, "cannot listen on %s: %s", addr.text, strerror(err));
    }
    g.listener = l;
    g.resume = evtimer_new(g.base, resume_cb, &g);
    evconnlistener_set_error_cb(l, accept_error_cb);
    struct event *sigint = evsignal_new(g.base, SIGINT, signal_cb, &g);
    struct event *sigterm = evsignal_new(g.base, SIGTERM, signal_cb, &g);
    event_add(sigint, NULL);
    event_add(sigterm, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (o->log) {
        fprintf(o->log, "mtlsprobe serve: listening on https://%s (%s, trust %s, %zu CRLs)\n",
                addr.text, o->server_fixture, m->trust_bundle, n_crls);
        fflush(o->log);
    }
    event_base_dispatch(g.base);
    while (g.conns)
        conn_free(g.conns, 1);
    if (o->log) {
        fprintf(o->log, "mtlsprobe serve: stopped after %lu served, %lu refused\n", g.served, g.refused);
        fflush(o->log);
    }
    event_free(sigint);
    event_free(sigterm);
    event_free(g.resume);
    evconnlistener_free(l);
    event_base_free(g.base);
    tls_server_free(&g.server);
    return 0;
}
