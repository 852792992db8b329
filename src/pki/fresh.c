/* Freshness of a fixture set. Each fixture is judged by what it is meant to
 * show: an `expired` fixture must stay expired and a `not-yet-valid` one not
 * yet valid, every other one (including the defective ones, whose defect is
 * something else) must be inside its validity, and every CA's CRL before its
 * nextUpdate. The imported CA's validity is read from its certificate, since
 * the manifest records only its fingerprint and subject. */
#include "pki/fresh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>

#include "pki/import.h"

static int add(pki_fresh *f, const char *name, int stale, int64_t when, const char *what)
{
    pki_fresh_item *nv = realloc(f->v, (f->n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    f->v = nv;
    pki_fresh_item *x = &f->v[f->n++];
    x->name = name;
    x->stale = stale;
    x->when = when;
    snprintf(x->what, sizeof x->what, "%s", what);
    return 0;
}

static int tag_is(const pki_manifest_entry *x, const char *t)
{
    return x->defect && strcmp(x->defect, t) == 0;
}

static int check_one(const pki_manifest_entry *x, int64_t now, int64_t within, pki_fresh *f,
                     mp_err *e)
{
    int64_t nb = x->not_before, na = x->not_after;
    if (x->imported) {
        pki_import_cert c;
        if (pki_import_cert_load(&c, x->cert, e) != 0)
            return -1;
        nb = c.not_before;
        na = c.not_after;
        pki_import_cert_free(&c);
    }
    int rc = 0;
    if (tag_is(x, "expired") || tag_is(x, "expired-ca")) {
        /* meant to be expired: nothing can go stale */
    } else if (tag_is(x, "not-yet-valid")) {
        if (nb && nb <= now)
            rc |= add(f, x->name, 1, nb, "became valid: it no longer shows its defect");
        else if (nb && nb <= now + within)
            rc |= add(f, x->name, 0, nb, "becomes valid: it will no longer show its defect");
    } else if (na) {
        if (na <= now)
            rc |= add(f, x->name, 1, na, "certificate expired");
        else if (na <= now + within)
            rc |= add(f, x->name, 0, na, "certificate expires");
    }
    if (x->crl && x->crl_next_update) {
        if (x->crl_next_update <= now)
            rc |= add(f, x->name, 1, x->crl_next_update, "CRL past its nextUpdate");
        else if (x->crl_next_update <= now + within)
            rc |= add(f, x->name, 0, x->crl_next_update, "CRL reaches its nextUpdate");
    }
    return rc == 0 ? 0 : mp_fail(e, "out of memory");
}

int pki_fresh_check(const pki_manifest *m, const char *only, int64_t now, int64_t within,
                    pki_fresh *out, mp_err *e)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < m->n; i++) {
        const pki_manifest_entry *x = &m->entries[i];
        if (only && strcmp(x->name, only) != 0) {
            /* Only the CRLs of the other fixtures. */
            if (!x->crl || !x->crl_next_update)
                continue;
            int rc = 0;
            if (x->crl_next_update <= now)
                rc = add(out, x->name, 1, x->crl_next_update, "CRL past its nextUpdate");
            else if (x->crl_next_update <= now + within)
                rc = add(out, x->name, 0, x->crl_next_update, "CRL reaches its nextUpdate");
            if (rc != 0) {
                pki_fresh_free(out);
                return mp_fail(e, "out of memory");
            }
            continue;
        }
        out->checked++;
        if (check_one(x, now, within, out, e) != 0) {
            pki_fresh_free(out);
            return -1;
        }
    }
    return 0;
}

void pki_fresh_free(pki_fresh *f)
{
    free(f->v);
    memset(f, 0, sizeof *f);
}
