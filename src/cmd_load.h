/* The `load` verb's summary for people (cmd_load_summary.c), apart from
 * option parsing (cmd_load.c). */
#ifndef MP_CMD_LOAD_H
#define MP_CMD_LOAD_H

#include <stddef.h>

#include "load/load.h"

/* What the command line chose, as the summary names it. */
typedef struct cmd_load_view {
    const char *mode, *target, *tls;
    int threads;
    const char *threads_why;
    int open_loop, resume;
    size_t fleet_n;            /* 0: one identity */
    const char *fleet_origin;
    const char *source;
    int n_sources, shard_n, stages_open;
} cmd_load_view;

void cmd_load_summary(const load_config *cfg, const load_result *r, const cmd_load_view *v);

#endif
