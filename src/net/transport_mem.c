/* The scripted in-memory kind of net_transport (transport_mem.h): a peer
 * that sends, closes, resets or stalls as a test's script says, with no
 * socket, so the code above the transport (http_exchange, the scenario
 * connection's observation) is tested without the network. It follows the
 * TCP kind's contract (a FIN is a clean end of reads, a reset a failure,
 * edge-gated reads) and never waits: a stall fails a blocking read at once
 * as the deadline would.
 *
 * It is compiled into the test programs only (tests/CMakeLists.txt,
 * mtlsprobe_testxp), not into mtlsprobe_core: nothing the tool ships can
 * reach a peer that is not there, so no path of run, load or serve can end
 * up judging a script instead of a gateway. It lives in src/net beside the
 * other kinds so a change to the transport contract is made to all three. */
#include "net/transport_mem.h"

#include <stdlib.h>
#include <string.h>

static net_mem_peer *peer(const net_transport *t)
{
    return t->conn;
}

/* Moves past the steps the client's writes have released; the current step
 * is then the one to act on, or none is released yet (returns NULL). */
static const net_mem_step *current(net_mem_peer *p)
{
    while (p->step < p->n_steps) {
        const net_mem_step *s = &p->steps[p->step];
        if (s->after_written > p->n_written)
            return NULL;
        if (s->op == NET_MEM_SEND && p->offset >= s->len) {
            p->step++;
            p->offset = 0;
            continue;
        }
        return s;
    }
    return NULL;
}

static int mem_handshake(net_transport *t)
{
    (void)t;
    return 0;
}

static int mem_read(net_transport *t, void *buf, size_t len)
{
    net_mem_peer *p = peer(t);
    if (p->reset)
        return net_xp_fail_with(t, NET_XP_F_RESET, "connection reset");
    if (p->closed)
        return 0;
    if (t->edge_reads && !t->readable)
        return NET_XP_WANT_READ;
    const net_mem_step *s = current(p);
    if (!s || s->op == NET_MEM_STALL) {
        p->stalled = 1;
        t->readable = 0;
        return NET_XP_WANT_READ;
    }
    if (s->op == NET_MEM_CLOSE) {
        p->closed = 1;
        return 0;
    }
    if (s->op == NET_MEM_RESET) {
        p->reset = 1;
        return net_xp_fail_with(t, NET_XP_F_RESET, "connection reset");
    }
    size_t n = s->len - p->offset;
    if (n > len)
        n = len;
    if (p->read_max && n > p->read_max)
        n = p->read_max;
    if (n > 0x7fffffff)
        n = 0x7fffffff;
    memcpy(buf, s->data + p->offset, n);
    p->offset += n;
    if (n < len)
        t->readable = 0;
    return (int)n;
}

static int mem_write(net_transport *t, const void *buf, size_t len)
{
    net_mem_peer *p = peer(t);
    const net_mem_step *s = current(p);
    if (p->reset || (s && s->op == NET_MEM_RESET)) {
        p->reset = 1;
        return net_xp_fail_with(t, NET_XP_F_RESET, "connection reset");
    }
    char *w = realloc(p->written, p->n_written + len + 1);
    if (!w)
        return net_xp_fail_with(t, NET_XP_F_OTHER, "out of memory");
    memcpy(w + p->n_written, buf, len);
    p->n_written += len;
    w[p->n_written] = '\0';
    p->written = w;
    return len > 0x7fffffff ? 0x7fffffff : (int)len;
}

static int mem_write_all(net_transport *t, const void *buf, size_t len, int64_t deadline_ns)
{
    (void)deadline_ns;
    /* one write takes everything (up to 2 GB, far beyond any test) */
    return mem_write(t, buf, len) == (int)len ? 0 : -1;
}

static ssize_t mem_read_wait(net_transport *t, void *buf, size_t len, int64_t deadline_ns)
{
    (void)deadline_ns;
    t->readable = 1;
    int n = mem_read(t, buf, len);
    if (n >= 0)
        return n;
    if (n == NET_XP_WANT_READ)
        net_xp_fail_with(t, NET_XP_F_TIMEOUT, "timed out waiting for the response");
    return -1;
}

static void mem_close(net_transport *t, int rst)
{
    net_mem_peer *p = peer(t);
    p->closes++;
    p->close_rst = rst;
}

static const net_transport_ops mem_ops = {
    .name = "mem",
    .handshake = mem_handshake,
    .read = mem_read,
    .write = mem_write,
    .write_all = mem_write_all,
    .read_wait = mem_read_wait,
    .edge_reads = net_xp_own_edge_reads,
    .readable = net_xp_own_readable,
    .peer_closed = net_xp_own_peer_closed,
    .failure = net_xp_own_failure,
    .close_keep = mem_close,
    .close = mem_close,
};

void net_mem_transport(net_transport *t, net_mem_peer *p, const net_mem_step *steps, size_t n_steps)
{
    memset(p, 0, sizeof *p);
    p->steps = steps;
    p->n_steps = n_steps;
    net_transport_bind(t, &mem_ops, p, -1);
}

void net_mem_peer_free(net_mem_peer *p)
{
    free(p->written);
    p->written = NULL;
    p->n_written = 0;
}
