/* Parsing and formatting of times. timegm() is used instead of mktime() so
 * the machine's time zone can never shift a certificate's validity. */
#define _DEFAULT_SOURCE
#include "util/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int tm_parse_duration(const char *s, int64_t *ms, mp_err *e)
{
    if (!s || !*s)
        return mp_fail(e, "empty duration");
    const char *p = s;
    int64_t total = 0;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return mp_fail(e, "invalid duration '%s' (examples: 30s, 5m, 1h30m, 398d)", s);
        char *end;
        double v = strtod(p, &end);
        const char *u = end;
        int64_t unit;
        size_t ulen;
        if (strncmp(u, "ms", 2) == 0) { unit = 1; ulen = 2; }
        else if (*u == 's') { unit = 1000; ulen = 1; }
        else if (*u == 'm') { unit = 60000; ulen = 1; }
        else if (*u == 'h') { unit = 3600000; ulen = 1; }
        else if (*u == 'd') { unit = 86400000; ulen = 1; }
        else if (*u == 'w') { unit = 7 * 86400000LL; ulen = 1; }
        else if (*u == '\0' && p == s) { unit = 1000; ulen = 0; }
        else
            return mp_fail(e, "invalid duration '%s' (units: ms, s, m, h, d, w)", s);
        double add = v * (double)unit;
        if (add > 9.0e15 || (double)total + add > 9.0e15)
            return mp_fail(e, "duration '%s' is too long", s);
        total += (int64_t)(add + 0.5);
        p = u + ulen;
    }
    *ms = total;
    return 0;
}

int tm_parse_rate(const char *s, double *per_s, mp_err *e)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return mp_fail(e, "rate '%s' is not a positive number per second (e.g. 500/s)", s ? s : "");
    /* plain decimals only: strtod would also take hex, exponents and "inf" */
    const char *unit = s + strspn(s, "0123456789.");
    char *end;
    double v = strtod(s, &end);
    if (end != unit || (*unit && strcmp(unit, "/s") != 0) || !(v > 0) || v > 1e9)
        return mp_fail(e, "rate '%s' is not a positive number per second up to 1e9 (e.g. 500/s)", s);
    *per_s = v;
    return 0;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int tm_parse_instant(const char *s, int64_t *epoch, mp_err *e)
{
    if (!s || !*s)
        return mp_fail(e, "empty time");
    if (s[0] == '@') {
        char *end;
        errno = 0;
        long long v = strtoll(s + 1, &end, 10);
        if (end == s + 1 || *end || errno)
            return mp_fail(e, "invalid time '%s' (expected @SECONDS)", s);
        if (!tm_in_range(v))
            return mp_fail(e, "time '%s' is outside 1950..9999", s);
        *epoch = v;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    size_t n = strlen(s);
    int ok = 0;
    if (n >= 10 && all_digits(s, 4) && s[4] == '-' && all_digits(s + 5, 2) &&
        s[7] == '-' && all_digits(s + 8, 2)) {
        tm.tm_year = atoi(s) - 1900;
        tm.tm_mon = atoi(s + 5) - 1;
        tm.tm_mday = atoi(s + 8);
        if (n == 10) {
            ok = 1;
        } else if (n >= 19 && (s[10] == 'T' || s[10] == ' ') && all_digits(s + 11, 2) &&
                   s[13] == ':' && all_digits(s + 14, 2) && s[16] == ':' &&
                   all_digits(s + 17, 2)) {
            tm.tm_hour = atoi(s + 11);
            tm.tm_min = atoi(s + 14);
            tm.tm_sec = atoi(s + 17);
            const char *rest = s + 19;
            if (*rest == '.') { /* fractional seconds are dropped */
                rest++;
                while (isdigit((unsigned char)*rest))
                    rest++;
            }
            ok = (strcmp(rest, "Z") == 0 || strcmp(rest, "") == 0 ||
                  strcmp(rest, "+00:00") == 0);
        }
    }
    struct tm want = tm;
    int64_t t = ok ? (int64_t)timegm(&tm) : 0;
    struct tm back;
    time_t tt = (time_t)t;
    /* timegm() normalises 2026-02-31 to March 3rd; a round trip catches it. */
    if (!ok || !gmtime_r(&tt, &back) || back.tm_year != want.tm_year ||
        back.tm_mon != want.tm_mon || back.tm_mday != want.tm_mday ||
        back.tm_hour != want.tm_hour || back.tm_min != want.tm_min ||
        back.tm_sec != want.tm_sec)
        return mp_fail(e, "invalid time '%s' (expected UTC like 2026-01-01T00:00:00Z, or @SECONDS)", s);
    if (!tm_in_range(t))
        return mp_fail(e, "time '%s' is outside 1950..9999", s);
    *epoch = t;
    return 0;
}

int tm_parse_relative(const char *s, int64_t now, int64_t *epoch, mp_err *e)
{
    if (!s || !*s)
        return mp_fail(e, "empty time");
    const char *p = s;
    if (strncmp(p, "now", 3) == 0) {
        p += 3;
        if (!*p) {
            *epoch = now;
            return 0;
        }
    } else if (*p != '+' && *p != '-') {
        return tm_parse_instant(s, epoch, e);
    }
    if (*p != '+' && *p != '-')
        return mp_fail(e, "invalid time '%s' (examples: now, -1h, +90d, 2026-01-01T00:00:00Z)", s);
    int sign = *p == '-' ? -1 : 1;
    int64_t ms;
    mp_err sub;
    if (tm_parse_duration(p + 1, &ms, &sub) != 0)
        return mp_fail(e, "invalid time '%s' (examples: now, -1h, +90d, 2026-01-01T00:00:00Z)", s);
    int64_t t = now + sign * (ms / 1000);
    if (!tm_in_range(t))
        return mp_fail(e, "time '%s' is outside 1950..9999", s);
    *epoch = t;
    return 0;
}

int tm_in_range(int64_t t)
{
    return t >= TM_MIN_EPOCH && t <= TM_MAX_EPOCH;
}

void tm_format_iso(int64_t epoch, char out[21])
{
    time_t t = (time_t)epoch;
    struct tm tm;
    if (!tm_in_range(epoch) || !gmtime_r(&t, &tm) ||
        strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 21, "invalid");
}

int64_t tm_now(void)
{
    return (int64_t)time(NULL);
}

int64_t tm_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
