/* The HdrHistogram layout: bucket b covers [2^(b+7), 2^(b+8)) with 128
 * sub-buckets (bucket 0 also covers [0, 128) one by one), so every recorded
 * value lands in a slot whose width is at most 1/128 of its value. */
#include "results/hist.h"

#include <string.h>

#define SUB_COUNT (1 << (HIST_SUB_BITS + 1))  /* 256 */
#define SUB_HALF (1 << HIST_SUB_BITS)         /* 128 */
#define MAX_VALUE ((INT64_C(1) << HIST_MAX_EXP) - 1)

void hist_init(hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = INT64_MAX;
}

static int bucket_of(uint64_t v)
{
    /* position of the highest bit of (v | 255), minus 7 */
    return 63 - __builtin_clzll(v | (SUB_COUNT - 1)) - HIST_SUB_BITS;
}

int hist_index_of(int64_t ns)
{
    uint64_t v = ns < 0 ? 0 : (uint64_t)(ns > MAX_VALUE ? MAX_VALUE : ns);
    int b = bucket_of(v);
    int sub = (int)(v >> b);
    return ((b + 1) << HIST_SUB_BITS) + (sub - SUB_HALF);
}

static int64_t lowest_of_index(int i)
{
    int b = (i >> HIST_SUB_BITS) - 1;
    int sub = (i & (SUB_HALF - 1)) + SUB_HALF;
    if (b < 0) {
        b = 0;
        sub -= SUB_HALF;
    }
    return (int64_t)sub << b;
}

static int64_t width_of_index(int i)
{
    int b = (i >> HIST_SUB_BITS) - 1;
    return (int64_t)1 << (b < 0 ? 0 : b);
}

void hist_record(hist *h, int64_t ns)
{
    if (ns < 0)
        ns = 0;
    if (ns > MAX_VALUE) {
        h->overflow++;
        ns = MAX_VALUE;
    }
    h->counts[hist_index_of(ns)]++;
    h->total++;
    h->sum += (double)ns;
    if (ns < h->min)
        h->min = ns;
    if (ns > h->max)
        h->max = ns;
}

void hist_merge(hist *dst, const hist *src)
{
    for (int i = 0; i < HIST_COUNTS; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->overflow += src->overflow;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

int64_t hist_percentile(const hist *h, double p)
{
    if (h->total == 0)
        return 0;
    if (p <= 0)
        return h->min;
    if (p > 100)
        p = 100;
    uint64_t rank = (uint64_t)((p / 100.0) * (double)h->total + 0.5);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < HIST_COUNTS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            int64_t hi = lowest_of_index(i) + width_of_index(i) - 1;
            return hi < h->max ? hi : h->max;
        }
    }
    return h->max;
}

double hist_mean(const hist *h)
{
    return h->total ? h->sum / (double)h->total : 0;
}

int hist_next_bucket(const hist *h, int index, int64_t *lo, int64_t *hi, uint64_t *count)
{
    for (int i = index; i < HIST_COUNTS; i++) {
        if (h->counts[i]) {
            *lo = lowest_of_index(i);
            *hi = *lo + width_of_index(i) - 1;
            *count = h->counts[i];
            return i + 1;
        }
    }
    return -1;
}

int64_t hist_index_upper(int i)
{
    return lowest_of_index(i) + width_of_index(i) - 1;
}
