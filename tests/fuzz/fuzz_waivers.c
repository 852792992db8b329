/* Fuzz target: waiver files (run --waivers), then the waivers that load
 * applied to a small run: only FAILs are ever waived, each with the reason
 * and date of a waiver that had not expired, and the gate counts add up. */
#include "fuzz.h"
#include "results/waiver.h"
#include "util/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    res_waivers w;
    mp_err e;
    if (res_waivers_parse(&w, (const char *)data, size, "fuzz.json", &e) != 0)
        return 0;
    static const char *const ids[] = { "client-auth/sha1", "audit/cipher-suites", "bypass/x", "a*b" };
    static const char *const tls[] = { "TLSv1.2", "TLSv1.3", "any" };
    res_scenario items[12];
    memset(items, 0, sizeof items);
    for (int i = 0; i < 12; i++) {
        str_copy(items[i].id, sizeof items[i].id, ids[i % 4]);
        str_copy(items[i].tls_version, sizeof items[i].tls_version, tls[i % 3]);
        str_copy(items[i].severity, sizeof items[i].severity, res_severities[i % RES_N_SEVERITIES]);
        items[i].verdict = (res_verdict)(i % RES_N_VERDICTS);
    }
    res_run run = { .items = items, .n = 12 };
    const char *const targets[] = { "https://gw:8443", "https://gw:8443/" };
    const int64_t now = 1806451200; /* 2027-03-31 */
    res_waivers_apply(&w, &run, targets, 2, now);
    size_t waived = 0;
    for (int i = 0; i < 12; i++) {
        if (!items[i].waived)
            continue;
        waived++;
        if (items[i].verdict != RES_FAIL || !items[i].waiver_reason[0] || strlen(items[i].waiver_expires) != 10)
            abort();
    }
    size_t by_waiver = 0;
    for (size_t k = 0; k < w.n; k++) {
        by_waiver += w.items[k].waived;
        if (w.items[k].waived && w.items[k].expires_end <= now)
            abort();
    }
    res_gate g = res_run_gate(&run, 2);
    res_counts c = res_run_count(&run);
    if (by_waiver != waived || g.waived != waived || c.waived != waived ||
        g.failing + g.below + g.waived != c.failed || g.unjudged != c.inconclusive + c.errors)
        abort();
    res_waivers_free(&w);
    return 0;
}
