/* The TLS kind of net_transport: each call goes to the tls_conn function
 * that does the same for TLS, unchanged, so timeouts, edge-gated reads and
 * the reading after a reset during a write (tls.h, tls_conn_write) are the
 * tls_conn's own. The one decision: the connection's outcome stays in the
 * tls_conn (c->out), and failure only translates it, on failures, so the
 * hot path pays one indirect call and nothing else. */
#include "tls/transport_tls.h"

#include <stdio.h>

static tls_conn *conn_of(const net_transport *t)
{
    return t->conn;
}

/* TLS_IO_* and NET_XP_* are the same numbers; this keeps them so. */
_Static_assert((int)TLS_IO_FAILED == (int)NET_XP_FAILED && (int)TLS_IO_WANT_READ == (int)NET_XP_WANT_READ &&
                   (int)TLS_IO_WANT_WRITE == (int)NET_XP_WANT_WRITE,
               "TLS_IO_* and NET_XP_* differ");

static int xp_handshake(net_transport *t)
{
    switch (tls_conn_handshake_step(conn_of(t))) {
    case TLS_STEP_DONE: return 0;
    case TLS_STEP_WANT_READ: return NET_XP_WANT_READ;
    case TLS_STEP_WANT_WRITE: return NET_XP_WANT_WRITE;
    default: return NET_XP_FAILED;
    }
}

static int xp_read(net_transport *t, void *buf, size_t len)
{
    return tls_conn_read_nb(conn_of(t), buf, len);
}

static int xp_write(net_transport *t, const void *buf, size_t len)
{
    return tls_conn_write_nb(conn_of(t), buf, len);
}

static int xp_write_all(net_transport *t, const void *buf, size_t len, int64_t deadline_ns)
{
    return tls_conn_write(conn_of(t), buf, len, deadline_ns);
}

static ssize_t xp_read_wait(net_transport *t, void *buf, size_t len, int64_t deadline_ns)
{
    return tls_conn_read(conn_of(t), buf, len, deadline_ns);
}

static void xp_edge_reads(net_transport *t)
{
    tls_conn_edge_reads(conn_of(t));
}

static void xp_readable(net_transport *t)
{
    tls_conn_readable(conn_of(t));
}

static void xp_peer_closed(net_transport *t)
{
    conn_of(t)->edge_reads = 0; /* every read calls recv again, as before tls_conn_edge_reads */
}

static void xp_failure(const net_transport *t, net_xp_failure *f)
{
    const tls_outcome *o = &conn_of(t)->out;
    switch (o->result) {
    case TLS_R_ALERT_RECEIVED: f->kind = NET_XP_F_ALERT; break;
    case TLS_R_VERIFY_FAILED: f->kind = NET_XP_F_VERIFY; break;
    case TLS_R_RESET: f->kind = NET_XP_F_RESET; break;
    case TLS_R_CLOSED: f->kind = NET_XP_F_CLOSED; break;
    case TLS_R_TIMEOUT: f->kind = NET_XP_F_TIMEOUT; break;
    default: f->kind = NET_XP_F_OTHER; break;
    }
    f->alert = o->alert_code; /* also one we sent */
    tls_outcome_describe(o, f->text, sizeof f->text);
}

static void xp_close_keep(net_transport *t, int rst)
{
    tls_conn_close_keep(conn_of(t), rst);
}

static void xp_close(net_transport *t, int rst)
{
    tls_conn_close(conn_of(t), rst);
}

static const net_transport_ops tls_ops = {
    .name = "tls",
    .handshake = xp_handshake,
    .read = xp_read,
    .write = xp_write,
    .write_all = xp_write_all,
    .read_wait = xp_read_wait,
    .edge_reads = xp_edge_reads,
    .readable = xp_readable,
    .peer_closed = xp_peer_closed,
    .failure = xp_failure,
    .close_keep = xp_close_keep,
    .close = xp_close,
};

void tls_transport(net_transport *t, tls_conn *c)
{
    net_transport_bind(t, &tls_ops, c, -1);
}
