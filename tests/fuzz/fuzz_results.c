/* Fuzz target: result files as report and report merge read them (run and
 * load documents, any version header), then the merge and the writer over
 * what was read, so a document that loads is also one the rest of the
 * pipeline survives. */
#include "fuzz.h"
#include "results/loaddoc.h"
#include "results/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *root;
    res_kind kind;
    mp_err e;
    if (res_doc_parse((const char *)data, size, "fuzz.json", &root, &kind, &e) != 0)
        return 0;
    if (kind == RES_KIND_RUN) {
        res_run r;
        if (res_run_from_json(root, &r, &e) == 0)
            res_run_free(&r);
    } else {
        res_load *l = res_load_new(), *m = res_load_new();
        if (l && m && res_load_from_json(root, l, &e) == 0) {
            const res_load *in[1] = { l };
            if (res_load_merge(in, NULL, 1, m, &e) == 0) {
                json_t *out = res_load_to_json(m);
                json_decref(out);
            }
            json_t *again = res_load_to_json(l);
            json_decref(again);
        }
        res_load_free(l);
        res_load_free(m);
    }
    json_decref(root);
    return 0;
}
