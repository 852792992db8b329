/* Network basics shared by run, load and serve: target URLs, address
 * resolution, and sockets with deadlines. Every wait takes an absolute
 * monotonic deadline, so no network step can hang. */
#ifndef MP_NET_H
#define MP_NET_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/err.h"

/* The application protocol a target URL's scheme names. */
typedef enum net_scheme {
    NET_SCHEME_HTTPS, /* https://HOST[:PORT][/PATH]: HTTP/1.1 or HTTP/2 over TLS, port 443 */
    NET_SCHEME_TLS,   /* tls://HOST:PORT: TLS only, the port is required */
    NET_SCHEME_MQTTS, /* mqtts://HOST[:PORT]: MQTT 3.1.1 or 5 over TLS, port 8883 */
    NET_SCHEME_GRPCS  /* grpcs://HOST[:PORT][/package.Service/Method]: gRPC over HTTP/2, port 443;
                         the path defaults to the gRPC health check */
} net_scheme;

/* "https", "tls", "mqtts", "grpcs". */
const char *net_scheme_name(net_scheme s);

typedef struct net_url {
    net_scheme scheme;
    char host[256];   /* without brackets for IPv6 literals */
    int port;
    char path[1024];  /* starts with '/' */
    char authority[300]; /* host[:port] as written, for Host: */
} net_url;

/* "SCHEME://host[:port][/path]" for the schemes of net_scheme; the port
 * defaults per scheme (tls:// has none), only https:// and grpcs:// take a
 * path, and grpcs:// defaults it to /grpc.health.v1.Health/Check. */
int net_url_parse(const char *s, net_url *u, mp_err *e);

/* "host:port" or "[v6]:port". */
int net_hostport_parse(const char *s, char *host, size_t hostlen, int *port, mp_err *e);
/* The same for an address to listen on, where port 0 asks the kernel for a
 * free one (see net_addr_bound). */
int net_listen_parse(const char *s, char *host, size_t hostlen, int *port, mp_err *e);

typedef struct net_addr {
    struct sockaddr_storage ss;
    socklen_t len;
    char text[64]; /* "127.0.0.1:8443" or "[::1]:8443" */
} net_addr;

/* The address a bound socket actually has (the port the kernel chose for
 * port 0): fills a, text included; -1 when getsockname fails. */
int net_addr_bound(net_addr *a, int fd);

/* Resolves host:port (numeric hosts without a lookup). */
int net_resolve(const char *host, int port, net_addr *out, mp_err *e);

/* Local source addresses: "127.0.0.2-127.0.0.9" (IPv4, inclusive), one
 * IPv4 address, or one IPv6 address (port 0). *out is malloc'd. */
int net_source_range_parse(const char *s, net_addr **out, int *n, mp_err *e);

typedef enum net_status {
    NET_OK = 0,
    NET_REFUSED,
    NET_TIMEOUT,
    NET_UNREACHABLE,
    NET_ERROR
} net_status;

const char *net_status_name(net_status s);

/* Non-blocking connect, finished within the deadline (tm_mono_ns() time).
 * On NET_OK *fd is a connected non-blocking socket with TCP_NODELAY. */
net_status net_connect(const net_addr *a, int64_t deadline_ns, int *fd, mp_err *e);

/* What the calling thread's network steps answer to, besides their
 * deadlines: a stop flag (SIGINT), checked at least every 100 ms, after
 * which every wait fails at once with errno EINTR; and a count of the
 * connections net_connect started, for time limits that grow with them.
 * The guard belongs to the thread that set it, and must outlive its use. */
typedef struct net_guard {
    const atomic_int *stop; /* may be NULL */
    unsigned long connects;
} net_guard;

/* Sets this thread's guard (NULL: none, the default). */
void net_guard_set(net_guard *g);

/* Waits until fd is readable (POLLIN) or writable (POLLOUT).
 * Returns 1 ready, 0 deadline passed, -1 error (EINTR: the guard's stop
 * flag was set). */
int net_wait(int fd, short events, int64_t deadline_ns);

/* Turns Nagle's algorithm off (TCP_NODELAY). */
void net_set_nodelay(int fd);

/* Closes with an RST instead of a FIN (SO_LINGER 0). */
void net_close_rst(int fd);

#endif
