/* Files from reports/ compiled into the binary (gnuplot scripts, the
 * stylesheet, the control definitions), so an installed mtlsprobe needs no
 * source tree. */
#ifndef MP_REPORT_ASSETS_H
#define MP_REPORT_ASSETS_H

#include <stddef.h>

typedef struct rpt_asset {
    const char *name;   /* "latency.gp", as in reports/ */
    const char *data;   /* NUL-terminated */
    const size_t *len;
} rpt_asset;

/* The asset called name, or NULL. */
const rpt_asset *rpt_asset_find(const char *name);

#endif
