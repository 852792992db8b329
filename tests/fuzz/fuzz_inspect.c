/* Fuzz target: inspection of the certificates a peer sends (DER), as serve's
 * policy check and the audits read them. The input is a chain: certificates
 * one after the other, each inspected as wolfSSL would hand it over. */
#include "fuzz.h"
#include "pki/der.h"
#include "pki/inspect.h"

static void count_san(const char *san, void *arg)
{
    if (!san || strlen(san) > 1 << 20)
        abort();
    (*(size_t *)arg)++;
}

static void inspect_one(const uint8_t *p, size_t n)
{
    pki_cert_info info;
    (void)pki_inspect(p, n, &info);
    size_t sans = 0;
    (void)pki_inspect_sans(p, n, count_san, &sans);
    int64_t nb, na;
    (void)pki_inspect_validity(p, n, &nb, &na);
    der_cert_parts parts;
    (void)der_cert_split(p, n, &parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Each certificate as an exact-size copy, so ASan sees any overread. */
    der_in in = { data, size };
    uint8_t tag;
    der_in content, whole;
    int any = 0;
    while (der_next(&in, &tag, &content, &whole) == 0) {
        uint8_t *copy = malloc(whole.len ? whole.len : 1);
        if (!copy)
            return 0;
        memcpy(copy, whole.p, whole.len);
        inspect_one(copy, whole.len);
        free(copy);
        any = 1;
    }
    if (!any)
        inspect_one(data, size);
    return 0;
}
