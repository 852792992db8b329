/* Helper servers in one libevent loop. Beside the reference gateway they run
 * on a second thread with their own loop rather than sharing the gateway's,
 * so the gateway stays untouched; the main thread stops them through a pipe,
 * which needs no locking in libevent. */
#define _DEFAULT_SOURCE
#include "serve/helpers.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "serve/crl_http.h"
#include "serve/httpd.h"

#define MAX_SERVERS 34
#define MAX_BODY (64 * 1024)
#define MAX_DELAY_MS (300 * 1000)

struct srv_helpers {
    const srv_helpers_opts *o;
    struct event_base *base;
    srv_ocsp *ocsp;
    srv_crl_http crl;
    srv_http_opts hopts[MAX_SERVERS];
    srv_http *servers[MAX_SERVERS];
    char names[MAX_SERVERS][80];   /* the upstreams' names in the log */
    size_t n_servers;
    FILE *record;
    int stop_pipe[2];
    struct event *stop_ev, *sigint, *sigterm;
    pthread_t thread;
    int threaded;
};

static int add_server(srv_helpers *h, const char *name, const char *listen, tls_server *tls,
                      srv_http_handler fn, void *arg, int refuse, int64_t timeout_ms, mp_err *e)
{
    if (h->n_servers == MAX_SERVERS)
        return mp_fail(e, "at most %d helper servers", MAX_SERVERS);
    srv_http_opts *so = &h->hopts[h->n_servers];
    *so = (srv_http_opts){ .name = name, .listen = listen, .tls = tls, .handle = fn, .arg = arg,
                           .refuse = refuse, .timeout_ms = timeout_ms, .max_body = MAX_BODY,
                           .max_connections = h->o->max_connections, .log = h->o->log };
    if (srv_http_start(h->base, so, &h->servers[h->n_servers], e) != 0)
        return -1;
    h->n_servers++;
    return 0;
}

static void announce(srv_helpers *h, const char *line)
{
    if (!h->o->log)
        return;
    fprintf(h->o->log, "mtlsprobe serve: %s\n", line);
    fflush(h->o->log);
}

int srv_helpers_start(const srv_helpers_opts *o, srv_helpers **out, mp_err *e)
{
    srv_helpers *h = calloc(1, sizeof *h);
    if (!h)
        return mp_fail(e, "out of memory");
    h->o = o;
    h->stop_pipe[0] = h->stop_pipe[1] = -1;
    h->base = event_base_new();
    if (!h->base) {
        free(h);
        return mp_fail(e, "cannot create an event loop");
    }
    *out = h;
    signal(SIGPIPE, SIG_IGN);
    if (o->record_file) {
        h->record = fopen(o->record_file, "a");
        if (!h->record)
            return mp_fail(e, "--upstream-record: cannot open %s", o->record_file);
    }
    if (o->ocsp_listen) {
        char summary[1024];
        int64_t delay = o->ocsp_delay_ms > MAX_DELAY_MS ? MAX_DELAY_MS : o->ocsp_delay_ms;
        if (srv_ocsp_new(o->fixtures, o->ocsp_mode, delay, &h->ocsp, summary, sizeof summary, e) != 0)
            return mp_wrap(e, "--ocsp");
        /* The slow responder must outlive its own delay on a connection. */
        int64_t t = o->ocsp_mode == SRV_OCSP_SLOW ? delay + o->timeout_ms : o->timeout_ms;
        if (add_server(h, "ocsp", o->ocsp_listen, NULL, srv_ocsp_handle, h->ocsp,
                       o->ocsp_mode == SRV_OCSP_DOWN, t, e) != 0)
            return -1;
        static const char *const modes[] = { "normal", "down", "unknown", "slow" };
        char line[1400];
        snprintf(line, sizeof line, "OCSP responder on http://%s/ (mode %s) for %s",
                 srv_http_address(h->servers[h->n_servers - 1]), modes[o->ocsp_mode], summary);
        announce(h, line);
    }
    if (o->crl_listen) {
        h->crl = (srv_crl_http){ o->fixtures, o->crl_stale };
        if (add_server(h, "crl", o->crl_listen, NULL, srv_crl_http_handle, &h->crl, 0,
                       o->timeout_ms, e) != 0)
            return -1;
        char line[200];
        snprintf(line, sizeof line, "CRLs on http://%s/<ca>.crl and /<ca>.crl.pem%s",
                 srv_http_address(h->servers[h->n_servers - 1]),
                 o->crl_stale ? " (stale: nextUpdate passed)" : "");
        announce(h, line);
    }
    for (size_t i = 0; i < o->n_upstreams; i++) {
        srv_upstream *u = &o->upstreams[i];
        if (srv_upstream_init(u, o->fixtures, e) != 0)
            return -1;
        u->record = h->record;
        snprintf(h->names[i], sizeof h->names[i], "upstream-%s", u->name);
        if (add_server(h, h->names[i], u->listen, &u->tls, srv_upstream_handle, u, 0, o->timeout_ms,
                       e) != 0)
            return -1;
        char line[300];
        snprintf(line, sizeof line, "echo upstream on https://%s (%s%s)",
                 srv_http_address(h->servers[h->n_servers - 1]), u->fixture,
                 u->client_auth ? ", client certificate required" : "");
        announce(h, line);
    }
    return 0;
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    srv_helpers *h = arg;
    event_base_loopexit(h->base, NULL);
}

void srv_helpers_run(srv_helpers *h)
{
    h->sigint = evsignal_new(h->base, SIGINT, stop_cb, h);
    h->sigterm = evsignal_new(h->base, SIGTERM, stop_cb, h);
    event_add(h->sigint, NULL);
    event_add(h->sigterm, NULL);
    event_base_dispatch(h->base);
}

static void *thread_main(void *arg)
{
    srv_helpers *h = arg;
    /* Signals belong to the gateway's loop on the main thread. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    event_base_dispatch(h->base);
    return NULL;
}

int srv_helpers_spawn(srv_helpers *h, mp_err *e)
{
    if (pipe(h->stop_pipe) != 0)
        return mp_fail(e, "cannot create a pipe");
    h->stop_ev = event_new(h->base, h->stop_pipe[0], EV_READ, stop_cb, h);
    if (!h->stop_ev || event_add(h->stop_ev, NULL) != 0)
        return mp_fail(e, "cannot watch the stop pipe");
    int rc = mp_thread_start(h->o->thread_start, &h->thread, thread_main, h);
    if (rc != 0)
        return mp_fail(e, "cannot start the helper servers' thread: %s", mp_strerror(rc).s);
    h->threaded = 1;
    return 0;
}

void srv_helpers_stop(srv_helpers *h)
{
    if (!h->threaded)
        return;
    char b = 1;
    if (write(h->stop_pipe[1], &b, 1) != 1)
        return;
    pthread_join(h->thread, NULL);
    h->threaded = 0;
}

void srv_helpers_free(srv_helpers *h)
{
    if (!h)
        return;
    srv_helpers_stop(h);
    for (size_t i = 0; i < h->n_servers; i++)
        srv_http_free(h->servers[i]);
    for (size_t i = 0; i < h->o->n_upstreams; i++)
        srv_upstream_free(&h->o->upstreams[i]);
    struct event *evs[] = { h->stop_ev, h->sigint, h->sigterm };
    for (size_t i = 0; i < 3; i++)
        if (evs[i])
            event_free(evs[i]);
    for (int i = 0; i < 2; i++)
        if (h->stop_pipe[i] >= 0)
            close(h->stop_pipe[i]);
    srv_ocsp_free(h->ocsp);
    if (h->record)
        fclose(h->record);
    event_base_free(h->base);
    free(h);
}
