/* Sockets with deadlines. Connects are non-blocking and polled, so a
 * blackholed target costs exactly the timeout, never the kernel's minutes. */
#define _DEFAULT_SOURCE
#include "net/net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/timeutil.h"

static int hostport(const char *s, char *host, size_t hostlen, int *port, int min_port, mp_err *e)
{
    const char *colon, *in = s; /* in: as written, for the messages */
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return mp_fail(e, "'%s': expected [IPv6]:PORT", s);
        hl = (size_t)(close - s - 1);
        s++;
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || strchr(s, ':') != colon)
            return mp_fail(e, "'%s': expected HOST:PORT", s);
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostlen)
        return mp_fail(e, "'%s': bad host", in);
    /* digits only: strtol alone would take " 443" and "+443" */
    char *end;
    long p = isdigit((unsigned char)colon[1]) ? strtol(colon + 1, &end, 10) : -1;
    if (!isdigit((unsigned char)colon[1]) || *end || p < min_port || p > 65535)
        return mp_fail(e, "'%s': port must be %d..65535", in, min_port);
    memcpy(host, s, hl);
    host[hl] = '\0';
    *port = (int)p;
    return 0;
}

int net_hostport_parse(const char *s, char *host, size_t hostlen, int *port, mp_err *e)
{
    return hostport(s, host, hostlen, port, 1, e);
}

int net_listen_parse(const char *s, char *host, size_t hostlen, int *port, mp_err *e)
{
    return hostport(s, host, hostlen, port, 0, e);
}

static const struct {
    const char *name;
    int port; /* 0: none, the URL must name one */
    int takes_path;
} url_schemes[] = {
    [NET_SCHEME_HTTPS] = {"https", 443, 1},
    [NET_SCHEME_TLS] = {"tls", 0, 0},
    [NET_SCHEME_MQTTS] = {"mqtts", 8883, 0},
    [NET_SCHEME_GRPCS] = {"grpcs", 443, 1},
};

const char *net_scheme_name(net_scheme s)
{
    return (size_t)s < sizeof url_schemes / sizeof url_schemes[0] ? url_schemes[s].name : "?";
}

#define GRPC_HEALTH_PATH "/grpc.health.v1.Health/Check"

int net_url_parse(const char *s, net_url *u, mp_err *e)
{
    memset(u, 0, sizeof *u);
    const char *sep = strstr(s, "://");
    int found = 0;
    if (sep) {
        for (size_t i = 0; i < sizeof url_schemes / sizeof url_schemes[0]; i++) {
            size_t n = strlen(url_schemes[i].name);
            if ((size_t)(sep - s) == n && strncasecmp(s, url_schemes[i].name, n) == 0) {
                u->scheme = (net_scheme)i;
                found = 1;
            }
        }
    }
    if (!found)
        return mp_fail(e, "target '%s' must start with https://, tls://, mqtts:// or grpcs://", s);
    const char *a = sep + 3;
    size_t al = strcspn(a, "/?#");
    if (al == 0 || al >= sizeof u->authority)
        return mp_fail(e, "target '%s' has no host", s);
    for (size_t i = 0; i < al; i++)
        if (isspace((unsigned char)a[i]) || a[i] == '@')
            return mp_fail(e, "target '%s': bad character in host", s);
    memcpy(u->authority, a, al);
    u->authority[al] = '\0';
    const char *rest = a + al;
    if (*rest == '#')
        rest = "";
    if (strlen(rest) >= sizeof u->path - 1)
        return mp_fail(e, "target '%s': path too long", s);
    if (*rest == '/')
        snprintf(u->path, sizeof u->path, "%s", rest);
    else
        snprintf(u->path, sizeof u->path, "/%s", rest);
    char *hash = strchr(u->path, '#');
    if (hash)
        *hash = '\0';
    if (!url_schemes[u->scheme].takes_path && strcmp(u->path, "/") != 0)
        return mp_fail(e, "target '%s': a %s:// target takes no path", s, url_schemes[u->scheme].name);
    if (u->scheme == NET_SCHEME_GRPCS) {
        if (strcmp(u->path, "/") == 0)
            snprintf(u->path, sizeof u->path, "%s", GRPC_HEALTH_PATH);
        else if (strchr(u->path, '?') || strchr(u->path + 1, '/') == NULL || u->path[strlen(u->path) - 1] == '/')
            return mp_fail(e, "target '%s': a grpcs:// path is /package.Service/Method", s);
    }

    int has_port = u->authority[0] == '['
                       ? strstr(u->authority, "]:") != NULL
                       : strchr(u->authority, ':') != NULL;
    if (has_port) {
        mp_err sub;
        if (net_hostport_parse(u->authority, u->host, sizeof u->host, &u->port, &sub) != 0)
            return mp_fail(e, "target '%s': %s", s, sub.msg);
    } else {
        const char *h = u->authority;
        size_t hl = strlen(h);
        if (h[0] == '[') {
            if (h[hl - 1] != ']')
                return mp_fail(e, strchr(h, ']') ? "target '%s': only :PORT may follow ']'"
                                                 : "target '%s': unclosed [", s);
            h++;
            hl -= 2;
        }
        if (hl == 0 || hl >= sizeof u->host)
            return mp_fail(e, "target '%s' has no host", s);
        memcpy(u->host, h, hl);
        u->host[hl] = '\0';
        if (url_schemes[u->scheme].port == 0)
            return mp_fail(e, "target '%s': a %s:// target needs a port (%s://HOST:PORT)", s,
                           url_schemes[u->scheme].name, url_schemes[u->scheme].name);
        u->port = url_schemes[u->scheme].port;
    }
    return 0;
}

static void addr_text(net_addr *a)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (a->ss.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        port = ntohs(in->sin_port);
        snprintf(a->text, sizeof a->text, "%s:%d", ip, port);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        port = ntohs(in6->sin6_port);
        snprintf(a->text, sizeof a->text, "[%s]:%d", ip, port);
    }
}

int net_addr_bound(net_addr *a, int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    memcpy(&a->ss, &ss, len);
    a->len = len;
    addr_text(a);
    return 0;
}

int net_resolve(const char *host, int port, net_addr *out, mp_err *e)
{
    struct addrinfo hints, *res = NULL;
    char ps[16];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(ps, sizeof ps, "%d", port);
    int rc = getaddrinfo(host, ps, &hints, &res);
    if (rc != 0 || !res)
        return mp_fail(e, "cannot resolve '%s': %s", host, gai_strerror(rc));
    memset(out, 0, sizeof *out);
    memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
    out->len = (socklen_t)res->ai_addrlen;
    freeaddrinfo(res);
    addr_text(out);
    return 0;
}

const char *net_status_name(net_status s)
{
    switch (s) {
    case NET_OK: return "connected";
    case NET_REFUSED: return "connection refused";
    case NET_TIMEOUT: return "connect timeout";
    case NET_UNREACHABLE: return "unreachable";
    default: return "connect error";
    }
}

static net_status errno_status(int err)
{
    switch (err) {
    case ECONNREFUSED: return NET_REFUSED;
    case ETIMEDOUT: return NET_TIMEOUT;
    case ENETUNREACH:
    case EHOSTUNREACH: return NET_UNREACHABLE;
    default: return NET_ERROR;
    }
}

/* Thread-owned: each thread that runs network steps for a stoppable job
 * sets its own. */
static _Thread_local net_guard *tl_guard;

void net_guard_set(net_guard *g)
{
    tl_guard = g;
}

net_status net_connect(const net_addr *a, int64_t deadline_ns, int *fd_out, mp_err *e)
{
    if (tl_guard)
        tl_guard->connects++;
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        mp_fail(e, "socket: %s", mp_strerror(errno).s);
        return NET_ERROR;
    }
    net_set_nodelay(fd);
    if (connect(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
        if (errno != EINPROGRESS) {
            int err = errno;
            close(fd);
            mp_fail(e, "connect to %s: %s", a->text, mp_strerror(err).s);
            return errno_status(err);
        }
        int r = net_wait(fd, POLLOUT, deadline_ns);
        if (r <= 0) {
            close(fd);
            mp_fail(e, "connect to %s: %s", a->text, r == 0 ? "timed out" : mp_strerror(errno).s);
            return r == 0 ? NET_TIMEOUT : NET_ERROR;
        }
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
            close(fd);
            mp_fail(e, "connect to %s: %s", a->text, mp_strerror(err).s);
            return errno_status(err);
        }
    }
    *fd_out = fd;
    return NET_OK;
}

#define NET_STOP_CHECK_MS 100

int net_wait(int fd, short events, int64_t deadline_ns)
{
    const atomic_int *stop = tl_guard ? tl_guard->stop : NULL;
    for (;;) {
        if (stop && atomic_load(stop)) {
            errno = EINTR;
            return -1;
        }
        int64_t left = deadline_ns - tm_mono_ns();
        if (left <= 0)
            return 0;
        struct pollfd p = { .fd = fd, .events = events };
        int ms = (int)((left + 999999) / 1000000);
        if (stop && ms > NET_STOP_CHECK_MS)
            ms = NET_STOP_CHECK_MS;
        int r = poll(&p, 1, ms);
        if (r > 0)
            return 1; /* readable, writable, or an error the next call reports */
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

/* Small TLS records (a session ticket, then a short answer) must not wait
 * for an ACK that the peer delays: Nagle against delayed ACK costs 40 ms. */
void net_set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void net_close_rst(int fd)
{
    struct linger l = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

int net_source_range_parse(const char *s, net_addr **out, int *n, mp_err *e)
{
    char a[64], b[64];
    const char *dash = strchr(s, '-');
    size_t al = dash ? (size_t)(dash - s) : strlen(s);
    if (al == 0 || al >= sizeof a || (dash && strlen(dash + 1) >= sizeof b))
        return mp_fail(e, "--source '%s': expected ADDR or ADDR-ADDR", s);
    memcpy(a, s, al);
    a[al] = '\0';
    snprintf(b, sizeof b, "%s", dash ? dash + 1 : a);
    struct in_addr lo, hi;
    struct in6_addr v6;
    if (!dash && inet_pton(AF_INET6, a, &v6) == 1) {
        *out = calloc(1, sizeof **out);
        if (!*out)
            return mp_fail(e, "out of memory");
        struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&(*out)->ss;
        sa->sin6_family = AF_INET6;
        sa->sin6_addr = v6;
        (*out)->len = sizeof *sa;
        addr_text(*out);
        *n = 1;
        return 0;
    }
    if (inet_pton(AF_INET, a, &lo) != 1 || inet_pton(AF_INET, b, &hi) != 1)
        return mp_fail(e, "--source '%s': expected IPv4 ADDR[-ADDR] or one IPv6 address", s);
    uint32_t l = ntohl(lo.s_addr), h = ntohl(hi.s_addr);
    if (h < l || h - l >= 65536)
        return mp_fail(e, "--source '%s': the range must go up and hold at most 65536 addresses", s);
    *n = (int)(h - l + 1);
    *out = calloc((size_t)*n, sizeof **out);
    if (!*out)
        return mp_fail(e, "out of memory");
    for (int i = 0; i < *n; i++) {
        struct sockaddr_in *sa = (struct sockaddr_in *)&(*out)[i].ss;
        sa->sin_family = AF_INET;
        sa->sin_addr.s_addr = htonl(l + (uint32_t)i);
        (*out)[i].len = sizeof *sa;
        addr_text(&(*out)[i]);
    }
    return 0;
}
