/* String helpers that are more than a copy: the nearest of a set of names,
 * for "did you mean ...?" in the errors of options that name a fixture, a
 * suite, a profile or a scenario. */
#include "util/str.h"

#include <stdlib.h>

size_t str_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 256 || lb > 256) /* names are short; a long one is simply far */
        return la > lb ? la : lb;
    size_t row[257];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *str_closest(const char *name, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = 0;
    for (size_t i = 0; i < n; i++) {
        size_t d = str_distance(name, names[i]);
        if (!best || d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    /* a suggestion that shares less than half the name is noise */
    return best && best_d * 2 <= strlen(name) + 1 ? best : NULL;
}
