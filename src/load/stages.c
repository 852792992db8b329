/* --stages: k6-style ramps of the open-loop rate or the closed-loop
 * connection count. The one decision: the open-loop schedule is the exact
 * inverse of the integrated rate (piecewise quadratic), so arrival k is
 * computed directly and no per-tick rounding accumulates. */
#include "load/load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

int load_stages_parse(const char *spec, load_stage *out, int *n, int *open_loop, mp_err *e)
{
    char buf[1024];
    if (strlen(spec) >= sizeof buf)
        return mp_fail(e, "--stages is too long");
    snprintf(buf, sizeof buf, "%s", spec);
    *n = 0;
    int kind = -1;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        if (!colon)
            return mp_fail(e, "--stages: '%s' is not DURATION:TARGET (e.g. 30s:800/s or 30s:200)", tok);
        *colon = '\0';
        int64_t ms;
        if (tm_parse_duration(tok, &ms, e) != 0 || ms <= 0)
            return mp_fail(e, "--stages: '%s' is not a positive duration", tok);
        char *end;
        double v = strtod(colon + 1, &end);
        int rate = strcmp(end, "/s") == 0;
        if (end == colon + 1 || v < 0 || (*end && !rate))
            return mp_fail(e, "--stages: '%s' is not a rate (N/s) or a connection count", colon + 1);
        if (kind >= 0 && kind != rate)
            return mp_fail(e, "--stages: mix of rates (N/s) and connection counts");
        kind = rate;
        if (*n == LOAD_MAX_STAGES)
            return mp_fail(e, "--stages: at most %d stages", LOAD_MAX_STAGES);
        out[*n].duration_ns = ms * 1000000LL;
        out[*n].target = v;
        (*n)++;
    }
    if (*n == 0)
        return mp_fail(e, "--stages: no stage given");
    *open_loop = kind == 1;
    return 0;
}

int64_t load_stages_total_ns(const load_stage *s, int n)
{
    int64_t t = 0;
    for (int i = 0; i < n; i++)
        t += s[i].duration_ns;
    return t;
}

int load_stages_index(const load_stage *s, int n, int64_t t)
{
    for (int i = 0; i < n; i++) {
        if (t < s[i].duration_ns)
            return i;
        t -= s[i].duration_ns;
    }
    return n;
}

double load_stages_target(const load_stage *s, int n, int64_t t)
{
    double from = 0;
    for (int i = 0; i < n; i++) {
        if (t < s[i].duration_ns) {
            double f = t < 0 ? 0 : (double)t / (double)s[i].duration_ns;
            return from + (s[i].target - from) * f;
        }
        t -= s[i].duration_ns;
        from = s[i].target;
    }
    return n ? s[n - 1].target : 0;
}

int64_t load_stages_arrival(const load_stage *s, int n, double k)
{
    double from = 0, start = 0;
    for (int i = 0; i < n; i++) {
        double d = (double)s[i].duration_ns / 1e9, to = s[i].target;
        double area = (from + to) / 2 * d;
        if (k <= area) {
            /* from*x + (to-from)/(2d)*x^2 = k */
            double a = (to - from) / (2 * d), x;
            if (fabs(a) < 1e-12)
                x = from > 0 ? k / from : 0;
            else
                x = (-from + sqrt(fmax(from * from + 4 * a * k, 0))) / (2 * a);
            return (int64_t)((start + x) * 1e9);
        }
        k -= area;
        start += d;
        from = to;
    }
    return -1;
}
