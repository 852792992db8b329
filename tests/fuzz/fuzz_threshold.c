/* Fuzz target: load threshold expressions ("handshake.p99<50ms",
 * "errors<0.1%", "rate>=900/s") as given on the command line, checked
 * against an empty result. */
#include "fuzz.h"
#include "load/output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (!s)
        return 0;
    load_threshold t;
    mp_err e;
    if (load_threshold_parse(s, &t, &e) == 0) {
        load_result *r = calloc(1, sizeof *r);
        if (r) {
            char observed[64];
            (void)load_threshold_check(&t, r, observed, sizeof observed);
            free(r);
        }
    }
    free(s);
    return 0;
}
