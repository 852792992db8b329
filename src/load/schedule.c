/* The load worker's schedule and life: which slot starts the next
 * transaction (closed loop, open loop, stages), the end of the run and the
 * in-flight count, and the worker's thread. The one decision: the open loop
 * never waits for a slot; a due start that finds none waits in a fixed ring
 * (ten seconds of the schedule) and keeps its intended time, so latency
 * counts from when it was due. */
#define _DEFAULT_SOURCE
#include "load/worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/h2session.h"
#include "util/timeutil.h"

static int64_t now_ns(void)
{
    return tm_mono_ns();
}

int worker_claim(worker *w)
{
    if (w->stopping)
        return 0;
    if (w->c->count) {
        if (atomic_fetch_sub(&w->sh->remaining, 1) <= 0)
            return 0;
    }
    return 1;
}

/* A slot finished a transaction (or its connection): decide what it does next. */
void worker_next_for_slot(slot *s)
{
    worker *w = s->w;
    int keepalive_open = s->have_conn && w->c->mode == LOAD_KEEPALIVE;
    if (s->state != S_IDLE)
        w->active--;
    s->state = S_IDLE;
    worker_idle(s);
    if (w->interval_ns > 0) {
        if (w->pend_n > 0) {
            int64_t when = w->pending[w->pend_head];
            w->pend_head = (w->pend_head + 1) % w->pend_cap;
            w->pend_n--;
            if (w->launching)
                worker_launch_later(s, when);
            else
                worker_launch(s, when);
        }
        return; /* an open keep-alive connection waits for the schedule */
    }
    if (s->index < w->stage_conns && worker_claim(w)) {
        int64_t wait = worker_backoff_ns(s);
        if (wait > 0)
            worker_launch_after(s, wait); /* connects refused: do not spin on them */
        else if (w->launching)
            worker_launch_later(s, now_ns());
        else
            worker_launch(s, now_ns());
        return;
    }
    if (keepalive_open)
        worker_close_conn(s, 0);
}

/* Stages, closed loop: how many of this worker's slots run now; idle ones
 * under the target start, busy ones over it stop after their transaction. */
static void stage_conns_update(worker *w, int64_t now)
{
    if (!w->c->n_stages || w->interval_ns > 0)
        return;
    double total = load_stages_target(w->c->stages, w->c->n_stages, now - w->sh->warm_end);
    int max = w->c->connections;
    int n = (int)(total * (double)w->n_slots / (double)(max > 0 ? max : 1) + 0.5);
    w->stage_conns = n > w->n_slots ? w->n_slots : n;
    for (int i = 0; i < w->stage_conns && !w->stopping; i++)
        if (w->slots[i].state == S_IDLE && !w->slots[i].backing_off && worker_claim(w))
            worker_launch(&w->slots[i], now);
}

/* Round-robin from where the last search stopped, so an open-loop
 * keep-alive run spreads its requests over every connection (and opens
 * them all) instead of reusing the first few. */
static slot *free_slot(worker *w)
{
    for (int k = 0; k < w->n_slots; k++) {
        int i = (w->cursor + k) % w->n_slots;
        if (w->slots[i].state == S_IDLE) {
            w->cursor = (i + 1) % w->n_slots;
            return &w->slots[i];
        }
    }
    return NULL;
}

/* Open loop: start what is due, each at its intended time. */
static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    worker *w = arg;
    int64_t now = now_ns();
    while (w->next_due <= now && !w->stopping) {
        if (!worker_claim(w)) {
            w->stopping = 1;
            break;
        }
        slot *s = NULL;
        if (w->c->http2 && worker_h2_offer(w, w->next_due))
            ; /* a stream on an open connection */
        else if ((s = free_slot(w))) {
            worker_launch(s, w->next_due);
        } else if (w->pend_n < w->pend_cap) {
            w->pending[(w->pend_head + w->pend_n) % w->pend_cap] = w->next_due;
            w->pend_n++;
        } else if (worker_measured(w, w->next_due)) {
            w->r.errors++;
            w->r.by_class[LE_BACKLOG]++;
        }
        if (w->c->n_stages) {
            w->arrival_k += w->c->threads;
            int64_t t = load_stages_arrival(w->c->stages, w->c->n_stages, w->arrival_k);
            if (t < 0) {
                w->stopping = 1;
                break;
            }
            w->next_due = w->sh->warm_end + t;
        } else {
            w->next_due += (int64_t)w->interval_ns;
        }
    }
    if (!w->stopping) {
        int64_t wait = w->next_due - now_ns();
        if (wait < 0)
            wait = 0;
        struct timeval tv = { (time_t)(wait / 1000000000LL), (suseconds_t)((wait % 1000000000LL) / 1000) };
        evtimer_add(w->tick, &tv);
    }
}

static void in_flight(worker *w, int64_t age)
{
    w->r.in_flight++;
    w->r.in_flight_sum_age_ns += age;
    if (age > w->r.in_flight_max_age_ns)
        w->r.in_flight_max_age_ns = age;
}

/* Every 50 ms: the end of the run, Ctrl-C, and the exit when drained. */
static void poll_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    worker *w = arg;
    int64_t now = now_ns();
    int interrupted = (w->c->stop && atomic_load(w->c->stop)) || atomic_load(&w->sh->abort);
    if ((w->sh->end && now >= w->sh->end) || interrupted)
        w->stopping = 1;
    if (w->c->count && atomic_load(&w->sh->remaining) <= 0)
        w->stopping = 1;
    stage_conns_update(w, now);
    /* a count-bound run waits for the launches it claimed and backs off on */
    int drained = w->active == 0 && w->pend_n == 0 && (!w->c->count || w->backing_off == 0);
    int overdue = w->sh->end && now >= w->sh->end + w->c->timeout_ns;
    if (w->stopping && (drained || interrupted || overdue)) {
        if (interrupted)
            w->r.interrupted = 1;
        /* What has not ended is reported, not dropped: a gateway that stops
         * answering must not look like one that had nothing to do. */
        for (int i = 0; i < w->n_slots; i++) {
            const slot *s = &w->slots[i];
            if (s->state == S_H2) {
                w->r.in_flight += (uint64_t)worker_h2_in_flight(s, now, &w->r.in_flight_sum_age_ns,
                                                                &w->r.in_flight_max_age_ns);
                continue;
            }
            if (s->state != S_IDLE && worker_measured(w, s->intended))
                in_flight(w, now - s->intended);
        }
        for (int k = 0; k < w->pend_n; k++) {
            int64_t when = w->pending[(w->pend_head + k) % w->pend_cap];
            if (worker_measured(w, when))
                in_flight(w, now - when);
        }
        for (int i = 0; i < w->n_slots; i++) {
            worker_close_conn(&w->slots[i], 1);
        }
        event_base_loopbreak(w->base);
        return;
    }
    struct timeval tv = { 0, 50000 };
    evtimer_add(w->poll, &tv);
}

int worker_init(worker *w, int id, load_shared *sh, int n_slots, double rate, mp_err *e)
{
    memset(w, 0, sizeof *w);
    w->id = id;
    w->sh = sh;
    w->c = sh->c;
    w->n_slots = n_slots;
    hist_init(&w->r.connect);
    hist_init(&w->r.handshake);
    hist_init(&w->r.ttfb);
    hist_init(&w->r.total);
    hist_init(&w->r.total_uncorrected);
    if (tls_client_init(&w->client, &w->c->tls, e) != 0)
        return -1;
    w->base = event_base_new();
    w->slots = calloc((size_t)n_slots, sizeof *w->slots);
    /* a longer run folds its series (load/series.h) */
    int cap = w->c->series_cap > 0 ? w->c->series_cap : LOAD_MAX_SECONDS;
    int64_t span = w->c->duration_ns ? (w->c->duration_ns / 1000000000LL) + 2 : cap;
    for (int k = 0; k < 4; k++)
        atomic_init(&w->live_tag[k], -1);
    if (load_series_init(&w->series, (int)(span > cap ? cap : span)) != 0 || !w->base || !w->slots)
        return mp_fail(e, "out of memory for %d connections", n_slots);
    w->stage_conns = n_slots;
    w->fleet_k = (uint64_t)id;
    w->src_k = (uint64_t)id;
    if (w->c->n_stages) {
        w->stage_r = calloc((size_t)w->c->n_stages, sizeof *w->stage_r);
        if (!w->stage_r)
            return mp_fail(e, "out of memory for stages");
        for (int k = 0; k < w->c->n_stages; k++) {
            load_stage_result *sr = &w->stage_r[k];
            hist_init(&sr->connect);
            hist_init(&sr->handshake);
            hist_init(&sr->ttfb);
            hist_init(&sr->total);
            hist_init(&sr->total_uncorrected);
        }
        if (rate <= 0)
            w->stage_conns = 0;
    }
    for (int i = 0; i < n_slots; i++) {
        w->slots[i].index = i;
        w->slots[i].w = w;
        if (w->c->http2 && !w->h2pool && !(w->h2pool = http_h2c_pool_new()))
            return mp_fail(e, "out of memory for HTTP/2");
        if (w->c->http2) {
            int ns = w->c->mode == LOAD_KEEPALIVE ? w->c->streams : 1;
            w->slots[i].streams = calloc((size_t)(ns > 0 ? ns : 1), sizeof *w->slots[i].streams);
            if (!w->slots[i].streams)
                return mp_fail(e, "out of memory for HTTP/2 streams");
        }
        w->slots[i].fd = -1;
        w->slots[i].ev_fd = -1;
        w->slots[i].ev = event_new(w->base, -1, 0, worker_slot_cb, &w->slots[i]);
        if (!w->slots[i].ev)
            return mp_fail(e, "out of memory for events");
    }
    if (rate > 0) {
        w->interval_ns = 1e9 / rate;
        w->pend_cap = (int)(rate * 10) + n_slots + 16; /* ten seconds of backlog */
        w->pending = calloc((size_t)w->pend_cap, sizeof *w->pending);
        w->tick = evtimer_new(w->base, tick_cb, w);
        if (!w->pending || !w->tick)
            return mp_fail(e, "out of memory for the schedule");
    }
    w->poll = evtimer_new(w->base, poll_cb, w);
    return w->poll ? 0 : mp_fail(e, "out of memory");
}

void *worker_main(void *arg)
{
    worker *w = arg;
    struct timespec c0, c1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    int64_t t0 = now_ns();
    if (w->interval_ns > 0) {
        /* spread workers' schedules so they do not fire in lockstep */
        w->next_due = w->sh->t0 + (int64_t)(w->interval_ns * w->id / (double)w->c->threads);
        if (w->c->n_stages) {
            w->arrival_k = w->id + 1;
            int64_t t = load_stages_arrival(w->c->stages, w->c->n_stages, w->arrival_k);
            w->next_due = w->sh->warm_end + (t < 0 ? 0 : t);
            if (t < 0)
                w->stopping = 1;
        }
        struct timeval tv = { 0, 0 };
        evtimer_add(w->tick, &tv);
    } else if (w->c->n_stages) {
        stage_conns_update(w, now_ns());
    } else {
        for (int i = 0; i < w->n_slots; i++)
            if (worker_claim(w))
                worker_launch(&w->slots[i], now_ns());
    }
    struct timeval tv = { 0, 50000 };
    evtimer_add(w->poll, &tv);
    event_base_dispatch(w->base);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
    double wall = (double)(now_ns() - t0) / 1e9;
    w->busy = wall > 0 ? cpu / wall : 0;
    return NULL;
}

void worker_free(worker *w)
{
    for (int i = 0; w->slots && i < w->n_slots; i++) {
        slot *s = &w->slots[i];
        worker_close_conn(s, 1);
        if (s->ssl_ready)
            tls_conn_close(&s->tls, 1);
        if (s->ev)
            event_free(s->ev);
        tls_session_free(s->session);
        http_h2c_free(s->h2);
        free(s->streams);
    }
    free(w->slots);
    tls_shared_session_free(&w->shared);
    http_h2c_pool_free(w->h2pool);
    if (w->tick)
        event_free(w->tick);
    if (w->poll)
        event_free(w->poll);
    free(w->pending);
    free(w->stage_r);
    load_series_free(&w->series);
    if (w->base)
        event_base_free(w->base);
    tls_client_free(&w->client);
}
