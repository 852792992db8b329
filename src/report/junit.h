/* JUnit XML for CI test reporters: one testcase per scenario and TLS
 * version, failures carrying expected vs observed. */
#ifndef MP_REPORT_JUNIT_H
#define MP_REPORT_JUNIT_H

#include "results/results.h"
#include "util/err.h"

int rpt_junit_write(const res_run *r, const char *path, mp_err *e);

#endif
