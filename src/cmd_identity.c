/* The user's own identities for run, load and serve: --pass SRC read once
 * (an fd: source can be read only once), then each --identity
 * NAME=CERT[,KEY] loaded in place of a fixture. The password lives on the
 * stack of this call only and is wiped before it returns. */
#define _DEFAULT_SOURCE
#include <string.h>

#include "cmd.h"
#include "pki/manifest.h"
#include "pki/secret.h"

int cmd_read_pass(const char *verb, const char *src, char *out, size_t n)
{
    mp_err e = { { 0 } };
    if (pki_pass_read(src, out, n, &e) != 0) {
        explicit_bzero(out, n);
        cmd_error(verb, "--pass: %s", e.msg);
        return -1;
    }
    return 0;
}

int cmd_apply_identities(const char *verb, struct pki_manifest *m, const char *const *specs, size_t n,
                         const char *pass_src)
{
    if (n == 0)
        return 0;
    char pass[PKI_PASS_MAX + 1];
    if (pass_src && cmd_read_pass(verb, pass_src, pass, sizeof pass) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        mp_err e = { { 0 } };
        if (pki_manifest_identity_spec(m, specs[i], pass_src ? pass : NULL, &e) != 0) {
            cmd_error(verb, "%s", e.msg);
            rc = -1;
        }
    }
    explicit_bzero(pass, sizeof pass);
    return rc;
}
