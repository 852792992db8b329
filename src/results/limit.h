/* What limited a load run, judged from what was measured: the target
 * refusing or unreachable (most connections never got through), the load
 * generator (its busiest worker near 100% CPU), the schedule (an open loop
 * that got the rate it asked for), or else the gateway. One judgement for
 * the summary `load` prints, the JSON's `limit` and the report, so they
 * never disagree. */
#ifndef MP_RESULTS_LIMIT_H
#define MP_RESULTS_LIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef enum res_limit_kind {
    RES_LIMIT_NONE,       /* nothing ended: nothing to judge */
    RES_LIMIT_TARGET,     /* refused or unreachable */
    RES_LIMIT_GENERATOR,  /* the load generator was saturated */
    RES_LIMIT_SCHEDULE,   /* open loop: the gateway kept up with --rate */
    RES_LIMIT_GATEWAY,    /* the gateway was saturated */
} res_limit_kind;

typedef struct res_limit_in {
    uint64_t ended;        /* measured transactions that ended: ok + errors */
    uint64_t unreachable;  /* of them, connects refused, timed out or failed */
    uint64_t backlog;      /* open loop: arrivals dropped for want of a slot */
    uint64_t in_flight;    /* still running at the end */
    double busiest;        /* the busiest worker's CPU share, 0..1 */
    double rate_asked;     /* open loop without stages: --rate; else 0 */
    double rate_done;      /* successful transactions per measured second */
} res_limit_in;

/* A connect failure share at or above this makes the target the limit. */
#define RES_LIMIT_UNREACHABLE_SHARE 0.5
/* A busiest worker at or above this CPU share makes the generator the limit. */
#define RES_LIMIT_BUSY 0.9

/* Judges; text (may be NULL) gets one line for people, without "limit: ". */
res_limit_kind res_limit_judge(const res_limit_in *in, char *text, size_t n);
/* "none", "target-unreachable", "generator-saturated", "schedule", "gateway-saturated" */
const char *res_limit_name(res_limit_kind k);

#endif
