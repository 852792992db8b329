/* Waivers: findings a team has accepted for a while (`run --waivers FILE`).
 * A waiver names a scenario id (a glob), optionally a TLS version and a
 * target (a glob), a reason and an expiry date. The format is in
 * docs/results.md; scenarios/examples/waivers.json is an example. */
#ifndef MP_RESULTS_WAIVER_H
#define MP_RESULTS_WAIVER_H

#include <stddef.h>
#include <stdint.h>

#include "results/results.h"
#include "util/err.h"

typedef struct res_waiver {
    char id[128];            /* fnmatch glob over scenario ids; '*' also matches '/' */
    char tls_version[16];    /* "": any; else TLSv1.2, TLSv1.3 or any */
    char target[512];        /* "": any; else a glob over the --target URL */
    char reason[256];
    char expires[16];        /* YYYY-MM-DD, valid through that day (UTC) */
    int64_t expires_end;     /* the first second after that day */
    size_t waived;           /* FAILs it covered in this run */
    size_t expired_hits;     /* FAILs it would have covered, had it not expired */
} res_waiver;

typedef struct res_waivers {
    res_waiver *items;
    size_t n;
} res_waivers;

/* Reads and checks a waiver file; every problem is one line naming the file
 * and the entry (invalid JSON, an unknown key, a missing reason or expiry, a
 * date that is not YYYY-MM-DD). */
int res_waivers_load(res_waivers *w, const char *path, mp_err *e);
/* The same for a document in memory; path names it in messages. */
int res_waivers_parse(res_waivers *w, const char *text, size_t len, const char *path, mp_err *e);
void res_waivers_free(res_waivers *w);

/* Marks each FAIL of run that a waiver covers as waived (the first waiver in
 * file order that matches and has not expired at `now`, seconds since the
 * epoch) and counts, per waiver, the FAILs it covered and those an expired
 * waiver would have covered. Only FAIL verdicts are waived. A waiver's
 * target glob is matched against each of targets (the URL as given and its
 * normal form); any match counts. */
void res_waivers_apply(res_waivers *w, res_run *run, const char *const *targets, size_t n_targets,
                       int64_t now);

#endif
