/* Fuzz target: a fixtures directory's manifest.json, which run, load and
 * serve read from a directory the user names. */
#include "fuzz.h"
#include "pki/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pki_manifest m;
    mp_err e;
    if (pki_manifest_parse(&m, (const char *)data, size, "/fx", "/fx/manifest.json", &e) == 0) {
        for (size_t i = 0; i < m.n; i++)
            if (pki_manifest_find(&m, m.entries[i].name) == NULL)
                abort();
        pki_manifest_free(&m);
    }
    return 0;
}
