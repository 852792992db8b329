/* SARIF 2.1.0 for code-scanning dashboards: one rule per scenario, one
 * result per FAIL, INCONCLUSIVE or ERROR verdict. */
#ifndef MP_REPORT_SARIF_H
#define MP_REPORT_SARIF_H

#include <stddef.h>

#include "results/results.h"
#include "util/err.h"

/* The SARIF level of a scenario severity: critical and high are "error",
 * medium "warning", low and info "note". */
const char *rpt_sarif_level(const char *severity);

int rpt_sarif_write(const res_run *r, const char *path, mp_err *e);

/* GitHub Actions workflow commands ("::error title=...::message"), one line
 * per FAIL that counts towards the exit code (error), FAIL below --fail-on
 * (warning), INCONCLUSIVE and ERROR (warning); waived FAILs get none.
 * Returns a malloc'd string (maybe empty) or NULL when out of memory. */
char *rpt_github_annotations(const res_run *r, int fail_on);

#endif
