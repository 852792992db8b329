/* Fuzz target: the fixture spec loader (Lua text calling ca{}, server{} and
 * client{}). Specs may use every standard library, so inputs that could
 * reach the file system or the shell (os, io, load, require, debug, _G,
 * _ENV...) are skipped: the fuzzer must never run a command or delete a
 * file it made up. The loader's own memory and instruction bounds keep
 * runaway loops and allocations from hanging the fuzzer. */
#include <string.h>

#include "fuzz.h"
#include "pki/spec.h"

static int ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Whether s names one of the globals that lead outside the process, as a
 * whole word ("hosts" is fine, "os" is not). */
static int dangerous(const char *s)
{
    static const char *const words[] = { "os", "io", "load", "loadfile", "dofile", "require",
                                         "package", "debug", "_G", "_ENV", "print",
                                         "collectgarbage", NULL };
    for (const char *const *w = words; *w; w++) {
        size_t n = strlen(*w);
        for (const char *p = strstr(s, *w); p; p = strstr(p + 1, *w))
            if ((p == s || !ident_char(p[-1])) && !ident_char(p[n]))
                return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text)
        return 0;
    if (!dangerous(text)) {
        static const char *const hosts[] = { "localhost", "127.0.0.1" };
        pki_spec_opts o = { .key_type = PKI_KEY_EC_P256, .hosts = hosts, .n_hosts = 2, .now = 1767225600 };
        pki_spec s;
        mp_err e;
        if (pki_spec_load_text(&s, text, strlen(text), "fuzz.lua", &o, &e) == 0) {
            for (size_t i = 0; i < s.n; i++)
                if (pki_spec_find(&s, s.defs[i].name) < 0)
                    abort();
            pki_spec_free(&s);
        }
    }
    free(text);
    return 0;
}
