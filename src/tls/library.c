/* The TLS library as a whole: process-wide setup and what --version says
 * about it. The one place that names wolfSSL's version and build macros, so
 * main.c reports them without including a wolfSSL header. */
#include "tls/tls_int.h"

#include <wolfssl/version.h>

int tls_global_init(void)
{
    return wolfSSL_Init() == WOLFSSL_SUCCESS ? 0 : -1;
}

void tls_global_cleanup(void)
{
    wolfSSL_Cleanup();
}

const char *tls_library_version(void)
{
    return wolfSSL_lib_version();
}

const char *tls_built_version(void)
{
    return LIBWOLFSSL_VERSION_STRING;
}

int tls_build_speedups(const char **names, int max)
{
    int n = 0;
#ifdef WOLFSSL_SP_X86_64_ASM
    if (n < max)
        names[n++] = "SP x86_64 (ECC/RSA/DH)";
#endif
#ifdef USE_INTEL_SPEEDUP
    if (n < max)
        names[n++] = "Intel AES-NI/AVX (ciphers, hashes)";
#endif
    (void)names;
    (void)max;
    return n;
}
