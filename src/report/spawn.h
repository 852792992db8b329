/* Running a helper program (gnuplot) as a child process: argv is passed as
 * is, never through a shell, in a given directory, with its output captured
 * to a log file and a time limit after which it is killed. */
#ifndef MP_REPORT_SPAWN_H
#define MP_REPORT_SPAWN_H

#include <stdatomic.h>
#include <stdint.h>

#include "util/err.h"

#define RPT_SPAWN_NOT_RUN (-2)

/* Runs argv[0] (looked up in PATH) in dir with stdin from /dev/null and
 * stdout and stderr appended to log_path. Returns 0 when it exited with 0,
 * RPT_SPAWN_NOT_RUN when it could not be started (not installed), and -1
 * when it was killed after timeout_ms or failed (e names its exit status and
 * the last line of its log), or once *stop (may be NULL) is set: then the
 * child is killed at once, "interrupted". */
int rpt_spawn(char *const argv[], const char *dir, const char *log_path, int64_t timeout_ms,
              const atomic_int *stop, mp_err *e);

#endif
