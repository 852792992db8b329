/* The load worker's state machine. Each slot runs one transaction at a time:
 * connect, TLS handshake, (a ticket wait when resuming TLS 1.3 in handshake
 * mode), request, response; with --http2 the connection's streams take over
 * after the handshake (h2drive.c). Every read, write, wait for readiness
 * and close goes through the slot's net_transport (plain TCP while
 * connecting, TLS after), never to the kind under it; responses are read
 * by http-parser (http_load_reader), nothing allocated per response. Slots
 * are allocated once; every read goes to the worker's one buffer and is
 * consumed at once. What starts next is schedule.c's business. */
#define _DEFAULT_SOURCE
#include "load/worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/h2session.h"
#include "util/str.h"
#include "util/timeutil.h"


#define TICKET_WAIT_NS (200 * 1000000LL)




static int64_t now_ns(void)
{
    return tm_mono_ns();
}

/* Each socket is registered with the event loop once, edge-triggered for
 * reading and the peer's FIN, and stays registered until it closes: waiting
 * again or with a new deadline changes only what the slot wants and its
 * timer, never the kernel's interest list. Writability joins the interest
 * list only when a write would block (rare: the ClientHello goes out right
 * after connect, see worker_launch), since registering a writable socket for
 * it wakes the loop at once for nothing. Edges for what the slot does not
 * wait for are dropped; that is safe because every step tries its I/O before
 * it waits, so a wait always follows an EAGAIN. */
void worker_arm(slot *s, short what, int64_t timeout_ns)
{
    struct timeval tv = { (time_t)(timeout_ns / 1000000000LL),
                          (suseconds_t)((timeout_ns % 1000000000LL) / 1000) };
    s->want = what;
    s->ev_until = now_ns() + timeout_ns;
    short dirs = (short)(EV_READ | (what & EV_WRITE) | (s->ev_fd == s->fd ? s->ev_what & EV_WRITE : 0));
    if (s->ev_fd != s->fd || dirs != s->ev_what) {
        if (s->ev_fd >= 0)
            event_del(s->ev);
        event_assign(s->ev, s->w->base, s->fd, dirs | EV_CLOSED | EV_ET | EV_PERSIST, worker_slot_cb, s);
        s->ev_fd = s->fd;
        s->ev_what = dirs;
    }
    event_add(s->ev, &tv);
}

/* The socket is about to close (or the slot stops): unregister it. */
void worker_disarm(slot *s)
{
    if (s->ev_fd >= 0)
        event_del(s->ev);
    s->ev_fd = -1;
    s->want = 0;
    s->ev_until = 0;
}

/* Nothing to wait for, but the connection stays open (an idle keep-alive
 * connection): no deadline, edges ignored, the registration kept. */
void worker_idle(slot *s)
{
    if (s->ev_fd >= 0)
        event_remove_timer(s->ev);
    s->want = 0;
    s->ev_until = 0;
}

/* Starts a step (connect, handshake, write, read) with its own deadline. */
static void begin_step(slot *s)
{
    s->deadline = now_ns() + s->w->c->timeout_ns;
}

/* Waits for the socket until the step's deadline, however many bytes a
 * slow peer trickles in meanwhile. */
static void arm_step(slot *s, short what)
{
    int64_t left = s->deadline - now_ns();
    worker_arm(s, what, left > 0 ? left : 0);
}

int worker_measured(const worker *w, int64_t t)
{
    return t >= w->sh->warm_end;
}

static void count_second(worker *w, int ok, int64_t total_ns)
{
    int64_t sec = (now_ns() - w->sh->warm_end) / 1000000000LL;
    if (sec < 0)
        return;
    int i = load_series_entry(&w->series, sec);
    int ci = ok ? hist_index_of(total_ns) >> 2 : 0;
    if (ok) {
        w->series.ok[i]++;
        w->series.hist[i][ci]++;
    } else {
        w->series.err[i]++;
    }
    /* the progress line reads the last full second from another thread */
    int k = (int)(sec & 3);
    if (atomic_load_explicit(&w->live_tag[k], memory_order_acquire) != sec) {
        for (int j = 0; j < COARSE; j++)
            atomic_store_explicit(&w->live_hist[k][j], 0, memory_order_relaxed);
        atomic_store_explicit(&w->live_tag[k], sec, memory_order_release);
    }
    if (ok)
        atomic_store_explicit(&w->live_hist[k][ci],
                              atomic_load_explicit(&w->live_hist[k][ci], memory_order_relaxed) + 1,
                              memory_order_relaxed);
}

/* Stages: the result of the stage the transaction was meant to start in. */
static load_stage_result *stage_of(worker *w, int64_t intended)
{
    if (!w->stage_r)
        return NULL;
    /* the schedule's last arrival falls on the stages' very end: it is the
     * last stage's */
    int i = load_stages_index(w->c->stages, w->c->n_stages, intended - w->sh->warm_end);
    return &w->stage_r[i < w->c->n_stages ? i : w->c->n_stages - 1];
}

void worker_close_conn(slot *s, int rst)
{
    worker_disarm(s);
    if (s->fd >= 0)
        net_xp_close_keep(&s->xp, rst); /* a TLS connection's object stays for the next one */
    s->have_conn = 0;
    s->fd = -1;
}

static const char *state_name(int state)
{
    static const char *const n[] = { "idle", "connect", "handshake", "ticket wait", "request write",
                                     "response read" };
    return state >= 0 && state <= S_READ ? n[state] : "?";
}

/* Keeps the first distinct messages (fixed slots, no allocation), counts
 * repeats, and with -v prints up to ten a second. Runs on errors only. */
static void note_error(worker *w, load_error cls, const char *text, int counted)
{
    load_result *r = &w->r;
    if (counted) {
        int i;
        for (i = 0; i < r->n_samples; i++)
            if (r->samples[i].cls == cls && strcmp(r->samples[i].text, text) == 0)
                break;
        if (i < r->n_samples) {
            r->samples[i].count++;
        } else if (r->n_samples < LOAD_MAX_SAMPLES) {
            load_error_sample *sm = &r->samples[r->n_samples++];
            sm->cls = cls;
            snprintf(sm->text, sizeof sm->text, "%s", text);
            sm->count = 1;
        }
    }
    if (w->c->verbose) {
        int64_t sec = now_ns() / 1000000000LL;
        if (sec != w->verbose_sec) {
            w->verbose_sec = sec;
            w->verbose_n = 0;
        }
        if (w->verbose_n++ < 10)
            fprintf(stderr, "load: worker %d: %s: %s\n", w->id, load_error_name(cls, w->c->proto), text);
    }
}

static void fail_text(slot *s, load_error cls, int alert, int status, const char *text);

static void fail(slot *s, load_error cls, int alert, int status)
{
    char text[160];
    if (cls == LE_APP_REFUSED)
        snprintf(text, sizeof text, "HTTP status %d", status);
    else if (cls == LE_TIMEOUT || cls == LE_CONNECT_TIMEOUT)
        snprintf(text, sizeof text, "%s not done within %.1f s", state_name(s->connect_pending ? S_CONNECT : s->state),
                 (double)s->w->c->timeout_ns / 1e9);
    else if (cls == LE_CLOSED)
        snprintf(text, sizeof text, "peer closed the connection in %s", state_name(s->connect_pending ? S_CONNECT : s->state));
    else
        snprintf(text, sizeof text, "%s in %s", load_error_name(cls, s->w->c->proto), state_name(s->connect_pending ? S_CONNECT : s->state));
    fail_text(s, cls, alert, status, text);
}

void worker_count_error(worker *w, int64_t intended, load_error cls, int alert, int status, const char *text)
{
    note_error(w, cls, text, worker_measured(w, intended));
    if (worker_measured(w, intended)) {
        w->r.errors++;
        w->r.by_class[cls]++;
        load_stage_result *sr = stage_of(w, intended);
        if (sr)
            sr->errors++;
        if (alert >= 0 && alert < 256)
            w->r.alerts[alert]++;
        if (status > 0 && status < 1000)
            w->r.statuses[status]++;
        count_second(w, 0, 0);
    }
    atomic_fetch_add_explicit(&w->live_err, 1, memory_order_relaxed);
}

/* A handshake that failed on a signature the client refused: counted, and
 * the first ones kept with the server's certificate as it was sent. */
static void keep_sig_failure(slot *s)
{
    worker *w = s->w;
    tls_sig_failure f;
    if (!tls_client_take_sig_failure(&w->client, &f))
        return;
    w->r.sig_failures++;
    if (w->r.n_sig_kept == LOAD_MAX_SIG_FAILURES)
        return;
    load_sig_failure *k = &w->r.sig_kept[w->r.n_sig_kept++];
    memset(k, 0, sizeof *k);
    k->sig = f;
    const uint8_t *der[1];
    size_t len[1];
    if (tls_conn_peer_chain(&s->tls, der, len, 1) == 1 && len[0] <= sizeof k->server_cert) {
        memcpy(k->server_cert, der[0], len[0]);
        k->server_cert_len = len[0];
    }
    str_copy(k->tls_version, sizeof k->tls_version, s->tls.out.version);
}

static void fail_text(slot *s, load_error cls, int alert, int status, const char *text)
{
    if (s->ssl_ready)
        keep_sig_failure(s);
    /* a target that refuses connections is not hammered: see worker_backoff_ns */
    if (cls == LE_CONNECT_REFUSED || cls == LE_CONNECT_OTHER || cls == LE_CONNECT_TIMEOUT)
        s->refused++;
    else
        s->refused = 0;
    if (s->state == S_H2) {
        /* every stream on the connection ends with it */
        worker_h2_fail(s, cls, alert, text);
        return;
    }
    worker_count_error(s->w, s->intended, cls, alert, status, text);
    worker_close_conn(s, 1);
    if (s->ssl_ready) {
        /* a wolfSSL object that failed is not reused: start clean */
        tls_conn_close(&s->tls, 1);
        s->ssl_ready = 0;
    }
    worker_next_for_slot(s);
}

/* A refused connection, or another socket error named by errno (e.g. "Cannot
 * assign requested address" when one source address has no ports left). */
static void connect_failed(slot *s, int err)
{
    if (err == ECONNREFUSED) {
        fail(s, LE_CONNECT_REFUSED, -1, 0);
        return;
    }
    char text[256];
    snprintf(text, sizeof text, "connect: %s%s", mp_strerror(err).s,
             err == EADDRNOTAVAIL ? " (no ephemeral port left: --source spreads connections over more addresses)" : "");
    fail_text(s, LE_CONNECT_OTHER, -1, 0, text);
}

/* The transport said NET_XP_FAILED: count why. */
static void fail_xp(slot *s)
{
    net_xp_failure f;
    net_xp_failure_of(&s->xp, &f);
    char text[160];
    snprintf(text, sizeof text, "%.139s (in %s)", f.text, state_name(s->connect_pending ? S_CONNECT : s->state));
    switch (f.kind) {
    case NET_XP_F_ALERT: fail_text(s, LE_ALERT, f.alert, 0, text); break;
    case NET_XP_F_VERIFY: fail_text(s, LE_VERIFY, -1, 0, text); break;
    case NET_XP_F_RESET: fail_text(s, LE_RESET, -1, 0, text); break;
    case NET_XP_F_CLOSED: fail_text(s, LE_CLOSED, -1, 0, text); break;
    case NET_XP_F_TIMEOUT: fail_text(s, LE_TIMEOUT, -1, 0, text); break;
    default: fail_text(s, LE_TLS_OTHER, -1, 0, text); break;
    }
}

/* A transaction ended well: record its phases. */
void worker_succeed(slot *s, int64_t end)
{
    worker *w = s->w;
    s->refused = 0;
    if (worker_measured(w, s->intended)) {
        w->r.ok++;
        if (s->new_conn) {
            hist_record(&w->r.connect, s->connected - s->start);
            hist_record(&w->r.handshake, s->hs_done - s->connected);
            if (s->resuming) {
                w->r.resume_attempts++;
                w->r.resumed += (uint64_t)s->tls.out.resumed;
            }
        }
        if (s->first_byte)
            hist_record(&w->r.ttfb, s->first_byte - s->req_sent);
        hist_record(&w->r.total, end - s->intended);
        hist_record(&w->r.total_uncorrected, end - s->start);
        count_second(w, 1, end - s->intended);
        load_stage_result *sr = stage_of(w, s->intended);
        if (sr) {
            sr->ok++;
            if (s->new_conn) {
                hist_record(&sr->connect, s->connected - s->start);
                hist_record(&sr->handshake, s->hs_done - s->connected);
            }
            if (s->first_byte)
                hist_record(&sr->ttfb, s->first_byte - s->req_sent);
            hist_record(&sr->total, end - s->intended);
            hist_record(&sr->total_uncorrected, end - s->start);
        }
    }
    atomic_fetch_add_explicit(&w->live_ok, 1, memory_order_relaxed);
}

void worker_share_session(slot *s)
{
    if (s->w->c->mode == LOAD_KEEPALIVE && s->w->c->resume_ratio <= 0 && s->have_conn)
        tls_conn_share_session(&s->tls, &s->w->shared);
}

void worker_keep_session(slot *s)
{
    if (s->w->c->resume_ratio <= 0 || !s->have_conn)
        return;
    /* Keep the session of the last full handshake: replacing it with each
     * resumption's new ticket builds one endless ticket chain, which some
     * servers refuse after a while (wolfSSL: "session ticket nonce
     * overflow" after about a thousand). */
    if (s->session && s->tls.out.resumed)
        return;
    tls_session *sess = tls_conn_session(&s->tls);
    if (!sess)
        return;
    tls_session_free(s->session);
    s->session = sess;
    s->session_ident = s->ident; /* a resumption presents the same identity */
}

static void start_request(slot *s)
{
    const load_config *c = s->w->c;
    s->req_off = 0;
    s->first_byte = 0;
    s->out = c->request;
    s->out_len = c->request_len;
    if (c->proto == PROTO_MQTT) {
        mqtt_reader_init(&s->mq, 1u << 16);
        if (s->mq_ready) { /* publish mode: the next PUBLISH on the connection */
            s->mq_id = (uint16_t)(s->mq_id % 65535 + 1);
            const char *body = c->mqtt_body ? c->mqtt_body : "";
            size_t n = mqtt_publish_encode(c->mqtt_version, c->mqtt_topic, 1, s->mq_id, (const uint8_t *)body,
                                           strlen(body), s->mq_out, sizeof s->mq_out);
            s->out = (const char *)s->mq_out;
            s->out_len = n;
        }
    } else if (c->proto == PROTO_TLS) {
        s->tail_len = 0;
    } else {
        http_load_reader_init(&s->resp);
    }
    s->req_sent = now_ns();
    s->state = S_WRITE;
    begin_step(s);
}

static void step(slot *s);

/* tls:// request mode: n bytes (0: the peer closed; FAILED) towards
 * --expect's. 0: more to read; 1: the transaction ended (counted). The
 * search keeps only the last expect_len - 1 bytes between reads. */
static int read_expected(slot *s, int n)
{
    worker *w = s->w;
    const load_config *c = w->c;
    if (n == NET_XP_FAILED) {
        fail_xp(s);
        return 1;
    }
    if (n == 0) {
        fail_text(s, LE_CLOSED, -1, 0, "the server closed the connection before --expect's bytes");
        return 1;
    }
    const uint8_t *p = (const uint8_t *)w->buf;
    size_t m = c->expect_len;
    for (size_t i = 0; i < (size_t)n; i++) {
        /* tail holds the last bytes, at most m: compare when it is full */
        if (s->tail_len == m) {
            memmove(s->tail, s->tail + 1, m - 1);
            s->tail_len--;
        }
        s->tail[s->tail_len++] = p[i];
        if (s->tail_len == m && memcmp(s->tail, c->expect, m) == 0) {
            worker_succeed(s, now_ns());
            worker_keep_session(s);
            worker_close_conn(s, 0);
            worker_next_for_slot(s);
            return 1;
        }
    }
    return 0;
}

/* Publish mode: the broker's PUBACK for the slot's PUBLISH. 1 when the
 * transaction ended (counted), 0 when the packet was not for it. */
static int got_puback(slot *s, const mqtt_packet *pkt)
{
    worker *w = s->w;
    mqtt_puback ack;
    const char *why = NULL;
    char text[160];
    if (pkt->type == MQTT_PINGRESP)
        return 0;
    if (pkt->type != MQTT_PUBACK || mqtt_puback_decode(w->c->mqtt_version, pkt, &ack, &why) != 0) {
        snprintf(text, sizeof text, "malformed PUBACK: %s", why ? why : mqtt_packet_name(pkt->type));
        fail_text(s, LE_APP_MALFORMED, -1, 0, text);
        return 1;
    }
    if (ack.packet_id != s->mq_id) {
        snprintf(text, sizeof text, "PUBACK for packet %u, not %u", ack.packet_id, s->mq_id);
        fail_text(s, LE_APP_MALFORMED, -1, 0, text);
        return 1;
    }
    if (!mqtt_puback_ok(ack.code)) {
        snprintf(text, sizeof text, "PUBACK 0x%02x %s", ack.code, mqtt_puback_name(ack.code));
        fail_text(s, LE_APP_REFUSED, -1, 0, text);
        return 1;
    }
    worker_succeed(s, now_ns());
    if (s->new_conn)
        worker_share_session(s);
    s->new_conn = 0; /* the next PUBLISH reuses the connection */
    worker_next_for_slot(s);
    return 1;
}

/* MQTT: n bytes from the broker (0: it closed; FAILED: the transport
 * failed) towards the CONNACK, then in publish mode each PUBACK. 0: more to
 * read (or, publish mode, the PUBLISH to write); 1: the transaction ended
 * (counted, the slot moved on). A refused CONNACK is an error of the
 * application (LE_APP_REFUSED) with its code; in connect mode an accepted
 * one is answered with DISCONNECT and the connection closed (a device that
 * reconnects); in publish mode the connection's first PUBLISH follows. */
static int read_connack(slot *s, int n)
{
    worker *w = s->w;
    if (n == NET_XP_FAILED) {
        fail_xp(s);
        return 1;
    }
    if (n == 0) {
        fail_text(s, LE_CLOSED, -1, 0, "the broker closed the connection before a CONNACK");
        return 1;
    }
    const uint8_t *p = (const uint8_t *)w->buf;
    size_t left = (size_t)n;
    while (left) {
        size_t used = 0;
        mqtt_packet pkt;
        int st = mqtt_reader_feed(&s->mq, p, left, &used, &pkt);
        p += used;
        left -= used;
        if (st < 0) {
            fail_text(s, LE_APP_MALFORMED, -1, 0, "malformed MQTT from the broker");
            return 1;
        }
        if (st == 0)
            return 0;
        if (s->mq_ready) {
            if (got_puback(s, &pkt))
                return 1;
            continue;
        }
        mqtt_connack ack;
        const char *why = NULL;
        char text[160];
        if (pkt.type != MQTT_CONNACK || mqtt_connack_decode(w->c->mqtt_version, &pkt, &ack, &why) != 0) {
            snprintf(text, sizeof text, "malformed CONNACK: %s", why ? why : mqtt_packet_name(pkt.type));
            fail_text(s, LE_APP_MALFORMED, -1, 0, text);
            return 1;
        }
        if (ack.code != 0) {
            snprintf(text, sizeof text, "CONNACK 0x%02x %s", ack.code, mqtt_connack_name(w->c->mqtt_version, ack.code));
            fail_text(s, LE_APP_REFUSED, -1, 0, text);
            return 1;
        }
        if (w->c->mode == LOAD_KEEPALIVE) { /* publish mode: the first PUBLISH, the same transaction */
            s->mq_ready = 1;
            worker_keep_session(s);
            start_request(s);
            return 0;
        }
        worker_succeed(s, now_ns());
        worker_keep_session(s);
        uint8_t bye[4];
        size_t bl = mqtt_disconnect_encode(w->c->mqtt_version, bye, sizeof bye);
        if (bl)
            (void)net_xp_write(&s->xp, bye, bl); /* best effort: the close follows */
        worker_close_conn(s, 0);
        worker_next_for_slot(s);
        return 1;
    }
    return 0;
}

/* The TCP connection is up (or about to be): the TLS connection takes the
 * socket over and the handshake begins. Returns -1 when it cannot start
 * (counted). */
static int start_tls(slot *s)
{
    worker *w = s->w;
    tls_conn_opts co = { .sni = w->c->sni[0] ? w->c->sni : NULL,
                         .resume = s->resuming ? s->session : NULL,
                         .alpn = w->c->http2 ? "h2" : NULL };
    if (w->c->fleet) {
        co.identity = &w->c->fleet->members[s->ident];
        co.identity_pem = w->c->fleet->pem;
    }
    mp_err e;
    /* the TLS connection takes the socket over, and closes it when it
     * cannot start (the fd-ownership rule, tls/tls.h): s->fd is then -1 */
    int rc = s->ssl_ready ? tls_conn_reuse(&s->tls, &w->client, s->fd, &co, &e)
                          : tls_conn_init(&s->tls, &w->client, s->fd, &co, &e);
    s->ssl_ready = tls_conn_has_tls(&s->tls);
    tls_transport(&s->xp, &s->tls);
    s->fd = s->tls.fd;
    s->have_conn = 1;
    if (rc != 0) {
        char text[160];
        snprintf(text, sizeof text, "cannot start TLS: %.140s", e.msg);
        fail_text(s, LE_TLS_OTHER, -1, 0, text);
        return -1;
    }
    net_xp_edge_reads(&s->xp); /* edge-triggered: see worker_arm */
    s->state = S_HANDSHAKE;
    if (!s->connect_pending)
        begin_step(s);
    return 0;
}

static void handshake_done(slot *s)
{
    worker *w = s->w;
    s->hs_done = now_ns();
    if (w->c->mode == LOAD_HANDSHAKE) {
        if (strcmp(s->tls.out.version, "TLSv1.3") == 0) {
            /* In TLS 1.3 the client is done before the server has judged its
             * certificate: the handshake counts once the server's first
             * record (a session ticket) arrives, and fails on its alert. */
            s->state = S_TICKET;
            step(s); /* the ticket may have come with the server's Finished */
            return;
        }
        worker_succeed(s, s->hs_done);
        worker_keep_session(s);
        worker_close_conn(s, w->c->close_rst);
        worker_next_for_slot(s);
        return;
    }
    if (w->c->http2) {
        worker_h2_start(s);
        return;
    }
    start_request(s);
    step(s);
}

static void step(slot *s)
{
    worker *w = s->w;
    for (;;) {
        switch (s->state) {
        case S_HANDSHAKE: {
            int st = net_xp_handshake(&s->xp);
            if (s->connect_pending && st != NET_XP_WANT_WRITE) {
                if (st == NET_XP_FAILED && s->tls.io_errno) {
                    connect_failed(s, s->tls.io_errno); /* e.g. refused */
                    return;
                }
                if (st != NET_XP_FAILED) { /* the ClientHello is out: connected */
                    s->connect_pending = 0;
                    begin_step(s);
                }
            }
            if (st == NET_XP_WANT_READ) { arm_step(s, EV_READ); return; }
            if (st == NET_XP_WANT_WRITE) { arm_step(s, EV_WRITE); return; }
            if (st != 0) { fail_xp(s); return; }
            handshake_done(s);
            return;
        }
        case S_TICKET: {
            int n = net_xp_read(&s->xp, s->w->buf, sizeof s->w->buf);
            if (n == NET_XP_FAILED) { fail_xp(s); return; }
            if (n == 0) { fail(s, LE_CLOSED, -1, 0); return; }
            if (n == NET_XP_WANT_READ && !tls_conn_session_has_ticket(&s->tls)) {
                worker_arm(s, EV_READ, TICKET_WAIT_NS);
                return;
            }
            s->hs_done = now_ns();
            worker_succeed(s, s->hs_done);
            worker_keep_session(s);
            worker_close_conn(s, w->c->close_rst);
            worker_next_for_slot(s);
            return;
        }
        case S_WRITE: {
            int n = net_xp_write(&s->xp, s->out + s->req_off, s->out_len - s->req_off);
            if (n == NET_XP_WANT_WRITE) { arm_step(s, EV_WRITE); return; }
            if (n == NET_XP_WANT_READ) { arm_step(s, EV_READ); return; }
            if (n <= 0) { fail_xp(s); return; }
            s->req_off += (size_t)n;
            if (s->req_off == s->out_len) {
                s->state = S_READ;
                begin_step(s);
            }
            break;
        }
        case S_READ: {
            int n = net_xp_read(&s->xp, s->w->buf, sizeof s->w->buf);
            if (w->c->proto != PROTO_HTTP && n != NET_XP_WANT_READ && n != NET_XP_WANT_WRITE) {
                if (!s->first_byte && n > 0)
                    s->first_byte = now_ns();
                if ((w->c->proto == PROTO_MQTT ? read_connack(s, n) : read_expected(s, n)) == 0)
                    break;
                return;
            }
            if (n == NET_XP_WANT_READ) { arm_step(s, EV_READ); return; }
            if (n == NET_XP_WANT_WRITE) { arm_step(s, EV_WRITE); return; }
            if (!s->first_byte && n > 0)
                s->first_byte = now_ns();
            int rc;
            if (n > 0) {
                rc = http_load_reader_feed(&s->resp, s->w->buf, (size_t)n);
            } else if (n == 0) {
                /* the close ends a body delimited by it, and nothing else */
                if (http_load_reader_eof(&s->resp) != 1) {
                    fail(s, LE_CLOSED, -1, 0);
                    return;
                }
                rc = 1;
            } else {
                fail_xp(s);
                return;
            }
            if (rc < 0) { fail(s, LE_APP_MALFORMED, -1, 0); return; }
            if (rc == 0)
                break;
            int64_t end = now_ns();
            int status = s->resp.status;
            if (status < 200 || status > 299) {
                fail(s, LE_APP_REFUSED, -1, status);
                return;
            }
            worker_succeed(s, end);
            worker_keep_session(s);
            if (s->new_conn)
                worker_share_session(s);
            if (w->c->mode == LOAD_KEEPALIVE && s->resp.keep_alive && !w->stopping) {
                /* the next request reuses the connection */
                s->new_conn = 0;
                worker_next_for_slot(s);
                return;
            }
            worker_close_conn(s, 0);
            worker_next_for_slot(s);
            return;
        }
        case S_H2:
            worker_h2_pump(s);
            return;
        default:
            return;
        }
    }
}

void worker_slot_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    slot *s = arg;
    if ((what & EV_READ) && s->fd >= 0)
        net_xp_readable(&s->xp);
    if ((what & EV_CLOSED) && s->fd >= 0)
        net_xp_peer_closed(&s->xp); /* a FIN that came with the last data brings no edge of its own */
    if (!(what & EV_TIMEOUT) && !(what & s->want)) {
        /* an edge the slot does not wait for: keep the wait's deadline (a
         * persistent event's activation restarts its timer) */
        if (s->ev_until) {
            int64_t left = s->ev_until - now_ns();
            struct timeval tv = { (time_t)((left > 0 ? left : 0) / 1000000000LL),
                                  (suseconds_t)(((left > 0 ? left : 0) % 1000000000LL) / 1000) };
            event_add(s->ev, &tv);
        } else if (s->ev_fd >= 0) {
            event_remove_timer(s->ev);
        }
        return;
    }
    if (what & EV_TIMEOUT) {
        if (s->state == S_CONNECT || s->connect_pending) { fail(s, LE_CONNECT_TIMEOUT, -1, 0); return; }
        if (s->state == S_TICKET) { /* no ticket and no alert: the server accepted */
            s->hs_done = now_ns();
            worker_succeed(s, s->hs_done);
            worker_close_conn(s, s->w->c->close_rst);
            worker_next_for_slot(s);
            return;
        }
        if (s->state == S_H2) {
            char text[96];
            snprintf(text, sizeof text, "HTTP/2 stream not done within %.1f s", (double)s->w->c->timeout_ns / 1e9);
            worker_h2_fail(s, LE_TIMEOUT, -1, text);
            return;
        }
        fail(s, LE_TIMEOUT, -1, 0);
        return;
    }
    if (s->connect_pending && (what & EV_WRITE))
        s->connected = now_ns(); /* the ClientHello waited for the connection */
    step(s);
}

/* Starts one transaction: a new connection, or the next request on an open
 * keep-alive connection. */
static void launch(slot *s, int64_t intended);

/* A launch can end at once (a refused connection): the slot it frees is
 * relaunched from the event loop, not from inside this call, so a gateway
 * that refuses everything cannot grow the stack without bound. */
void worker_launch(slot *s, int64_t intended)
{
    s->w->launching++;
    launch(s, intended);
    s->w->launching--;
}

static void relaunch_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    slot *s = arg;
    worker_launch(s, s->relaunch_at);
}

void worker_launch_later(slot *s, int64_t intended)
{
    struct timeval now = { 0, 0 };
    worker_disarm(s);
    s->relaunch_at = intended;
    event_assign(s->ev, s->w->base, -1, 0, relaunch_cb, s);
    event_add(s->ev, &now);
}

int64_t worker_backoff_ns(const slot *s)
{
    if (s->refused <= 0)
        return 0;
    int64_t d = WORKER_BACKOFF_FIRST_NS;
    for (int k = 1; k < s->refused && d < WORKER_BACKOFF_MAX_NS; k++)
        d *= 2;
    return d < WORKER_BACKOFF_MAX_NS ? d : WORKER_BACKOFF_MAX_NS;
}

static void backoff_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    slot *s = arg;
    worker *w = s->w;
    s->backing_off = 0;
    w->backing_off--;
    if (w->stopping && !w->c->count)
        return; /* the run is over; a count-bound one still owes this launch */
    worker_launch(s, now_ns());
}

void worker_launch_after(slot *s, int64_t delay_ns)
{
    struct timeval tv = { (time_t)(delay_ns / 1000000000LL), (suseconds_t)((delay_ns % 1000000000LL) / 1000) };
    worker_disarm(s);
    s->backing_off = 1;
    s->w->backing_off++;
    event_assign(s->ev, s->w->base, -1, 0, backoff_cb, s);
    event_add(s->ev, &tv);
}

static void launch(slot *s, int64_t intended)
{
    worker *w = s->w;
    w->active++; /* undone once, when the slot goes idle (next_for_slot) */
    s->intended = intended;
    s->start = now_ns();
    s->first_byte = 0;
    if (s->have_conn && w->c->mode == LOAD_KEEPALIVE) {
        start_request(s);
        step(s);
        return;
    }
    s->new_conn = 1;
    s->mq_ready = 0;
    s->resuming = 0;
    if (w->c->resume_ratio > 0 && s->session) {
        double r = w->c->resume_ratio;
        uint64_t k = w->resume_k++;
        s->resuming = (uint64_t)((double)(k + 1) * r) > (uint64_t)((double)k * r);
    }
    if (w->c->fleet) {
        if (s->resuming) {
            s->ident = s->session_ident;
        } else {
            s->ident = (int)(w->fleet_k % w->c->fleet->n);
            w->fleet_k += (uint64_t)w->c->threads;
            w->fleet_conns++;
        }
    }
    s->state = S_CONNECT;
    int fd = socket(w->c->addr.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        s->fd = -1;
        connect_failed(s, errno);
        return;
    }
    int one = 1;
    /* In handshake mode every client flight follows a segment of the
     * server's that acknowledges the previous one, and the last (close_notify)
     * is pushed by close: Nagle never holds anything back, and the option
     * would be one more system call per connection. */
    if (w->c->mode != LOAD_HANDSHAKE)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    net_tcp_transport(&s->xp, fd);
    s->fd = fd;
    if (w->c->n_sources > 0) {
        /* the port is chosen at connect time, per destination: each source
         * address has a whole ephemeral range of its own */
        const net_addr *src = &w->c->sources[w->src_k % (uint64_t)w->c->n_sources];
        w->src_k += (uint64_t)w->c->threads;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (const struct sockaddr *)&src->ss, src->len) != 0) {
            char text[256];
            snprintf(text, sizeof text, "cannot bind the source address %s: %s", src->text, mp_strerror(errno).s);
            fail_text(s, LE_CONNECT_OTHER, -1, 0, text);
            return;
        }
    }
    int rc = connect(fd, (const struct sockaddr *)&w->c->addr.ss, w->c->addr.len);
    if (rc == 0 || errno == EINPROGRESS) {
        /* A gateway on loopback or nearby has usually completed the TCP
         * handshake by now: the ClientHello goes out at once, which saves
         * waiting for writability. If the socket is still connecting, the
         * send would block and the handshake waits for writability, as a
         * connect would; until the first flight is out, a failure or the
         * deadline counts as the connect's. */
        begin_step(s);
        s->connected = now_ns();
        s->connect_pending = rc != 0;
        if (start_tls(s) == 0)
            step(s);
        return;
    }
    connect_failed(s, errno);
}
