/* Load orchestration: splits connections over worker threads, feeds the
 * progress line from their lock-free counters, and merges their histograms
 * and per-second series when they are done. */
#define _GNU_SOURCE
#include "load/load.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "load/worker.h"
#include "proto/proto.h"
#include "pki/seedpool.h"
#include "util/timeutil.h"

const char *load_error_name(load_error e, int proto)
{
    if (proto == PROTO_MQTT && e == LE_APP_REFUSED)
        return "MQTT refused";
    if (proto == PROTO_MQTT && e == LE_APP_MALFORMED)
        return "malformed MQTT";
    static const char *const n[LE_COUNT] = {
        "connect refused", "connect timeout", "connect error", "TLS alert", "verify failure",
        "reset", "closed", "timeout", "TLS error", "HTTP status", "malformed HTTP",
        "generator backlog",
    };
    return (e >= 0 && e < LE_COUNT) ? n[e] : "?";
}

/* Raises the descriptor limit as far as the hard limit allows. */
static int ensure_fds(int connections, mp_err *e)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    rlim_t need = (rlim_t)connections + 64;
    if (rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
        /* a privileged process may raise the hard limit itself */
        struct rlimit up = { need, need };
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            return 0;
    }
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
        return mp_fail(e, "%d connections need %llu file descriptors, but the hard limit is %llu "
                          "(raise it, e.g. ulimit -Hn with the privilege to, or split the connections over processes with --shard I/N)",
                       connections, (unsigned long long)need, (unsigned long long)rl.rlim_max);
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return mp_fail(e, "cannot raise the file-descriptor limit to %llu", (unsigned long long)need);
    return 0;
}

typedef struct thread_arg {
    worker *w;
    atomic_int *done;
} thread_arg;

static void *thread_main(void *arg)
{
    thread_arg *t = arg;
    /* Seeds for the generators wolfSSL makes per handshake come from the
     * thread's own pool (pki/seedpool.h); without one, from the kernel. */
    mp_err e;
    int pool = pki_seed_pool_start(&e) == 0;
    worker_main(t->w);
    if (pool)
        pki_seed_pool_stop();
    atomic_fetch_add(t->done, 1);
    return NULL;
}

static int64_t coarse_percentile(const uint64_t *counts, uint64_t total, double p)
{
    if (!total)
        return 0;
    uint64_t rank = (uint64_t)(p / 100.0 * (double)total + 0.5), seen = 0;
    if (rank < 1)
        rank = 1;
    for (int i = 0; i < COARSE; i++) {
        seen += counts[i];
        if (seen >= rank)
            return hist_index_upper(i * 4 + 3);
    }
    return 0;
}

/* Sums second sec of every worker's live ring into counts (progress line,
 * while the run goes); returns the sample count. */
static uint64_t sum_live(worker *ws, int n, int64_t sec, uint64_t *counts)
{
    uint64_t total = 0;
    memset(counts, 0, COARSE * sizeof *counts);
    int k = (int)(sec & 3);
    for (int t = 0; t < n; t++) {
        if (atomic_load_explicit(&ws[t].live_tag[k], memory_order_acquire) != sec)
            continue;
        for (int i = 0; i < COARSE; i++) {
            uint32_t v = atomic_load_explicit(&ws[t].live_hist[k][i], memory_order_relaxed);
            counts[i] += v;
            total += v;
        }
    }
    return total;
}

/* Sums entry e of every (joined, equally folded) worker's series. */
static uint64_t sum_entry(worker *ws, int n, int e, uint64_t *counts)
{
    uint64_t total = 0;
    memset(counts, 0, COARSE * sizeof *counts);
    for (int t = 0; t < n; t++) {
        if (e >= ws[t].series.cap)
            continue;
        for (int i = 0; i < COARSE; i++) {
            counts[i] += ws[t].series.hist[e][i];
            total += ws[t].series.hist[e][i];
        }
    }
    return total;
}

static void merge_sample(load_result *r, const load_error_sample *sm)
{
    for (int i = 0; i < r->n_samples; i++)
        if (r->samples[i].cls == sm->cls && strcmp(r->samples[i].text, sm->text) == 0) {
            r->samples[i].count += sm->count;
            return;
        }
    if (r->n_samples < LOAD_MAX_SAMPLES)
        r->samples[r->n_samples++] = *sm;
}

int load_run(const load_config *c, load_result *r, load_progress_fn progress, void *arg, mp_err *e)
{
    memset(r, 0, sizeof *r);
    hist_init(&r->connect);
    hist_init(&r->handshake);
    hist_init(&r->ttfb);
    hist_init(&r->total);
    hist_init(&r->total_uncorrected);
    int threads = c->threads < 1 ? 1 : c->threads;
    if (threads > c->connections)
        threads = c->connections;
    if (ensure_fds(c->connections, e) != 0)
        return -1;

    load_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.c = c;
    atomic_init(&sh.remaining, (long long)c->count);
    atomic_init(&sh.abort, 0);
    worker *ws = calloc((size_t)threads, sizeof *ws);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    thread_arg *targs = calloc((size_t)threads, sizeof *targs);
    uint64_t *counts = calloc(COARSE, sizeof *counts);
    if (!ws || !tids || !targs || !counts) {
        free(ws); free(tids); free(targs); free(counts);
        return mp_fail(e, "out of memory");
    }
    int rc = 0, made = 0;
    for (int t = 0; t < threads && rc == 0; t++) {
        int slots = c->connections / threads + (t < c->connections % threads);
        rc = worker_init(&ws[t], t, &sh, slots, c->rate / threads, e);
        made = t + 1;
    }
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    atomic_int done;
    atomic_init(&done, 0);
    int started = 0;
    if (rc == 0) {
        sh.t0 = tm_mono_ns();
        sh.warm_end = sh.t0 + c->warmup_ns;
        sh.end = c->duration_ns ? sh.warm_end + c->duration_ns : 0;
        /* A thread that cannot start would silently shrink the load (its
         * slots and its share of --rate never run): the others stop at once
         * and the run is a setup error naming it. */
        int start_err = 0;
        for (int t = 0; t < threads; t++) {
            targs[t] = (thread_arg){ &ws[t], &done };
            if ((start_err = mp_thread_start(c->thread_start, &tids[t], thread_main, &targs[t])) != 0) {
                atomic_store(&sh.abort, 1);
                atomic_fetch_add(&done, threads - t);
                break;
            }
            started++;
        }
        int64_t next = sh.t0 + 1000000000LL;
        uint64_t last_ok = 0;
        while (atomic_load(&done) < threads) {
            struct timespec nap = { 0, 20000000 };
            nanosleep(&nap, NULL);
            int64_t now = tm_mono_ns();
            if (now < next || !progress)
                continue;
            next += 1000000000LL;
            load_live l = { 0 };
            l.elapsed_s = (double)(now - sh.t0) / 1e9;
            l.warming = now < sh.warm_end;
            for (int t = 0; t < threads; t++) {
                l.ok += atomic_load_explicit(&ws[t].live_ok, memory_order_relaxed);
                l.errors += atomic_load_explicit(&ws[t].live_err, memory_order_relaxed);
            }
            l.rate_last_s = (double)(l.ok - last_ok);
            last_ok = l.ok;
            int64_t sec = (now - sh.warm_end) / 1000000000LL - 1;
            if (!l.warming && sec >= 0) {
                uint64_t n = sum_live(ws, threads, sec, counts);
                l.p50_last_ns = coarse_percentile(counts, n, 50);
                l.p99_last_ns = coarse_percentile(counts, n, 99);
            }
            progress(&l, arg);
        }
        for (int t = 0; t < started; t++)
            pthread_join(tids[t], NULL);
        if (start_err) {
            rc = mp_fail(e, "cannot start load thread %d of %d: %s", started + 1, threads, mp_strerror(start_err).s);
            goto out;
        }
        getrusage(RUSAGE_SELF, &ru1);
        int64_t end = tm_mono_ns();
        r->wall_s = (double)(end - (sh.warm_end < end ? sh.warm_end : end)) / 1e9;
        if (c->duration_ns && r->wall_s > (double)c->duration_ns / 1e9 + (double)c->timeout_ns / 1e9)
            r->wall_s = (double)c->duration_ns / 1e9;
        r->cpu_user_s = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                        (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6;
        r->cpu_sys_s = (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                       (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
        r->peak_rss_kib = ru1.ru_maxrss;
        /* merge */
        int shift = 0;
        if (c->n_stages) {
            r->stage_r = calloc((size_t)c->n_stages, sizeof *r->stage_r);
            r->n_stages = r->stage_r ? c->n_stages : 0;
            for (int k = 0; k < r->n_stages; k++) {
                load_stage_result *sr = &r->stage_r[k];
                hist_init(&sr->connect);
                hist_init(&sr->handshake);
                hist_init(&sr->ttfb);
                hist_init(&sr->total);
                hist_init(&sr->total_uncorrected);
                sr->wall_s = (double)c->stages[k].duration_ns / 1e9;
                for (int t = 0; t < threads; t++) {
                    const load_stage_result *ws_r = &ws[t].stage_r[k];
                    hist_merge(&sr->connect, &ws_r->connect);
                    hist_merge(&sr->handshake, &ws_r->handshake);
                    hist_merge(&sr->ttfb, &ws_r->ttfb);
                    hist_merge(&sr->total, &ws_r->total);
                    hist_merge(&sr->total_uncorrected, &ws_r->total_uncorrected);
                    sr->ok += ws_r->ok;
                    sr->errors += ws_r->errors;
                }
            }
        }
        if (c->fleet) {
            /* worker t presents members t, t + threads, ...: distinct until it wraps */
            for (int t = 0; t < threads; t++) {
                uint64_t own = c->fleet->n > (size_t)t ? (c->fleet->n - (size_t)t + (size_t)threads - 1) / (size_t)threads : 0;
                r->identities_used += ws[t].fleet_conns < own ? ws[t].fleet_conns : own;
            }
        }
        for (int t = 0; t < threads; t++) {
            worker *w = &ws[t];
            hist_merge(&r->connect, &w->r.connect);
            hist_merge(&r->handshake, &w->r.handshake);
            hist_merge(&r->ttfb, &w->r.ttfb);
            hist_merge(&r->total, &w->r.total);
            hist_merge(&r->total_uncorrected, &w->r.total_uncorrected);
            r->ok += w->r.ok;
            r->key_shares_made += tls_client_key_shares_made(&w->client);
            r->sig_overturned += tls_client_sig_overturned(&w->client);
            r->errors += w->r.errors;
            r->resumed += w->r.resumed;
            r->resume_attempts += w->r.resume_attempts;
            for (int k = 0; k < LE_COUNT; k++)
                r->by_class[k] += w->r.by_class[k];
            r->in_flight += w->r.in_flight;
            r->in_flight_sum_age_ns += w->r.in_flight_sum_age_ns;
            if (w->r.in_flight_max_age_ns > r->in_flight_max_age_ns)
                r->in_flight_max_age_ns = w->r.in_flight_max_age_ns;
            for (int k = 0; k < w->r.n_samples; k++)
                merge_sample(r, &w->r.samples[k]);
            r->sig_failures += w->r.sig_failures;
            for (int k = 0; k < w->r.n_sig_kept && r->n_sig_kept < LOAD_MAX_SIG_FAILURES; k++)
                r->sig_kept[r->n_sig_kept++] = w->r.sig_kept[k];
            for (int k = 0; k < 256; k++)
                r->alerts[k] += w->r.alerts[k];
            for (int k = 0; k < 1000; k++)
                r->statuses[k] += w->r.statuses[k];
            r->interrupted |= w->r.interrupted;
            r->cpu_transactions += atomic_load(&w->live_ok) + atomic_load(&w->live_err);
            if (w->busy > r->worker_busy_max)
                r->worker_busy_max = w->busy;
            if (w->series.shift > shift)
                shift = w->series.shift;
        }
        r->started = r->ok + r->errors;
        /* every worker's series at the same step, then summed entry by entry */
        int64_t wall_whole = (int64_t)(r->wall_s + 0.999);
        int cap = ws[0].series.cap;
        while ((wall_whole + ((int64_t)1 << shift) - 1) >> shift > cap)
            shift++;
        for (int t = 0; t < threads; t++)
            load_series_fold_to(&ws[t].series, shift);
        int64_t step = (int64_t)1 << shift;
        r->series_step_s = (int)step;
        int used = (int)((wall_whole + step - 1) / step);
        if (used > cap)
            used = cap;
        r->seconds = calloc((size_t)(used > 0 ? used : 1), sizeof *r->seconds);
        for (int s = 0; r->seconds && s < used; s++) {
            load_second *ls = &r->seconds[s];
            for (int t = 0; t < threads; t++) {
                if (s < ws[t].series.cap) {
                    ls->ok += ws[t].series.ok[s];
                    ls->errors += ws[t].series.err[s];
                }
            }
            double from = (double)(s * step);
            ls->length_s = r->wall_s < from + (double)step ? r->wall_s - from : (double)step;
            if (ls->length_s <= 0)
                ls->length_s = (double)step;
            if (c->n_stages) {
                int64_t at = (int64_t)s * step * 1000000000LL;
                ls->stage = load_stages_index(c->stages, c->n_stages, at) + 1;
                if (ls->stage > c->n_stages)
                    ls->stage = c->n_stages;
                ls->target = load_stages_target(c->stages, c->n_stages, at + (int64_t)(ls->length_s * 5e8));
            }
            uint64_t n = sum_entry(ws, threads, s, counts);
            ls->p50_ns = coarse_percentile(counts, n, 50);
            ls->p99_ns = coarse_percentile(counts, n, 99);
        }
        r->n_seconds = r->seconds ? used : 0;
    }
out:
    for (int t = 0; t < made; t++)
        worker_free(&ws[t]);
    free(ws);
    free(tids);
    free(targs);
    free(counts);
    return rc;
}

void load_result_free(load_result *r)
{
    free(r->seconds);
    r->seconds = NULL;
    free(r->stage_r);
    r->stage_r = NULL;
}

/* A cgroup quota as CPUs ("150000 100000" in cpu.max is 1.5); 0 for none. */
static double read_quota(const char *dir)
{
    char path[1200], buf[128];
    double cpus = 0;
    snprintf(path, sizeof path, "%s/cpu.max", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        long long quota, period;
        if (fgets(buf, sizeof buf, f) && sscanf(buf, "%lld %lld", &quota, &period) == 2 && quota > 0 &&
            period > 0)
            cpus = (double)quota / (double)period;
        fclose(f);
        return cpus;
    }
    long long quota = -1, period = 0;
    snprintf(path, sizeof path, "%s/cpu.cfs_quota_us", dir);
    if ((f = fopen(path, "r"))) {
        if (fscanf(f, "%lld", &quota) != 1)
            quota = -1;
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/cpu.cfs_period_us", dir);
    if ((f = fopen(path, "r"))) {
        if (fscanf(f, "%lld", &period) != 1)
            period = 0;
        fclose(f);
    }
    return quota > 0 && period > 0 ? (double)quota / (double)period : 0;
}

/* The smallest quota on the way from this process's cgroup to the root. */
static double cgroup_quota(void)
{
    char line[512], dir[1024];
    double best = 0;
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        char *p = strchr(line, ':'), *q = p ? strchr(p + 1, ':') : NULL;
        if (!q)
            continue;
        int v2 = p == line + 1 && line[0] == '0' && q == p + 1;
        if (!v2 && !strstr(p, "cpu"))
            continue;
        q[strcspn(q, "\n")] = '\0';
        const char *root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/cpu";
        snprintf(dir, sizeof dir, "%s%s", root, q + 1);
        for (;;) {
            double c = read_quota(dir);
            if (c > 0 && (best == 0 || c < best))
                best = c;
            char *slash = strrchr(dir, '/');
            if (!slash || (size_t)(slash - dir) < strlen(root))
                break;
            *slash = '\0';
        }
    }
    fclose(f);
    return best;
}

int load_default_threads(char *why, size_t n)
{
    int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(why, n, "%d online CPUs", cpus);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0 && CPU_COUNT(&set) < cpus) {
        cpus = CPU_COUNT(&set);
        snprintf(why, n, "%d CPUs in this process's affinity mask", cpus);
    } else if (cpus >= 1) {
        snprintf(why, n, "%d CPUs this process may use", cpus);
    }
    double quota = cgroup_quota();
    if (quota > 0 && (int)(quota + 0.999) < cpus) {
        cpus = (int)(quota + 0.999);
        snprintf(why, n, "a cgroup CPU quota of %.2f CPUs", quota);
    }
    return cpus < 1 ? 1 : cpus;
}
