/* The floor under `mtlsprobe load`: the simplest client the same wolfSSL
 * build allows. One blocking connection at a time: connect, full TLS 1.3
 * mTLS handshake (X25519, gateway certificate verified), close. No event
 * loop, no timing, no histograms. Prints user and system CPU per handshake,
 * so the load engine's own figure can be read against what the library and
 * the kernel cost by themselves. A benchmark: it asserts nothing.
 *   bench_client PORT COUNT FIXTURES_DIR */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static WOLFSSL_CTX *make_ctx(const char *fx)
{
    char path[1024];
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
    if (!ctx)
        return NULL;
    int groups[] = { WOLFSSL_ECC_X25519 };
    snprintf(path, sizeof path, "%s/trust-bundle.pem", fx);
    int ok = wolfSSL_CTX_load_verify_locations(ctx, path, NULL) == WOLFSSL_SUCCESS;
    snprintf(path, sizeof path, "%s/client/valid.chain.pem", fx);
    ok = ok && wolfSSL_CTX_use_certificate_chain_file(ctx, path) == WOLFSSL_SUCCESS;
    snprintf(path, sizeof path, "%s/client/valid.key.pem", fx);
    ok = ok && wolfSSL_CTX_use_PrivateKey_file(ctx, path, WOLFSSL_FILETYPE_PEM) == WOLFSSL_SUCCESS;
    ok = ok && wolfSSL_CTX_set_groups(ctx, groups, 1) == WOLFSSL_SUCCESS;
    if (!ok) {
        wolfSSL_CTX_free(ctx);
        return NULL;
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
#ifdef HAVE_ECH
    wolfSSL_CTX_SetEchEnable(ctx, 0);
#endif
    return ctx;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_client PORT COUNT FIXTURES_DIR\n");
        return 2;
    }
    int port = atoi(argv[1]), count = atoi(argv[2]);
    wolfSSL_Init();
    WOLFSSL_CTX *ctx = make_ctx(argv[3]);
    if (!ctx || port <= 0 || count <= 0) {
        fprintf(stderr, "bench_client: cannot set up (fixtures in %s?)\n", argv[3]);
        return 2;
    }
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    int ok = 0;
    for (int i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        if (fd < 0)
            break;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        WOLFSSL *ssl = NULL;
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 && (ssl = wolfSSL_new(ctx)) &&
            wolfSSL_set_fd(ssl, fd) == WOLFSSL_SUCCESS &&
            wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, "localhost", 9) == WOLFSSL_SUCCESS &&
            wolfSSL_connect(ssl) == WOLFSSL_SUCCESS)
            ok++;
        wolfSSL_free(ssl);
        close(fd);
    }
    getrusage(RUSAGE_SELF, &r1);
    double user = seconds(r1.ru_utime) - seconds(r0.ru_utime);
    double sys = seconds(r1.ru_stime) - seconds(r0.ru_stime);
    printf("%d %d %.1f %.1f\n", ok, count, user * 1e6 / count, sys * 1e6 / count);
    wolfSSL_CTX_free(ctx);
    wolfSSL_Cleanup();
    return ok == count ? 0 : 1;
}
