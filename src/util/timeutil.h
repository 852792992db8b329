/* Time values on the command line and in specs: durations ("90s", "1h30m",
 * "398d"), instants ("2026-01-01T00:00:00Z", "@1767225600") and offsets from
 * a reference instant ("now", "-1h", "+90d", "now+7d"). All in UTC. */
#ifndef MP_UTIL_TIMEUTIL_H
#define MP_UTIL_TIMEUTIL_H

#include <stdint.h>

#include "util/err.h"

/* Durations in milliseconds: units ms, s, m, h, d, w, combinable ("1h30m");
 * a bare number is seconds. Negative durations are refused. */
int tm_parse_duration(const char *s, int64_t *ms, mp_err *e);

/* A rate per second: "500", "500/s", "2.5/s"; positive, finite, at most
 * one billion. */
int tm_parse_rate(const char *s, double *per_s, mp_err *e);

/* RFC 3339 / ISO 8601 in UTC ("2026-01-01T00:00:00Z", "2026-01-01 00:00:00",
 * "2026-01-01") or "@SECONDS" since the epoch. Result in seconds. */
int tm_parse_instant(const char *s, int64_t *epoch, mp_err *e);

/* An instant or an offset from `now`: "now", "+90d", "-1h", "now-30d",
 * or anything tm_parse_instant takes. */
int tm_parse_relative(const char *s, int64_t now, int64_t *epoch, mp_err *e);

/* The instants certificates can carry, 1950-01-01 to 9999-12-31 (RFC 5280
 * UTCTime and four-digit GeneralizedTime). Every parser below refuses others. */
#define TM_MIN_EPOCH (-631152000LL)
#define TM_MAX_EPOCH 253402300799LL

/* 1 if t lies in [TM_MIN_EPOCH, TM_MAX_EPOCH]. */
int tm_in_range(int64_t t);

/* "2026-01-01T00:00:00Z"; out must hold 21 bytes. Out-of-range times are
 * written as "invalid". */
void tm_format_iso(int64_t epoch, char out[21]);

/* Seconds since the epoch, now. */
int64_t tm_now(void);

/* Monotonic clock in nanoseconds. */
int64_t tm_mono_ns(void);

#endif
