/* Fixture generation. Definitions are generated in spec order (issuers come
 * first), then one CRL per CA lists the revoked certificates it issued. With
 * a seed, each fixture gets its own deterministic RNG derived from the seed
 * and its name, so adding a fixture never changes the others. */
#define _GNU_SOURCE /* renameat2 */
#include "pki/fixtures.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "pki/cert.h"
#include "pki/der.h"
#include "pki/fixtures_int.h"
#include "pki/import.h"
#include "pki/key.h"
#include "results/results.h"
#include "util/fs.h"
#include "util/timeutil.h"

static int rng_for(WC_RNG *rng, const pki_gen_opts *o, const char *purpose,
                   const char *name, mp_err *e)
{
    if (!o->seeded)
        return pki_rng_init(rng, NULL, 0, e);
#define SEED_FMT "mtlsprobe-fixtures/%s/%llu/%s"
    int n = snprintf(NULL, 0, SEED_FMT, purpose, (unsigned long long)o->seed, name);
    char *buf = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (!buf)
        return mp_fail(e, "out of memory");
    snprintf(buf, (size_t)n + 1, SEED_FMT, purpose, (unsigned long long)o->seed, name);
#undef SEED_FMT
    int rc = pki_rng_init(rng, (const uint8_t *)buf, (size_t)n, e);
    free(buf);
    return rc;
}

/* Extensions from the spec plus those built from named fields. The DER
 * buffers live in `bufs` until the certificate is made. */
static int collect_exts(const pki_fixture_def *d, pki_cert_params *p, der_buf bufs[3],
                        mp_err *e)
{
    for (size_t i = 0; i < d->n_exts; i++) {
        p->exts[p->n_exts++] = (pki_ext){ d->exts[i].oid, d->exts[i].critical,
                                          d->exts[i].der, d->exts[i].len };
    }
    if (d->nc_permitted.n + d->nc_excluded.n) {
        if (pki_name_constraints(&bufs[0], (const char *const *)d->nc_permitted.v,
                                 d->nc_permitted.n, (const char *const *)d->nc_excluded.v,
                                 d->nc_excluded.n, e) != 0)
            return -1;
        p->exts[p->n_exts++] = (pki_ext){ "2.5.29.30", 1, bufs[0].p, bufs[0].len };
    }
    if (d->crl_url) { /* CRLDistributionPoints: one point, one URI */
        der_buf *b = &bufs[1];
        size_t s0 = der_begin(b), s1 = der_begin(b), s2 = der_begin(b), s3 = der_begin(b);
        der_tlv(b, DER_CTX | 6, d->crl_url, strlen(d->crl_url));
        der_end(b, DER_CTX_CONS | 0, s3);
        der_end(b, DER_CTX_CONS | 0, s2);
        der_end(b, DER_SEQUENCE, s1);
        der_end(b, DER_SEQUENCE, s0);
        p->exts[p->n_exts++] = (pki_ext){ "2.5.29.31", 0, b->p, b->len };
    }
    if (d->ocsp_url) { /* AuthorityInfoAccess: id-ad-ocsp */
        der_buf *b = &bufs[2];
        size_t s0 = der_begin(b), s1 = der_begin(b);
        der_oid(b, "1.3.6.1.5.5.7.48.1");
        der_tlv(b, DER_CTX | 6, d->ocsp_url, strlen(d->ocsp_url));
        der_end(b, DER_SEQUENCE, s1);
        der_end(b, DER_SEQUENCE, s0);
        p->exts[p->n_exts++] = (pki_ext){ "1.3.6.1.5.5.7.1.1", 0, b->p, b->len };
    }
    for (int i = 0; i < 3; i++)
        if (bufs[i].failed)
            return mp_fail(e, "out of memory");
    return 0;
}

/* Pin, subject and fingerprint of a finished certificate. */
static int describe(made *m, mp_err *e)
{
    der_cert_parts parts;
    if (der_cert_split(m->der, m->der_len, &parts) != 0)
        return mp_fail(e, "generated certificate does not parse");
    if (pki_spki_pin(parts.spki.p, parts.spki.len, m->pin, e) != 0)
        return -1;
    if (der_name_string(parts.subject, m->subject, sizeof m->subject) != 0)
        return mp_fail(e, "subject is too long to record (over %zu characters)", sizeof m->subject);
    uint8_t fp[WC_SHA256_DIGEST_SIZE];
    wc_Sha256Hash(m->der, (word32)m->der_len, fp);
    der_hex(fp, sizeof fp, 0, m->fingerprint, sizeof m->fingerprint);
    return 0;
}

/* An imported CA: its certificate and key come from the organization's
 * files; nothing is generated, and the key stays in memory only. */
static int import_one(const pki_fixture_def *d, made *m, mp_err *e)
{
    m->import = calloc(1, sizeof *m->import);
    if (!m->import)
        return mp_fail(e, "out of memory");
    if (pki_import_cert_load(m->import, d->import_cert, e) != 0)
        return -1;
    if (pki_import_key_load(&m->key, m->import, d->import_key, d->import_pass, e) != 0)
        return -1;
    pki_import_cert *c = m->import;
    m->der = malloc(c->len[0]);
    if (!m->der)
        return mp_fail(e, "out of memory");
    memcpy(m->der, c->der[0], c->len[0]);
    m->der_len = c->len[0];
    memcpy(m->skid, c->info.skid, c->info.skid_len);
    m->skid_len = c->info.skid_len;
    der_cert_parts parts;
    if (der_cert_split(m->der, m->der_len, &parts) != 0)
        return mp_fail(e, "the issuer certificate does not parse");
    if (parts.serial.len > sizeof m->serial)
        return mp_fail(e, "the issuer certificate's serial is longer than 20 bytes");
    memcpy(m->serial, parts.serial.p, parts.serial.len);
    m->serial_len = parts.serial.len;
    return describe(m, e);
}

static int make_one(const pki_spec *s, size_t i, made *all, const pki_gen_opts *o,
                    pki_gen_stats *st, mp_err *e)
{
    const pki_fixture_def *d = &s->defs[i];
    made *m = &all[i];
    WC_RNG rng;
    if (rng_for(&rng, o, "cert", d->name, e) != 0)
        return -1;
    int rc = -1;
    der_buf sans, bufs[3];
    der_init(&sans);
    for (int k = 0; k < 3; k++)
        der_init(&bufs[k]);

    if (d->import_cert) {
        rc = import_one(d, m, e);
        goto out;
    }
    m->serial_len = 16;
    if (wc_RNG_GenerateBlock(&rng, m->serial, m->serial_len) != 0) {
        mp_fail(e, "random generator failed");
        goto out;
    }
    m->serial[0] = (uint8_t)((m->serial[0] & 0x7f) | 0x10); /* positive, 16 bytes */
    if (pki_key_generate(&m->key, d->key_type, &rng, e) != 0)
        goto out;
    st->keys++;
    st->rsa_keys += pki_key_type_is_rsa(d->key_type);
    if (d->key_mismatch) {
        if (pki_key_generate(&m->other, d->key_type, &rng, e) != 0)
            goto out;
        st->keys++;
        st->rsa_keys += pki_key_type_is_rsa(d->key_type);
    }

    pki_cert_params p;
    memset(&p, 0, sizeof p);
    p.subject = d->subject;
    p.key = &m->key;
    if (d->issuer >= 0) {
        p.issuer_cert = all[d->issuer].der;
        p.issuer_cert_len = all[d->issuer].der_len;
        p.issuer_key = &all[d->issuer].key;
    }
    p.not_before = d->not_before;
    p.not_after = d->not_after;
    p.serial = m->serial;
    p.serial_len = m->serial_len;
    p.is_ca = d->is_ca;
    p.pathlen = d->pathlen;
    p.key_usage = d->key_usage;
    p.eku = d->eku;
    p.hash = d->hash;
    if (d->sans.n) {
        if (pki_general_names(&sans, (const char *const *)d->sans.v, d->sans.n, e) != 0)
            goto out;
        p.sans = sans.p;
        p.sans_len = sans.len;
    }
    if (collect_exts(d, &p, bufs, e) != 0)
        goto out;
    if (pki_cert_make(&p, &rng, &m->der, &m->der_len, m->skid, &m->skid_len, e) != 0)
        goto out;

    rc = describe(m, e);
out:
    if (rc != 0)
        mp_wrap(e, "%s: fixture %s", d->where, d->name);
    der_free(&sans);
    for (int k = 0; k < 3; k++)
        der_free(&bufs[k]);
    pki_rng_free(&rng);
    return rc;
}

/* stale = 1: a CRL issued 31 days before the current one whose nextUpdate
 * passed a day before it, for testing how gateways treat an outdated CRL. */
static int make_crl(const pki_spec *s, size_t i, made *all, const pki_gen_opts *o,
                    int stale, mp_err *e)
{
    const pki_fixture_def *d = &s->defs[i];
    pki_revoked *rev = calloc(s->n, sizeof *rev);
    if (!rev)
        return mp_fail(e, "out of memory");
    size_t n = 0;
    for (size_t k = 0; k < s->n; k++) {
        if (s->defs[k].issuer == (int)i && s->defs[k].revoked) {
            rev[n++] = (pki_revoked){ all[k].serial, all[k].serial_len,
                                      s->defs[k].revoked_at, s->defs[k].revoke_reason };
        }
    }
    WC_RNG rng;
    if (rng_for(&rng, o, stale ? "crl-stale" : "crl", d->name, e) != 0) {
        free(rev);
        return -1;
    }
    pki_crl_params cp = {
        .issuer_cert = all[i].der, .issuer_cert_len = all[i].der_len,
        .issuer_key = &all[i].key, .issuer_skid = all[i].skid,
        .issuer_skid_len = all[i].skid_len, .this_update = d->crl_this_update,
        .next_update = d->crl_next_update, .number = 1, .revoked = rev,
        .n_revoked = n, .hash = PKI_HASH_SHA256,
    };
    if (stale) {
        cp.this_update = d->crl_this_update - 31 * 86400;
        cp.next_update = d->crl_this_update - 86400;
        for (size_t k = 0; k < n; k++)
            if (rev[k].when > cp.this_update)
                rev[k].when = cp.this_update;
    }
    int rc = stale ? pki_crl_make(&cp, &rng, &all[i].crl_stale, &all[i].crl_stale_len, e)
                   : pki_crl_make(&cp, &rng, &all[i].crl, &all[i].crl_len, e);
    pki_rng_free(&rng);
    free(rev);
    if (rc != 0)
        return mp_wrap(e, "%s: CRL of %s", d->where, d->name);
    return 0;
}


/* Moves the finished temporary directory to out_dir, replacing what was
 * there only once the new one is complete. */
static int publish(const char *tmp, const pki_gen_opts *o, mp_err *e)
{
    const char *out = o->out_dir;
    if (fs_exists(out)) {
#ifdef RENAME_EXCHANGE
        /* One atomic swap: a reader (or a kill) sees the old set or the new
         * one, never no directory; tmp then holds the old set. */
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_EXCHANGE) == 0)
            return fs_remove_tree(tmp, e);
        /* not supported by this file system: two renames below */
#endif
        char old[4096];
        if (snprintf(old, sizeof old, "%s.old-%ld", out, (long)getpid()) >= (int)sizeof old)
            return mp_fail(e, "--out path is too long");
        if (rename(out, old) != 0)
            return mp_fail(e, "cannot replace %s: %s", out, mp_strerror(errno).s);
        if (rename(tmp, out) != 0) {
            int err = errno;
            rename(old, out);
            return mp_fail(e, "cannot move fixtures into %s: %s", out, mp_strerror(err).s);
        }
        return fs_remove_tree(old, e);
    }
    if (rename(tmp, out) != 0)
        return mp_fail(e, "cannot move fixtures into %s: %s", out, mp_strerror(errno).s);
    return 0;
}

static int interrupted(const pki_gen_opts *o, mp_err *e)
{
    if (o->stop && atomic_load(o->stop))
        return mp_fail(e, "interrupted; %s is unchanged", o->out_dir);
    return 0;
}

static int check_out_dir(const pki_gen_opts *o, mp_err *e)
{
    struct stat sb;
    if (stat(o->out_dir, &sb) != 0)
        return 0;
    if (!S_ISDIR(sb.st_mode))
        return mp_fail(e, "--out %s exists and is not a directory", o->out_dir);
    if (!o->force && !fs_dir_is_empty(o->out_dir))
        return mp_fail(e, "--out %s already exists (use --force to replace it)", o->out_dir);
    return 0;
}

int pki_generate(const pki_spec *s, const pki_gen_opts *o, pki_gen_stats *st, mp_err *e)
{
    int64_t t0 = tm_mono_ns();
    memset(st, 0, sizeof *st);
    if (check_out_dir(o, e) != 0)
        return -1;
    if (fs_mkdirs_for(o->out_dir, 0755, e) != 0)
        return -1;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", o->out_dir, (long)getpid()) >= (int)sizeof tmp)
        return mp_fail(e, "--out path is too long");
    if (fs_remove_tree(tmp, e) != 0)
        return -1;
    if (mkdir(tmp, 0755) != 0)
        return mp_fail(e, "cannot create output next to %s: %s", o->out_dir, mp_strerror(errno).s);

    made *all = calloc(s->n ? s->n : 1, sizeof *all);
    int rc = all ? 0 : mp_fail(e, "out of memory");
    for (size_t i = 0; rc == 0 && i < s->n; i++) {
        rc = interrupted(o, e);
        if (rc == 0)
            rc = make_one(s, i, all, o, st, e);
        if (rc == 0 && o->progress)
            o->progress(o->progress_ud, i + 1, s->n, s->defs[i].name);
    }
    for (size_t i = 0; rc == 0 && i < s->n; i++) {
        rc = interrupted(o, e);
        if (rc == 0 && pki_is_crl_issuer(&s->defs[i])) {
            rc = make_crl(s, i, all, o, 0, e);
            if (rc == 0)
                rc = make_crl(s, i, all, o, 1, e);
            st->crls++;
        }
    }
    if (rc == 0)
        rc = pki_fixtures_write(s, all, o, tmp, e);
    if (rc == 0)
        rc = interrupted(o, e);
    if (rc == 0)
        rc = publish(tmp, o, e);
    if (rc != 0) {
        mp_err ignored;
        fs_remove_tree(tmp, &ignored);
    }
    for (size_t i = 0; all && i < s->n; i++) {
        pki_key_free(&all[i].key);
        pki_key_free(&all[i].other);
        free(all[i].der);
        free(all[i].crl);
        free(all[i].crl_stale);
        if (all[i].import) {
            pki_import_cert_free(all[i].import);
            free(all[i].import);
        }
    }
    free(all);
    st->fixtures = rc == 0 ? s->n : 0;
    st->seconds = (double)(tm_mono_ns() - t0) / 1e9;
    return rc;
}
