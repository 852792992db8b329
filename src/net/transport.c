/* The plain-TCP kind of net_transport: recv and send on a non-blocking
 * socket, waits with net_wait. The one decision: it follows the TLS kind's
 * rules to the letter (edge-gated reads, a FIN as a clean end, a reset as a
 * failure), so a caller written against one works unchanged on the other. */
#define _DEFAULT_SOURCE
#include "net/transport.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"

int net_xp_fail_with(net_transport *t, net_xp_fail kind, const char *text)
{
    t->fail.kind = kind;
    t->fail.alert = -1;
    snprintf(t->fail.text, sizeof t->fail.text, "%s", text);
    return NET_XP_FAILED;
}

static int tcp_errno(net_transport *t, int err)
{
    if (err == ECONNRESET || err == EPIPE)
        return net_xp_fail_with(t, NET_XP_F_RESET, "connection reset");
    return net_xp_fail_with(t, NET_XP_F_OTHER, mp_strerror(err).s);
}

static int tcp_handshake(net_transport *t)
{
    (void)t;
    return 0;
}

static int tcp_read(net_transport *t, void *buf, size_t len)
{
    if (t->edge_reads && !t->readable)
        return NET_XP_WANT_READ;
    ssize_t n;
    do
        n = recv(t->fd, buf, len, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        t->readable = 0;
        return NET_XP_WANT_READ;
    }
    if (n < 0)
        return tcp_errno(t, errno);
    if ((size_t)n < len)
        t->readable = 0;
    return (int)(n > 0x7fffffff ? 0x7fffffff : n);
}

static int tcp_write(net_transport *t, const void *buf, size_t len)
{
    ssize_t n;
    do
        n = send(t->fd, buf, len > 65536 ? 65536 : len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return NET_XP_WANT_WRITE;
    return tcp_errno(t, errno);
}

static int tcp_write_all(net_transport *t, const void *buf, size_t len, int64_t deadline_ns)
{
    const char *p = buf;
    while (len > 0) {
        int n = tcp_write(t, p, len);
        if (n == NET_XP_WANT_WRITE) {
            if (net_wait(t->fd, POLLOUT, deadline_ns) <= 0) {
                net_xp_fail_with(t, NET_XP_F_TIMEOUT, "timed out writing");
                return -1;
            }
            continue;
        }
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static ssize_t tcp_read_wait(net_transport *t, void *buf, size_t len, int64_t deadline_ns)
{
    for (;;) {
        int n = tcp_read(t, buf, len);
        if (n >= 0)
            return n;
        if (n != NET_XP_WANT_READ)
            return -1;
        if (net_wait(t->fd, POLLIN, deadline_ns) <= 0) {
            net_xp_fail_with(t, NET_XP_F_TIMEOUT, "timed out waiting for the response");
            return -1;
        }
        t->readable = 1;
    }
}

void net_xp_own_edge_reads(net_transport *t)
{
    t->edge_reads = 1;
}

void net_xp_own_readable(net_transport *t)
{
    t->readable = 1;
}

void net_xp_own_peer_closed(net_transport *t)
{
    t->edge_reads = 0;
}

void net_xp_own_failure(const net_transport *t, net_xp_failure *f)
{
    *f = t->fail;
}

static void tcp_close(net_transport *t, int rst)
{
    if (t->fd < 0)
        return;
    if (rst)
        net_close_rst(t->fd);
    else
        close(t->fd);
    t->fd = -1;
}

static const net_transport_ops tcp_ops = {
    .name = "tcp",
    .handshake = tcp_handshake,
    .read = tcp_read,
    .write = tcp_write,
    .write_all = tcp_write_all,
    .read_wait = tcp_read_wait,
    .edge_reads = net_xp_own_edge_reads,
    .readable = net_xp_own_readable,
    .peer_closed = net_xp_own_peer_closed,
    .failure = net_xp_own_failure,
    .close_keep = tcp_close,
    .close = tcp_close,
};

void net_transport_bind(net_transport *t, const net_transport_ops *ops, void *conn, int fd)
{
    t->ops = ops;
    t->conn = conn;
    t->fd = fd;
    t->edge_reads = 0;
    t->readable = 0;
    t->fail.kind = NET_XP_F_NONE;
    t->fail.alert = -1;
    t->fail.text[0] = '\0';
}

void net_tcp_transport(net_transport *t, int fd)
{
    net_transport_bind(t, &tcp_ops, NULL, fd);
}
