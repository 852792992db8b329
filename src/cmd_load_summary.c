/* The summary `mtlsprobe load` prints for people: what ran, the counts,
 * latency per phase, errors with their detail, resumption, the fleet, the
 * stages and where the limit was. The one decision: it reads only the run's
 * result and what the command line chose, so JSON and summary never
 * disagree about what was measured. */
#include "cmd_load.h"

#include <stdio.h>

#include "load/output.h"
#include "proto/proto.h"
#include "results/limit.h"
#include "tls/names.h"

static void print_phase(const char *name, const hist *h)
{
    if (!h->total)
        return;
    printf("  %-19s %9.3f %9.3f %9.3f %9.3f %9.3f %10llu\n", name,
           (double)hist_percentile(h, 50) / 1e6, (double)hist_percentile(h, 90) / 1e6,
           (double)hist_percentile(h, 99) / 1e6, (double)hist_percentile(h, 99.9) / 1e6,
           (double)h->max / 1e6, (unsigned long long)h->total);
}

void cmd_load_summary(const load_config *cfg, const load_result *r, const cmd_load_view *v)
{
    int used_threads = v->threads < cfg->connections ? v->threads : cfg->connections;
    if (cfg->http2)
        printf("HTTP/2, %d concurrent stream%s per connection\n", cfg->streams, cfg->streams == 1 ? "" : "s");
    printf("%s %s, %s, %d connections%s, %d threads (%s%s)%s\n", v->mode, v->target,
           v->tls, cfg->connections,
           v->open_loop ? " (open loop)" : "", used_threads, v->threads_why,
           used_threads < v->threads ? ", one per connection" : "", r->interrupted ? ", interrupted" : "");
    printf("%llu ok, %llu errors (%.3f%%) in %.2f s: %.1f/s\n", (unsigned long long)r->ok,
           (unsigned long long)r->errors,
           r->started ? 100.0 * (double)r->errors / (double)r->started : 0, r->wall_s, load_rate(r));
    printf("  %-19s %9s %9s %9s %9s %9s %10s\n", "latency (ms)", "p50", "p90", "p99", "p99.9", "max", "count");
    print_phase("connect", &r->connect);
    print_phase("handshake", &r->handshake);
    print_phase(cfg->proto != PROTO_MQTT ? "first byte" : cfg->mode == LOAD_KEEPALIVE ? "PUBACK" : "CONNACK", &r->ttfb);
    print_phase("total", &r->total);
    if (v->open_loop)
        print_phase("total (uncorrected)", &r->total_uncorrected);
    for (int k = 0; k < LE_COUNT; k++) {
        if (!r->by_class[k])
            continue;
        printf("  errors: %s: %llu", load_error_name((load_error)k, cfg->proto), (unsigned long long)r->by_class[k]);
        if (k == LE_ALERT) {
            for (int a = 0; a < 256; a++)
                if (r->alerts[a])
                    printf(" [%s (%d): %llu]", tls_alert_name(a), a, (unsigned long long)r->alerts[a]);
        }
        if (k == LE_APP_REFUSED) {
            for (int s = 0; s < 1000; s++)
                if (r->statuses[s])
                    printf(" [%d: %llu]", s, (unsigned long long)r->statuses[s]);
        }
        printf("\n");
    }
    if (r->in_flight)
        printf("  in flight at the end: %llu (never finished; oldest %.3f s, mean age %.3f s)\n",
               (unsigned long long)r->in_flight, (double)r->in_flight_max_age_ns / 1e9,
               (double)r->in_flight_sum_age_ns / 1e9 / (double)r->in_flight);
    for (int k = 0; k < r->n_samples; k++)
        printf("  error detail: %s: %s (%llu)\n", load_error_name(r->samples[k].cls, cfg->proto), r->samples[k].text,
               (unsigned long long)r->samples[k].count);
    if (r->sig_failures)
        printf("  signature failures: %llu handshake%s failed on a server signature the client refused "
               "(signature memo %s); the first %d are kept in the JSON with the server's certificate, the "
               "digest and the signature (errors.signature_failures)\n",
               (unsigned long long)r->sig_failures, r->sig_failures == 1 ? "" : "s",
               cfg->tls.memo_signatures ? "on" : "off", r->n_sig_kept);
    if (r->sig_overturned)
        printf("  signature second opinions: %llu valid P-256 signature%s refused by wolfSSL's x86_64 assembly "
               "and verified by its generic code (docs/robustness.md)\n", (unsigned long long)r->sig_overturned,
               r->sig_overturned == 1 ? "" : "s");
    if (v->resume)
        printf("  resumption: %llu of %llu attempts resumed (%.1f%% of new connections)\n",
               (unsigned long long)r->resumed, (unsigned long long)r->resume_attempts,
               r->handshake.total ? 100.0 * (double)r->resumed / (double)r->handshake.total : 0);
    if (cfg->tls.reuse_key_share_ns > 0)
        printf("  key shares: reused for %g s per worker (--reuse-key-share): %llu made for %llu handshakes; the "
               "load client's forward secrecy is weakened, the gateway's work is not\n",
               (double)cfg->tls.reuse_key_share_ns / 1e9, (unsigned long long)r->key_shares_made,
               (unsigned long long)r->started);
    if (cfg->fleet)
        printf("  identities: %llu distinct of %zu in the fleet (%s)\n", (unsigned long long)r->identities_used,
               v->fleet_n, v->fleet_origin);
    if (v->n_sources)
        printf("  source addresses: %d (%s)\n", v->n_sources, v->source);
    for (int k = 0; k < r->n_stages; k++) {
        const load_stage_result *sr = &r->stage_r[k];
        printf("  stage %d (%.0f s to %g%s): %llu ok, %llu errors, %.1f/s", k + 1,
               (double)cfg->stages[k].duration_ns / 1e9, cfg->stages[k].target * v->shard_n, v->stages_open ? "/s" : " connections",
               (unsigned long long)sr->ok, (unsigned long long)sr->errors, sr->wall_s > 0 ? (double)sr->ok / sr->wall_s : 0);
        if (sr->handshake.total)
            printf(", handshake p99 %.3f ms", (double)hist_percentile(&sr->handshake, 99) / 1e6);
        if (sr->total.total)
            printf(", total p99 %.3f ms", (double)hist_percentile(&sr->total, 99) / 1e6);
        printf("\n");
    }
    double us = load_cpu_us(r);
    printf("  client CPU: %.0f us per handshake (user %.2f s, system %.2f s); busiest worker %.0f%% busy\n",
           us, r->cpu_user_s, r->cpu_sys_s, r->worker_busy_max * 100);
    printf("  peak memory: %.1f MiB\n", (double)r->peak_rss_kib / 1024.0);
    res_limit_in lin = {
        .ended = r->ok + r->errors,
        .unreachable = r->by_class[LE_CONNECT_REFUSED] + r->by_class[LE_CONNECT_TIMEOUT] + r->by_class[LE_CONNECT_OTHER],
        .backlog = r->by_class[LE_BACKLOG], .in_flight = r->in_flight, .busiest = r->worker_busy_max,
        .rate_asked = cfg->n_stages ? 0 : cfg->rate, .rate_done = load_rate(r),
    };
    char why[400];
    if (res_limit_judge(&lin, why, sizeof why) != RES_LIMIT_NONE)
        printf("  limit: %s\n", why);
}
