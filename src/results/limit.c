/* The load limit judgement (results/limit.h). The order matters: a target
 * that refuses connections leaves the generator spinning through refusals,
 * so a busy generator means nothing until the target is known to answer. */
#include "results/limit.h"

#include <stdio.h>

const char *res_limit_name(res_limit_kind k)
{
    static const char *const n[] = { "none", "target-unreachable", "generator-saturated", "schedule",
                                     "gateway-saturated" };
    return k >= RES_LIMIT_NONE && k <= RES_LIMIT_GATEWAY ? n[k] : "?";
}

res_limit_kind res_limit_judge(const res_limit_in *in, char *text, size_t n)
{
    char dummy[8];
    if (!text) {
        text = dummy;
        n = sizeof dummy;
    }
    text[0] = '\0';
    if (!in->ended && !in->in_flight)
        return RES_LIMIT_NONE;
    if (in->unreachable > 0 && (double)in->unreachable >= RES_LIMIT_UNREACHABLE_SHARE * (double)in->ended) {
        snprintf(text, n,
                 "the target refused or was unreachable: %llu of %llu connections (%.0f%%) were refused, "
                 "failed or timed out in connect; the gateway's capacity was not measured",
                 (unsigned long long)in->unreachable, (unsigned long long)in->ended,
                 in->ended ? 100.0 * (double)in->unreachable / (double)in->ended : 100.0);
        return RES_LIMIT_TARGET;
    }
    if (in->busiest >= RES_LIMIT_BUSY) {
        snprintf(text, n,
                 "the load generator was saturated (busiest worker %.0f%% busy); the gateway may sustain "
                 "more (add threads or machines)", in->busiest * 100);
        return RES_LIMIT_GENERATOR;
    }
    if (in->rate_asked > 0 && in->rate_done >= 0.95 * in->rate_asked && !in->in_flight && !in->backlog) {
        snprintf(text, n,
                 "the schedule: the gateway kept up with the %g/s asked (%.1f/s done, busiest worker %.0f%% "
                 "busy); it may sustain more", in->rate_asked, in->rate_done, in->busiest * 100);
        return RES_LIMIT_SCHEDULE;
    }
    int k = snprintf(text, n, "the gateway was saturated, not the load generator (busiest worker %.0f%% busy",
                     in->busiest * 100);
    if (k > 0 && (size_t)k < n && in->in_flight)
        k += snprintf(text + k, n - (size_t)k, "; %llu in flight at the end", (unsigned long long)in->in_flight);
    if (k > 0 && (size_t)k < n && in->backlog)
        k += snprintf(text + k, n - (size_t)k, "; %llu arrivals found no free connection",
                      (unsigned long long)in->backlog);
    if (k > 0 && (size_t)k < n)
        snprintf(text + k, n - (size_t)k, ")");
    return RES_LIMIT_GATEWAY;
}
