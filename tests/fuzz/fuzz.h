/* What every fuzz target shares: the libFuzzer entry point, and a helper
 * that turns the input into a NUL-terminated string for text parsers. */
#ifndef MP_FUZZ_H
#define MP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd copy of data with a final NUL (inner NULs stay and cut the
 * string short, as they would on a command line). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        if (size)
            memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

#endif
