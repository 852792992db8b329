/* The TLS kind of net_transport (net/transport.h): a tls_conn driven through
 * the same table of functions as a plain TCP socket. */
#ifndef MP_TLS_TRANSPORT_H
#define MP_TLS_TRANSPORT_H

#include "net/transport.h"
#include "tls/tls.h"

/* Binds a connection made by tls_conn_init or tls_conn_reuse: t's calls go
 * to c, which stays the caller's (and keeps its outcome, c->out). No system
 * call. */
void tls_transport(net_transport *t, tls_conn *c);

#endif
