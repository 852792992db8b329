/* The load worker's HTTP/2 side: after the TLS handshake a slot's
 * connection carries up to --streams concurrent streams, each counted as a
 * transaction of its own (time to first byte per stream, total from its
 * intended start). The one decision: the slot stays in S_H2 while its
 * connection lives; streams, not slots, are what is in flight, so `active`
 * counts streams and a failed connection fails each stream it carried. */
#define _DEFAULT_SOURCE
#include "load/worker.h"

#include <stdio.h>
#include <string.h>

#include "http/h2session.h"
#include "util/timeutil.h"

static int streams_of(const worker *w)
{
    return w->c->mode == LOAD_KEEPALIVE ? w->c->streams : 1;
}

static void on_headers(void *arg, void *stream_data, int status)
{
    (void)arg;
    h2_stream *st = stream_data;
    if (!st->first_byte)
        st->first_byte = tm_mono_ns();
    st->status = status;
}

static void on_closed(void *arg, void *stream_data, int ok)
{
    (void)arg;
    h2_stream *st = stream_data;
    slot *s = st->s;
    worker *w = s->w;
    int64_t end = tm_mono_ns();
    if (ok && st->status >= 200 && st->status <= 299) {
        /* the slot's fields describe this stream while it is recorded */
        s->intended = st->intended;
        s->start = st->start;
        s->req_sent = st->sent;
        s->first_byte = st->first_byte;
        s->new_conn = st->new_conn;
        worker_succeed(s, end);
        if (st->new_conn) {
            worker_keep_session(s); /* by now a TLS 1.3 ticket has come */
            worker_share_session(s);
        }
    } else if (ok) {
        char text[64];
        snprintf(text, sizeof text, "HTTP status %d", st->status);
        worker_count_error(w, st->intended, LE_APP_REFUSED, -1, st->status, text);
    } else {
        worker_count_error(w, st->intended, LE_RESET, -1, 0, "HTTP/2 stream reset by the peer");
    }
    st->used = 0;
    w->active--;
}

static h2_stream *free_stream(slot *s)
{
    int n = streams_of(s->w);
    for (int i = 0; i < n; i++)
        if (!s->streams[i].used)
            return &s->streams[i];
    return NULL;
}

static int add_stream(slot *s, int64_t intended, int64_t start, int new_conn)
{
    h2_stream *st = free_stream(s);
    if (!st)
        return -1;
    *st = (h2_stream){ .s = s, .used = 1, .new_conn = new_conn, .intended = intended, .start = start,
                       .sent = tm_mono_ns() };
    if (http_h2c_submit(s->h2, s->w->c->h2req, st) != 0) {
        st->used = 0;
        return -1;
    }
    return 0;
}

static int open_streams(const slot *s)
{
    int n = 0;
    for (int i = 0; i < streams_of(s->w); i++)
        n += s->streams[i].used;
    return n;
}

/* Closes the connection of a slot with no stream left, and lets the slot
 * start over (a new connection, when the run wants one). */
static void retire(slot *s)
{
    worker_close_conn(s, 0);
    http_h2c_free(s->h2);
    s->h2 = NULL;
    s->state = S_IDLE;
    worker_next_for_slot(s);
}

/* After streams ended: start more on the same connection or retire it. */
static void refill(slot *s)
{
    worker *w = s->w;
    if (w->c->mode != LOAD_KEEPALIVE || !http_h2c_usable(s->h2)) {
        if (open_streams(s) == 0)
            retire(s);
        return;
    }
    int cap = streams_of(w);
    if (w->interval_ns > 0) {
        while (open_streams(s) < cap && w->pend_n > 0 && !w->stopping) {
            int64_t when = w->pending[w->pend_head];
            w->pend_head = (w->pend_head + 1) % w->pend_cap;
            w->pend_n--;
            w->active++;
            if (add_stream(s, when, tm_mono_ns(), 0) != 0) {
                w->active--;
                break;
            }
        }
        if (open_streams(s) == 0 && w->stopping)
            retire(s);
        return;
    }
    while (open_streams(s) < cap && s->index < w->stage_conns && !w->stopping && worker_claim(w)) {
        w->active++;
        int64_t now = tm_mono_ns();
        if (add_stream(s, now, now, 0) != 0) {
            w->active--;
            break;
        }
    }
    if (open_streams(s) == 0)
        retire(s);
}

void worker_h2_start(slot *s)
{
    worker *w = s->w;
    if (strcmp(s->tls.out.alpn, "h2") != 0) {
        char text[96];
        snprintf(text, sizeof text, "the server did not choose HTTP/2 (ALPN %s)",
                 s->tls.out.alpn[0] ? s->tls.out.alpn : "none");
        worker_count_error(w, s->intended, LE_APP_MALFORMED, -1, 0, text);
        worker_close_conn(s, 1);
        worker_next_for_slot(s);
        return;
    }
    http_h2c_events ev = { on_headers, on_closed, s };
    mp_err e;
    http_h2c_free(s->h2);
    s->h2 = http_h2c_new(&ev, w->h2pool, &e);
    if (!s->h2 || add_stream(s, s->intended, s->start, 1) != 0) {
        worker_count_error(w, s->intended, LE_APP_MALFORMED, -1, 0, "cannot start an HTTP/2 stream");
        http_h2c_free(s->h2);
        s->h2 = NULL;
        worker_close_conn(s, 1);
        worker_next_for_slot(s); /* the slot's transaction ends here */
        return;
    }
    s->state = S_H2;
    refill(s);
    if (s->h2)
        worker_h2_pump(s);
}

/* The oldest open stream's deadline: a peer that trickles bytes on one
 * stream does not keep another alive. */
static int64_t stream_deadline(const slot *s)
{
    int64_t oldest = 0;
    for (int i = 0; i < streams_of(s->w); i++)
        if (s->streams[i].used && (!oldest || s->streams[i].sent < oldest))
            oldest = s->streams[i].sent;
    return oldest ? oldest + s->w->c->timeout_ns : 0;
}

void worker_h2_pump(slot *s)
{
    for (;;) {
        size_t len;
        const uint8_t *out = http_h2c_pending(s->h2, &len);
        if (out) {
            int n = net_xp_write(&s->xp, out, len);
            if (n == NET_XP_WANT_WRITE || n == NET_XP_WANT_READ) {
                int64_t d = stream_deadline(s);
                worker_arm(s, EV_READ | EV_WRITE, d ? (d > tm_mono_ns() ? d - tm_mono_ns() : 0) : 3600000000000LL);
                return;
            }
            if (n <= 0) {
                worker_h2_fail(s, LE_CLOSED, -1, "HTTP/2 connection failed while writing");
                return;
            }
            http_h2c_consumed(s->h2, (size_t)n);
            continue;
        }
        int n = net_xp_read(&s->xp, s->w->buf, sizeof s->w->buf);
        if (n == NET_XP_WANT_READ || n == NET_XP_WANT_WRITE)
            break;
        if (n == 0) {
            worker_h2_fail(s, LE_CLOSED, -1, "peer closed the HTTP/2 connection");
            return;
        }
        if (n < 0) {
            net_xp_failure f;
            char text[160];
            net_xp_failure_of(&s->xp, &f);
            snprintf(text, sizeof text, "%.139s (HTTP/2)", f.text);
            worker_h2_fail(s, f.kind == NET_XP_F_ALERT ? LE_ALERT : LE_TLS_OTHER, f.alert, text);
            return;
        }
        if (http_h2c_feed(s->h2, (const uint8_t *)s->w->buf, (size_t)n) != 0) {
            worker_h2_fail(s, LE_APP_MALFORMED, -1, "HTTP/2 protocol error from the peer");
            return;
        }
        refill(s);
        if (!s->h2)
            return; /* retired */
    }
    int64_t d = stream_deadline(s);
    /* an idle keep-alive connection waits for the schedule without a deadline */
    worker_arm(s, EV_READ, d ? (d > tm_mono_ns() ? d - tm_mono_ns() : 0) : 3600000000000LL);
}

void worker_h2_fail(slot *s, load_error cls, int alert, const char *text)
{
    worker *w = s->w;
    int counted = 0;
    for (int i = 0; i < streams_of(w); i++) {
        h2_stream *st = &s->streams[i];
        if (!st->used)
            continue;
        worker_count_error(w, st->intended, cls, counted ? -1 : alert, 0, text);
        counted = 1;
        st->used = 0;
        w->active--;
    }
    worker_close_conn(s, 1);
    tls_conn_close(&s->tls, 1);
    s->ssl_ready = 0;
    http_h2c_free(s->h2);
    s->h2 = NULL;
    s->state = S_IDLE;
    worker_next_for_slot(s);
}

int worker_h2_offer(worker *w, int64_t intended)
{
    if (w->c->mode != LOAD_KEEPALIVE)
        return 0;
    for (int k = 0; k < w->n_slots; k++) {
        slot *s = &w->slots[(w->cursor + k) % w->n_slots];
        if (s->state != S_H2 || !s->h2 || !http_h2c_usable(s->h2) || open_streams(s) >= w->c->streams)
            continue;
        w->cursor = (s->index + 1) % w->n_slots;
        w->active++;
        if (add_stream(s, intended, tm_mono_ns(), 0) != 0) {
            w->active--;
            continue;
        }
        worker_h2_pump(s);
        return 1;
    }
    return 0;
}

int worker_h2_in_flight(const slot *s, int64_t now, int64_t *sum_age, int64_t *max_age)
{
    int n = 0;
    for (int i = 0; i < streams_of(s->w); i++) {
        const h2_stream *st = &s->streams[i];
        if (!st->used || !worker_measured(s->w, st->intended))
            continue;
        int64_t age = now - st->intended;
        *sum_age += age;
        if (age > *max_age)
            *max_age = age;
        n++;
    }
    return n;
}
