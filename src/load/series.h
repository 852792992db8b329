/* A load worker's time series, for runs of any length: a fixed number of
 * entries, each covering 2^shift seconds. When a second falls past the last
 * entry, neighbouring entries are added pairwise (histograms too) and the
 * step doubles, so a 3-hour soak keeps every transaction in a series of at
 * most `cap` entries. Internal to src/load; owned by one worker thread
 * until it is joined. */
#ifndef MP_LOAD_SERIES_H
#define MP_LOAD_SERIES_H

#include <stdint.h>

#include "results/hist.h"

#define COARSE (HIST_COUNTS / 4) /* per-entry histograms: ~3% resolution */

typedef struct load_series {
    uint32_t (*hist)[COARSE];  /* cap rows of coarse latency counts (total phase) */
    uint64_t *ok, *err;
    int cap;                   /* entries */
    int shift;                 /* each entry covers 2^shift seconds */
} load_series;

/* 0, or -1 when out of memory (s is then safe to free). */
int load_series_init(load_series *s, int cap);
void load_series_free(load_series *s);
/* The entry that holds second sec (>= 0) of the measured part, folding the
 * series until it fits. */
int load_series_entry(load_series *s, int64_t sec);
/* Folds until entries cover 2^shift seconds (no-op when they already do). */
void load_series_fold_to(load_series *s, int shift);
/* Seconds one entry covers. */
int64_t load_series_step(const load_series *s);

#endif
