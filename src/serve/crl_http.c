/* CRL distribution over HTTP. Files are read on each request rather than
 * cached, so regenerating fixtures under a running server takes effect. */
#define _DEFAULT_SOURCE
#include "serve/crl_http.h"

#include <stdlib.h>
#include <string.h>

#include "util/fs.h"

static int ends_with(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(s + n - k, suf, k) == 0;
}

void srv_crl_http_handle(void *arg, const srv_http_info *info, const http_request *q,
                         srv_http_reply *r)
{
    (void)info;
    const srv_crl_http *c = arg;
    if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0) {
        srv_http_reply_text(r, 405, "text/plain", "GET only\n", 9);
        return;
    }
    const char *t = q->target ? q->target : "/";
    size_t n = strcspn(t, "?");
    int pem = ends_with(t, n, ".crl.pem");
    if (*t != '/' || (!pem && !ends_with(t, n, ".crl"))) {
        srv_http_reply_text(r, 404, "text/plain", "try /<ca name>.crl or /<ca name>.crl.pem\n", 41);
        return;
    }
    size_t name_len = n - 1 - (pem ? 8 : 4);
    for (size_t i = 0; i < c->m->n; i++) {
        const pki_manifest_entry *x = &c->m->entries[i];
        if (!x->crl || strlen(x->name) != name_len || memcmp(x->name, t + 1, name_len) != 0)
            continue;
        const char *file = c->stale ? (pem ? x->crl_stale : x->crl_stale_der)
                                    : (pem ? x->crl : x->crl_der);
        char *data = NULL;
        size_t len = 0;
        mp_err e;
        if (!file || fs_read_file(file, &data, &len, &e) != 0) {
            srv_http_reply_text(r, 500, "text/plain", "CRL file missing\n", 17);
            return;
        }
        r->status = 200;
        r->content_type = pem ? "application/x-pem-file" : "application/pkix-crl";
        r->body = data;
        r->body_len = len;
        return;
    }
    srv_http_reply_text(r, 404, "text/plain", "no such CA\n", 11);
}
