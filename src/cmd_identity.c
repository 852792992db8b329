/* The user's own identities for run, load and serve: --pass SRC read once
 * (an fd: source can be read only once), then each --identity
 * NAME=CERT[,KEY] loaded in place of a fixture. The password lives on the
 * stack of this call only and is wiped before it returns. */
#define _DEFAULT_SOURCE
#include <string.h>

#include "cmd.h"
#include "pki/manifest.h"
#include "pki/secret.h"
#include "util/str.h"

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

/* " (did you mean client/valid?)", or "" when nothing is near. */
static void suggestion(const struct pki_manifest *m, const char *name, char *out, size_t n)
{
    const char *near = pki_manifest_closest(m, name);
    if (near)
        snprintf(out, n, " (did you mean %s?)", near);
    else
        out[0] = '\0';
}

int cmd_check_identity_names(const char *verb, const struct pki_manifest *m, const char *const *specs, size_t n,
                             const char *const *named, size_t n_named, int (*mentions)(const char *, void *),
                             void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(specs[i], '=');
        char name[256];
        if (!eq || (size_t)(eq - specs[i]) >= sizeof name)
            continue; /* the loader names the malformed spec */
        memcpy(name, specs[i], (size_t)(eq - specs[i]));
        name[eq - specs[i]] = '\0';
        int known = pki_manifest_find(m, name) != NULL;
        for (size_t k = 0; !known && k < n_named; k++)
            known = named[k] && strcmp(named[k], name) == 0;
        if (!known && mentions)
            known = mentions(name, ctx);
        if (known)
            continue;
        char hint[300];
        suggestion(m, name, hint, sizeof hint);
        cmd_error(verb, "--identity %s: no fixture %s in %s/manifest.json, and no option or selected scenario "
                        "uses that name, so it would replace nothing%s", name, name, m->dir, hint);
        return -1;
    }
    return 0;
}

int cmd_check_fixture_option(const char *verb, const struct pki_manifest *m, const char *option, const char *name)
{
    const pki_manifest_entry *x = pki_manifest_find(m, name);
    if (x && x->chain && x->role && strcmp(x->role, "client") == 0)
        return 0;
    char hint[300] = "";
    if (!x)
        suggestion(m, name, hint, sizeof hint);
    cmd_error(verb, "%s %s: %s%s", option, name,
              !x ? "not in the fixtures' manifest" : "not a client certificate fixture", hint);
    return -1;
}
