/* The HTTP/1.1 engine of every server `mtlsprobe serve` runs. Each
 * connection is a state machine (handshake, read, delay, write, drain)
 * driven by one event re-armed for read, write or a timer; plain TCP and TLS
 * differ only in the two I/O calls. The decision to know: a connection that
 * is closed while the client may still be sending (a refused or oversized
 * request, an unread body, pipelined bytes) is first drained, since closing
 * with unread data resets the connection and destroys the answer before the
 * client reads it. */
#define _DEFAULT_SOURCE
#include "serve/httpd.h"

#include <errno.h>
#include <event2/listener.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"
#include "util/timeutil.h"

#define IN_BUF 16384
#define MAX_HEAD 16384         /* longer request heads are answered 431 */
#define MAX_DRAIN (4 << 20)    /* dropped after a closing answer, at most */
#define BACKLOG 512

/* ST_WAIT: accepted, nothing received yet; the TLS object is made when the
 * first byte (the ClientHello) arrives, so silent connections stay small. */
typedef enum { ST_WAIT, ST_HANDSHAKE, ST_READ, ST_DELAY, ST_WRITE, ST_DRAIN } conn_state;

typedef struct hconn {
    srv_http *h;
    struct hconn *prev, *next;
    int fd;
    tls_conn tls;
    int is_tls;
    int tls_ready;             /* tls holds a TLS object (made in ST_WAIT) */
    struct event *ev;
    conn_state state;
    char peer[80];
    tls_peer client;
    char *in;                  /* IN_BUF bytes while a request is being read, else NULL */
    size_t in_len;
    http_request_reader rd;
    int have_reader;
    size_t req_bytes;          /* fed to the current reader */
    char *out;
    size_t out_len, out_off;
    int status;                /* of the answer being written */
    char what[300];            /* its log text: "GET / 200" */
    int close_after;           /* close once the answer is written */
    int drain_after;           /* ... after reading what the client still sends */
    size_t drained;
    unsigned long requests;
    int64_t start_ns;          /* the deadline counts from here */
} hconn;

struct srv_http {
    const srv_http_opts *o;
    struct event_base *base;
    struct evconnlistener *l;
    struct event *resume;      /* re-enables accepting after running out of descriptors */
    net_addr addr;
    hconn *conns;
    size_t n_conns, peak_conns; /* open now; most since memory was last returned */
    unsigned long served, refused, capped;
    int64_t cap_logged_ns;      /* when the connection cap was last logged */
    int fd_warned;
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

/* ---- connections -------------------------------------------------------- */

/* "TIME NAME PEER [VERSION CIPHER] WHAT "CLIENT SUBJECT" MS": the TLS fields
 * only on a TLS server; WHAT is "GET /path 200" or why a connection ended. */
static void conn_log(hconn *c, const char *what)
{
    FILE *f = c->h->o->log;
    if (!f)
        return;
    char when[21];
    tm_format_iso(tm_now(), when);
    const tls_outcome *o = &c->tls.out;
    char tls[100] = "";
    if (c->is_tls)
        snprintf(tls, sizeof tls, " %s %s", o->version[0] ? o->version : "-",
                 o->cipher[0] ? o->cipher : "-");
    double ms = (double)(tm_mono_ns() - c->start_ns) / 1e6;
    fprintf(f, "%s %s %s%s %s \"%s\" %.1fms\n", when, c->h->o->name, c->peer, tls, what,
            c->client.subject, ms);
    fflush(f);
}

static void reader_done(hconn *c)
{
    if (c->have_reader)
        http_request_reader_free(&c->rd);
    c->have_reader = 0;
    c->req_bytes = 0;
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
    if (c->tls_ready)
        tls_conn_close(&c->tls, rst);
    else if (c->fd < 0)
        ; /* closed already (a TLS object that could not be made) */
    else if (rst)
        net_close_rst(c->fd);
    else
        close(c->fd);
    reader_done(c);
    free(c->in);
    free(c->out);
    free(c);
    /* Idle again after a burst: give the memory back (glibc keeps freed
     * heap otherwise; after 5,000 connections that was about 1 GB). */
    if (--h->n_conns == 0 && h->peak_conns >= 64) {
        malloc_trim(0);
        h->peak_conns = 0;
    }
}

/* Ends a connection that was not served, saying why. */
static void refuse(hconn *c, const char *what, int rst)
{
    c->h->refused++;
    conn_log(c, what);
    conn_free(c, rst);
}

static void conn_cb(evutil_socket_t fd, short what, void *arg);

static void arm(hconn *c, short what, int64_t ms)
{
    if (ms < 1)
        ms = 1;
    struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };
    event_del(c->ev);
    event_assign(c->ev, c->h->base, c->fd, what, conn_cb, c);
    event_add(c->ev, &tv);
}

/* Waits for I/O within what is left of the connection's deadline. */
static void arm_io(hconn *c, short what)
{
    arm(c, what, c->h->o->timeout_ms - (tm_mono_ns() - c->start_ns) / 1000000);
}

/* Reads what is there: bytes, 0 closed, or a TLS_IO_* code. */
static int io_read(hconn *c, char *buf, size_t len)
{
    if (c->is_tls)
        return tls_conn_read_nb(&c->tls, buf, len);
    ssize_t n = recv(c->fd, buf, len, 0);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? TLS_IO_WANT_READ
                                                                          : TLS_IO_FAILED;
    return (int)n;
}

static int io_write(hconn *c, const char *buf, size_t len)
{
    if (c->is_tls)
        return tls_conn_write_nb(&c->tls, buf, len);
    ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? TLS_IO_WANT_WRITE
                                                                          : TLS_IO_FAILED;
    return (int)n;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

/* The answer's bytes; a HEAD request gets the head alone. */
static int build_reply(hconn *c, const srv_http_reply *r, int head)
{
    size_t body_len = head ? 0 : r->body_len;
    size_t cap = body_len + 420;
    free(c->out);
    c->out = malloc(cap);
    if (!c->out)
        return -1;
    /* Over TLS, HSTS (two years, as Mozilla's guideline asks) and nosniff:
     * serve passes its own audit's HTTP checks. */
    int n = snprintf(c->out, cap,
                     "HTTP/1.1 %d %s\r\nServer: mtlsprobe-serve\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nCache-Control: no-store\r\n%sConnection: %s\r\n\r\n",
                     r->status, reason(r->status), r->content_type ? r->content_type : "text/plain",
                     r->body_len,
                     c->is_tls ? "Strict-Transport-Security: max-age=63072000\r\nX-Content-Type-Options: nosniff\r\n" : "",
                     c->close_after ? "close" : "keep-alive");
    if (n < 0 || (size_t)n + body_len > cap)
        return -1;
    if (body_len)
        memcpy(c->out + n, r->body, body_len);
    c->out_len = (size_t)n + body_len;
    c->out_off = 0;
    c->status = r->status;
    return 0;
}

/* A complete request (or head): ask the handler, then delay or write.
 * Returns -1 when the connection is gone. */
static int dispatch(hconn *c)
{
    srv_http *h = c->h;
    const http_request *q = &c->rd.req;
    c->requests++;
    srv_http_info info = { c->peer, c->is_tls, c->tls.out.version, c->client.sni,
                           c->client.subject, c->client.issuer, c->client.sha256, c->requests };
    srv_http_reply r = { 0 };
    h->o->handle(h->o->arg, &info, q, &r);
    int unread_body = c->rd.head_only && c->rd.has_body;
    /* Kept alive: HTTP/1.1 requests that do not ask to close. */
    c->close_after = r.close || !q->keep_alive || q->http_minor != 1 || unread_body;
    c->drain_after = unread_body;
    snprintf(c->what, sizeof c->what, "%s %.200s %d", q->method, q->target ? q->target : "-",
             r.status);
    int rc = build_reply(c, &r, strcmp(q->method, "HEAD") == 0);
    int64_t delay = r.delay_ms;
    free(r.body);
    reader_done(c);
    if (rc != 0) {
        refuse(c, "out of memory", 1);
        return -1;
    }
    if (delay > 0) {
        c->state = ST_DELAY;
        arm(c, EV_TIMEOUT, delay);
        return 0;
    }
    c->state = ST_WRITE;
    return 0;
}

/* A request the reader refused (head too large, body too large, not HTTP):
 * answered with the reader's status, then the connection closes. */
static int answer_refusal(hconn *c)
{
    int status = c->rd.error_status ? c->rd.error_status : 400;
    char body[200];
    int n = snprintf(body, sizeof body, "%s\n", c->rd.error);
    srv_http_reply r = { 0 };
    srv_http_reply_text(&r, status, "text/plain", body, n > 0 ? (size_t)n : 0);
    c->close_after = c->drain_after = 1;
    snprintf(c->what, sizeof c->what, "%d %s", status,
             status == 400 ? "malformed request" : "request too large");
    int rc = build_reply(c, &r, 0);
    free(r.body);
    reader_done(c);
    if (rc != 0) {
        refuse(c, "out of memory", 1);
        return -1;
    }
    c->state = ST_WRITE;
    return 0;
}

/* The answer is out: count and log it, then the next request, a close, or
 * a drain before the close. */
static int answered(hconn *c)
{
    srv_http *h = c->h;
    if (c->status < 400)
        h->served++;
    else
        h->refused++;
    conn_log(c, c->what);
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = 0;
    c->start_ns = tm_mono_ns();
    if (!c->close_after) {
        c->state = ST_READ; /* the next request, possibly already here (pipelined) */
        if (c->in_len == 0) { /* idle until it comes: no buffer held meanwhile */
            free(c->in);
            c->in = NULL;
        }
        return 0;
    }
    if (!c->drain_after && c->in_len == 0) {
        conn_free(c, 0);
        return -1;
    }
    if (c->is_tls)
        tls_conn_shutdown_write(&c->tls); /* close_notify, then our FIN */
    else
        shutdown(c->fd, SHUT_WR);
    c->state = ST_DRAIN;
    return 0;
}

static void step(hconn *c)
{
    srv_http *h = c->h;
    for (;;) {
        if (c->state == ST_WAIT) {
            char b;
            ssize_t n = recv(c->fd, &b, 1, MSG_PEEK);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                arm_io(c, EV_READ);
                return;
            }
            /* bytes, a close or an error: the handshake code says which */
            mp_err e;
            if (tls_conn_init_server(&c->tls, h->o->tls, c->fd, &e) != 0) { /* fd closed */
                c->fd = -1;
                refuse(c, "refused: cannot start TLS", 0);
                return;
            }
            c->tls_ready = 1;
            c->state = ST_HANDSHAKE;
        } else if (c->state == ST_HANDSHAKE) {
            tls_step s = tls_conn_accept_step(&c->tls);
            if (s == TLS_STEP_WANT_READ) { arm_io(c, EV_READ); return; }
            if (s == TLS_STEP_WANT_WRITE) { arm_io(c, EV_WRITE); return; }
            if (s == TLS_STEP_FAILED) {
                char d[300], line[320];
                tls_outcome_describe(&c->tls.out, d, sizeof d);
                snprintf(line, sizeof line, "refused: %s", d);
                refuse(c, line, 0);
                return;
            }
            tls_conn_peer(&c->tls, &c->client);
            c->state = ST_READ;
        } else if (c->state == ST_READ) {
            if (c->in_len > 0) {
                if (!c->have_reader) { /* not before bytes arrive: idle connections stay small */
                    http_request_reader_init(&c->rd, h->o->max_body);
                    c->rd.max_head = MAX_HEAD;
                    c->rd.head_only = h->o->head_only;
                    c->have_reader = 1;
                }
                size_t used = 0;
                int st = http_request_reader_feed(&c->rd, c->in, c->in_len, &used);
                memmove(c->in, c->in + used, c->in_len - used);
                c->in_len -= used;
                c->req_bytes += used;
                if (st < 0 && answer_refusal(c) != 0)
                    return;
                if (st == 1 && (dispatch(c) != 0 || c->state == ST_DELAY))
                    return;
                if (st != 0)
                    continue;
            }
            if (!c->in && !(c->in = malloc(IN_BUF))) {
                refuse(c, "out of memory", 1);
                return;
            }
            int n = io_read(c, c->in + c->in_len, IN_BUF - c->in_len);
            if (n == TLS_IO_WANT_READ) { arm_io(c, EV_READ); return; }
            if (n == TLS_IO_WANT_WRITE) { arm_io(c, EV_WRITE); return; }
            if (n < 0) {
                char d[300], line[340];
                tls_outcome_describe(&c->tls.out, d, sizeof d);
                snprintf(line, sizeof line, "failed reading the request: %s",
                         c->is_tls ? d : mp_strerror(errno).s);
                refuse(c, line, 0);
                return;
            }
            if (n == 0) {
                if (!c->requests || c->req_bytes)
                    conn_log(c, "closed before a request");
                conn_free(c, 0); /* or a kept-alive client is done */
                return;
            }
            c->in_len += (size_t)n;
        } else if (c->state == ST_DELAY) {
            c->state = ST_WRITE;
        } else if (c->state == ST_WRITE) {
            int n = io_write(c, c->out + c->out_off, c->out_len - c->out_off);
            if (n == TLS_IO_WANT_READ) { arm_io(c, EV_READ); return; }
            if (n == TLS_IO_WANT_WRITE) { arm_io(c, EV_WRITE); return; }
            if (n <= 0) {
                /* the answer decided is still what the log says, e.g. a 431
                 * a client that goes on sending never reads */
                char line[sizeof c->what + 40];
                snprintf(line, sizeof line, "%s%sfailed writing the answer", c->what, c->what[0] ? "; " : "");
                refuse(c, line, 1);
                return;
            }
            c->out_off += (size_t)n;
            if (c->out_off == c->out_len && answered(c) != 0)
                return;
        } else { /* ST_DRAIN */
            char sink[16384];
            ssize_t n = recv(c->fd, sink, sizeof sink, 0);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                arm_io(c, EV_READ);
                return;
            }
            if (n > 0 && (c->drained += (size_t)n) < MAX_DRAIN)
                continue;
            conn_free(c, 0);
            return;
        }
    }
}

static void conn_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    hconn *c = arg;
    if (what & EV_TIMEOUT) {
        if (c->state == ST_DELAY) {
            c->state = ST_WRITE;
        } else if (c->state == ST_DRAIN) {
            conn_free(c, 1); /* already answered and logged */
            return;
        } else if (c->state == ST_READ && c->requests && !c->req_bytes && !c->in_len) {
            conn_free(c, 0); /* an idle kept-alive connection: closed, not refused */
            return;
        } else {
            c->tls.out.result = TLS_R_TIMEOUT;
            refuse(c, c->state == ST_HANDSHAKE || c->state == ST_WAIT ? "timeout in handshake"
                      : c->state == ST_WRITE   ? "timeout writing the answer"
                                               : "timeout waiting for the request", 1);
            return;
        }
    }
    step(c);
}

/* ---- accepting ---------------------------------------------------------- */

static void peer_name(const struct sockaddr *sa, int salen, char *out, size_t outlen)
{
    char host[INET6_ADDRSTRLEN] = "?";
    getnameinfo(sa, (socklen_t)salen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
    if (sa->sa_family == AF_INET6)
        snprintf(out, outlen, "[%s]:%d", host, ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
    else
        snprintf(out, outlen, "%s:%d", host, ntohs(((const struct sockaddr_in *)sa)->sin_port));
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
    size_t cap = h->o->max_connections > 0 ? (size_t)h->o->max_connections : SRV_HTTP_MAX_CONNECTIONS;
    if (h->n_conns >= cap) {
        net_close_rst(fd);
        h->capped++;
        int64_t now = tm_mono_ns();
        if (h->o->log && now - h->cap_logged_ns >= 1000000000LL) {
            fprintf(h->o->log, "mtlsprobe serve: %s: %zu connections open, the most --max-connections allows: "
                               "new ones are reset (%lu so far)\n", h->o->name, h->n_conns, h->capped);
            fflush(h->o->log);
            h->cap_logged_ns = now;
        }
        return;
    }
    hconn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->h = h;
    c->fd = fd;
    c->start_ns = tm_mono_ns();
    peer_name(sa, salen, c->peer, sizeof c->peer);
    evutil_make_socket_nonblocking(fd);
    net_set_nodelay(fd);
    c->is_tls = h->o->tls != NULL;
    c->state = c->is_tls ? ST_WAIT : ST_READ;
    c->ev = event_new(h->base, fd, EV_READ, conn_cb, c);
    if (!c->ev) {
        net_close_rst(fd);
        free(c);
        return;
    }
    c->next = h->conns;
    if (h->conns)
        h->conns->prev = c;
    h->conns = c;
    if (++h->n_conns > h->peak_conns)
        h->peak_conns = h->n_conns;
    step(c);
}

/* accept() failed. Out of descriptors, the listening socket stays readable,
 * so accepting again at once would spin: pause accepting for 100 ms while
 * the connection timeouts free descriptors, and say so once. */
static void accept_error_cb(struct evconnlistener *l, void *arg)
{
    srv_http *h = arg;
    int err = EVUTIL_SOCKET_ERROR();
    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
        return;
    if (h->o->log && !h->fd_warned) {
        fprintf(h->o->log, "mtlsprobe serve: %s: out of file descriptors (%s); pausing accepts\n",
                h->o->name, mp_strerror(err).s);
        fflush(h->o->log);
    }
    h->fd_warned = 1;
    evconnlistener_disable(l);
    struct timeval tv = { 0, 100000 };
    event_add(h->resume, &tv);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    srv_http *h = arg;
    evconnlistener_enable(h->l);
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
    if (net_listen_parse(o->listen, host, sizeof host, &port, e) != 0 ||
        net_resolve(host, port, &h->addr, e) != 0) {
        free(h);
        return mp_wrap(e, "%s", o->name);
    }
    h->resume = evtimer_new(base, resume_cb, h);
    h->l = h->resume ? evconnlistener_new_bind(base, accept_cb, h,
                                               LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
                                                   LEV_OPT_CLOSE_ON_EXEC,
                                               BACKLOG, (struct sockaddr *)&h->addr.ss,
                                               (int)h->addr.len)
                     : NULL;
    if (!h->l) {
        int err = errno;
        if (h->resume)
            event_free(h->resume);
        free(h);
        return mp_fail(e, "%s: cannot listen on %s: %s", o->name, o->listen, mp_strerror(err).s);
    }
    evconnlistener_set_error_cb(h->l, accept_error_cb);
    /* port 0: the log and the announcement name the port the kernel chose */
    net_addr_bound(&h->addr, evconnlistener_get_fd(h->l));
    *out = h;
    return 0;
}

const char *srv_http_address(const srv_http *h)
{
    return h->addr.text;
}

void srv_http_counts(const srv_http *h, unsigned long *served, unsigned long *refused)
{
    *served = h->served;
    *refused = h->refused;
}

void srv_http_free(srv_http *h)
{
    if (!h)
        return;
    while (h->conns)
        conn_free(h->conns, 1);
    evconnlistener_free(h->l);
    event_free(h->resume);
    free(h);
}
