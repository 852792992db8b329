/* One connection, plain TCP or TLS, behind one small table of functions, so
 * the load engine and the HTTP clients never ask which one they have (as
 * wrk's struct sock and Redis's ConnectionType do). This file holds the
 * interface and the plain-TCP kind; the TLS kind lives in src/tls
 * (tls/transport_tls.h), which alone sees wolfSSL.
 *
 * Return contract of the non-blocking calls (handshake, read, write): bytes
 * (or 0 for a finished handshake), 0 from read when the peer closed
 * cleanly, NET_XP_WANT_READ / NET_XP_WANT_WRITE when the caller must wait
 * for the socket, NET_XP_FAILED when the connection failed (failure says
 * why). Nothing here allocates or adds a system call to what the kind
 * itself needs. */
#ifndef MP_NET_TRANSPORT_H
#define MP_NET_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum { NET_XP_FAILED = -1, NET_XP_WANT_READ = -2, NET_XP_WANT_WRITE = -3 };

/* Why a connection failed, in terms every kind shares. */
typedef enum net_xp_fail {
    NET_XP_F_NONE = 0,
    NET_XP_F_ALERT,    /* the peer sent a fatal TLS alert (alert says which) */
    NET_XP_F_VERIFY,   /* we could not verify the peer's certificate chain */
    NET_XP_F_RESET,    /* TCP RST */
    NET_XP_F_CLOSED,   /* the peer closed when we needed more */
    NET_XP_F_TIMEOUT,  /* a deadline passed */
    NET_XP_F_OTHER     /* anything else, see text */
} net_xp_fail;

typedef struct net_xp_failure {
    net_xp_fail kind;
    int alert;         /* the TLS alert code, -1 when none */
    char text[160];    /* one line: "alert bad_certificate (42) received" */
} net_xp_failure;

typedef struct net_transport net_transport;

typedef struct net_transport_ops {
    const char *name; /* "tcp", "tls" */
    /* One non-blocking step of what comes after the TCP connect (the TLS
     * handshake; nothing for TCP): 0 done, WANT_READ, WANT_WRITE, FAILED. */
    int (*handshake)(net_transport *t);
    /* Non-blocking: see the contract above. */
    int (*read)(net_transport *t, void *buf, size_t len);
    int (*write)(net_transport *t, const void *buf, size_t len);
    /* Blocking, until the deadline (tm_mono_ns() time): write_all sends
     * everything (0) or fails (-1); read_wait returns bytes, 0 on a clean
     * close, -1 on failure or timeout. */
    int (*write_all)(net_transport *t, const void *buf, size_t len, int64_t deadline_ns);
    ssize_t (*read_wait)(net_transport *t, void *buf, size_t len, int64_t deadline_ns);
    /* Edge-triggered event loops: after edge_reads, the connection reads
     * from the socket only after readable, and until a read comes back
     * short or would block. */
    void (*edge_reads)(net_transport *t);
    void (*readable)(net_transport *t);
    /* The event loop saw the peer's FIN (EPOLLRDHUP). It may have come with
     * the last data, in the same edge: reads stop waiting for readable, so
     * the read after a short one finds the end instead of waiting for an
     * edge that will not come. */
    void (*peer_closed)(net_transport *t);
    /* Why the last call failed. */
    void (*failure)(const net_transport *t, net_xp_failure *f);
    /* Closes the socket (a FIN after any goodbye the protocol has, or an
     * RST); close_keep keeps what a reuse of the connection object needs
     * (a TLS kind's library object), close frees everything. */
    void (*close_keep)(net_transport *t, int rst);
    void (*close)(net_transport *t, int rst);
} net_transport_ops;

struct net_transport {
    const net_transport_ops *ops;
    void *conn;        /* the kind's own connection object (TLS: a tls_conn) */
    int fd;            /* TCP: the socket (TLS keeps its own) */
    int edge_reads, readable;
    net_xp_failure fail; /* TCP: the last failure */
};

/* Binds a connected, non-blocking socket as plain TCP; t owns fd afterwards.
 * No system call. */
void net_tcp_transport(net_transport *t, int fd);

/* For a kind's own binding function: t starts over as ops over conn. */
void net_transport_bind(net_transport *t, const net_transport_ops *ops, void *conn, int fd);

/* For a kind that keeps its read gating and its last failure in t itself
 * (TCP, the test programs' in-memory kind): the ops edge_reads, readable,
 * peer_closed and failure, and the failure setter (returns NET_XP_FAILED;
 * no alert). */
void net_xp_own_edge_reads(net_transport *t);
void net_xp_own_readable(net_transport *t);
void net_xp_own_peer_closed(net_transport *t);
void net_xp_own_failure(const net_transport *t, net_xp_failure *f);
int net_xp_fail_with(net_transport *t, net_xp_fail kind, const char *text);

static inline int net_xp_handshake(net_transport *t) { return t->ops->handshake(t); }
static inline int net_xp_read(net_transport *t, void *buf, size_t len) { return t->ops->read(t, buf, len); }
static inline int net_xp_write(net_transport *t, const void *buf, size_t len) { return t->ops->write(t, buf, len); }
static inline int net_xp_write_all(net_transport *t, const void *buf, size_t len, int64_t deadline_ns)
{
    return t->ops->write_all(t, buf, len, deadline_ns);
}
static inline ssize_t net_xp_read_wait(net_transport *t, void *buf, size_t len, int64_t deadline_ns)
{
    return t->ops->read_wait(t, buf, len, deadline_ns);
}
static inline void net_xp_edge_reads(net_transport *t) { t->ops->edge_reads(t); }
static inline void net_xp_readable(net_transport *t) { t->ops->readable(t); }
static inline void net_xp_peer_closed(net_transport *t) { t->ops->peer_closed(t); }
static inline void net_xp_failure_of(const net_transport *t, net_xp_failure *f) { t->ops->failure(t, f); }
static inline void net_xp_close_keep(net_transport *t, int rst) { t->ops->close_keep(t, rst); }
static inline void net_xp_close(net_transport *t, int rst) { t->ops->close(t, rst); }

#endif
