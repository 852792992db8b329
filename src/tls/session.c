/* Sessions: the one a caller keeps to resume later, what it allows (a
 * ticket, early data), and the per-thread shared session that lets kept-alive
 * load connections drop their own. Callers hold a tls_session only through
 * these functions; the wolfSSL object behind it never leaves src/tls. */
#include "tls/tls_int.h"

#include <stdio.h>
#include <string.h>

int tls_conn_has_tls(const tls_conn *c)
{
    return c->ssl != NULL;
}

tls_session *tls_conn_session(tls_conn *c)
{
    return c->ssl ? wolfSSL_get1_session(c->ssl) : NULL;
}

void tls_session_free(tls_session *s)
{
    if (s)
        wolfSSL_SESSION_free(s);
}

int tls_conn_session_has_ticket(tls_conn *c)
{
    WOLFSSL_SESSION *s = c->ssl ? wolfSSL_get_session(c->ssl) : NULL;
    return s && wolfSSL_SESSION_has_ticket(s);
}

uint32_t tls_conn_session_max_early_data(tls_conn *c)
{
    WOLFSSL_SESSION *s = c->ssl ? wolfSSL_get_session(c->ssl) : NULL;
    return s ? (uint32_t)wolfSSL_SESSION_get_max_early_data(s) : 0;
}

int tls_conn_share_session(tls_conn *c, tls_shared_session *sh)
{
    if (!c->ssl || c->session_shared || c->out.result != TLS_R_OK)
        return 0;
    if (!sh->session) {
        sh->session = wolfSSL_get1_session(c->ssl);
        snprintf(sh->version, sizeof sh->version, "%s", c->out.version);
        snprintf(sh->cipher, sizeof sh->cipher, "%s", c->out.cipher);
        return 0; /* this connection's own session is now the shared one */
    }
    if (strcmp(sh->version, c->out.version) != 0 || strcmp(sh->cipher, c->out.cipher) != 0)
        return 0;
    /* A session not in wolfSSL's cache is taken by reference: the
     * connection's own is freed (wolfSSL 5.9, ssl_sess.c SetSession). */
    if (wolfSSL_set_session(c->ssl, sh->session) != WOLFSSL_SUCCESS)
        return 0;
    c->session_shared = 1;
    return 1;
}

void tls_shared_session_free(tls_shared_session *sh)
{
    if (sh->session)
        wolfSSL_SESSION_free(sh->session);
    sh->session = NULL;
}
