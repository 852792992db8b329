/* A worker's series of fixed size whose step doubles as the run goes on
 * (load/series.h). Folding adds counts, never drops or averages them, so
 * totals and the percentiles of a coarse entry stay what they were. */
#include "load/series.h"

#include <stdlib.h>
#include <string.h>

int load_series_init(load_series *s, int cap)
{
    memset(s, 0, sizeof *s);
    s->cap = cap < 2 ? 2 : cap;
    s->hist = calloc((size_t)s->cap, sizeof *s->hist);
    s->ok = calloc((size_t)s->cap, sizeof *s->ok);
    s->err = calloc((size_t)s->cap, sizeof *s->err);
    return s->hist && s->ok && s->err ? 0 : -1;
}

void load_series_free(load_series *s)
{
    free(s->hist);
    free(s->ok);
    free(s->err);
    s->hist = NULL;
    s->ok = s->err = NULL;
}

int64_t load_series_step(const load_series *s)
{
    return (int64_t)1 << s->shift;
}

static void fold(load_series *s)
{
    int half = (s->cap + 1) / 2;
    for (int i = 0; i < half; i++) {
        int a = 2 * i, b = 2 * i + 1;
        uint64_t ok = s->ok[a], err = s->err[a];
        uint32_t row[COARSE];
        memcpy(row, s->hist[a], sizeof row);
        if (b < s->cap) {
            ok += s->ok[b];
            err += s->err[b];
            for (int k = 0; k < COARSE; k++)
                row[k] += s->hist[b][k];
        }
        s->ok[i] = ok;
        s->err[i] = err;
        memcpy(s->hist[i], row, sizeof row);
    }
    memset(s->ok + half, 0, (size_t)(s->cap - half) * sizeof *s->ok);
    memset(s->err + half, 0, (size_t)(s->cap - half) * sizeof *s->err);
    memset(s->hist + half, 0, (size_t)(s->cap - half) * sizeof *s->hist);
    s->shift++;
}

int load_series_entry(load_series *s, int64_t sec)
{
    while ((sec >> s->shift) >= s->cap && s->shift < 40)
        fold(s);
    return (int)(sec >> s->shift);
}

void load_series_fold_to(load_series *s, int shift)
{
    while (s->shift < shift)
        fold(s);
}
