/* HDR-style log-linear histograms of durations in nanoseconds: 1 ns
 * resolution up to about 68 s (2^36 ns), at most 0.79% relative error
 * (128 linear sub-buckets per power of two). Fixed size, no allocation when
 * recording, mergeable by adding counts, so workers record without locks and
 * merging several workers (or several machines) is exact. */
#ifndef MP_RESULTS_HIST_H
#define MP_RESULTS_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 7                       /* 128 sub-buckets per half range */
#define HIST_MAX_EXP 36                       /* values below 2^36 ns (~68.7 s) */
#define HIST_COUNTS (((HIST_MAX_EXP - HIST_SUB_BITS) + 1) << HIST_SUB_BITS)

typedef struct hist {
    uint64_t counts[HIST_COUNTS];
    uint64_t total;
    uint64_t overflow;  /* values beyond the range, counted at the maximum */
    int64_t min;        /* ns; INT64_MAX when empty */
    int64_t max;
    double sum;         /* for the mean */
} hist;

void hist_init(hist *h);
/* Records one value (ns). Negative values count as 0. */
void hist_record(hist *h, int64_t ns);
/* Adds every count of src into dst: exactly what recording both would give. */
void hist_merge(hist *dst, const hist *src);
/* The value at percentile p (0..100): the highest value equivalent to the
 * bucket holding that rank, so it is never below the true percentile by
 * more than the bucket width. 0 when empty. */
int64_t hist_percentile(const hist *h, double p);
double hist_mean(const hist *h);

/* Iteration over non-empty buckets, for serialisation: the bucket's lowest
 * and highest equivalent values and its count. Returns the next index, or
 * -1 when done; start with index 0. */
int hist_next_bucket(const hist *h, int index, int64_t *lo, int64_t *hi, uint64_t *count);

/* Index of the bucket holding ns (for deserialising counts). */
int hist_index_of(int64_t ns);

/* Highest value equivalent to bucket index i. */
int64_t hist_index_upper(int i);

#endif
