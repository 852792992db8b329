/* The one TLS path, over wolfSSL, shared by run, load and serve. A client
 * context (tls_client) is read-only after creation and can be shared by
 * threads; a connection (tls_conn) is driven either step by step from an
 * event loop (tls_conn_handshake_step) or to completion with a deadline
 * (tls_conn_handshake). Every outcome is classified here, in one place:
 * accepted, alert received or sent (name and code), verify error, timeout,
 * reset, closed.
 *
 * Sealed: this header includes no wolfSSL header. The wolfSSL objects a
 * client, server or connection holds are forward-declared and read only by
 * src/tls; everything else goes through the functions below. */
#ifndef MP_TLS_H
#define MP_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pki/fleet.h"
#include "tls/names.h"
#include "util/err.h"

/* wolfSSL's objects, opaque outside src/tls. */
struct WOLFSSL;
struct WOLFSSL_CTX;
struct WOLFSSL_SESSION;

/* A session kept to resume later (tls_conn_session); free it with
 * tls_session_free. */
typedef struct WOLFSSL_SESSION tls_session;

/* Process-wide setup of the TLS library, once before any verb runs and
 * once after (main.c). */
int tls_global_init(void);
void tls_global_cleanup(void);

/* The TLS library's version at run time, and the one built against. */
const char *tls_library_version(void);
const char *tls_built_version(void);

/* The assembly speed-ups compiled into the TLS library, as names for
 * --version: fills up to max entries and returns how many. */
int tls_build_speedups(const char **names, int max);

typedef struct tls_client_opts {
    const char *ca_file;      /* trust anchors for the server's chain */
    int verify_peer;          /* 0: accept any server certificate */
    const char *chain_file;   /* client leaf + intermediates (PEM); NULL: none */
    const char *key_file;     /* its private key, which may deliberately not match */
    /* Or the same in memory, for an identity the user gave as PKCS#12 or
     * with an encrypted key (pki/identity.h): the decrypted key is never
     * written to a file. Used when chain_pem is set; chain_file and key_file
     * then only name the files in messages. */
    const uint8_t *chain_pem; /* leaf + intermediates, PEM */
    size_t chain_pem_len;
    const uint8_t *key_der;   /* the private key, unencrypted DER */
    size_t key_der_len;
    int require_key_match;    /* refuse a key that does not match (user-given files) */
    tls_version version;
    const char *ciphers;      /* wolfSSL/OpenSSL cipher list; NULL: defaults */
    const char *groups;       /* "X25519:P-256:..."; NULL: defaults */
    /* Audit probes (tls/audit.c); zero keeps the ordinary client. */
    int no_ticket;            /* do not offer the TLS 1.2 session_ticket extension */
    int ocsp_stapling;        /* ask for a stapled OCSP response (status_request) */
    int secure_renegotiation; /* offer renegotiation_info, for tls_conn_renegotiate */
    int post_handshake_auth;  /* TLS 1.3: offer post_handshake_auth (RFC 8446 4.6.2) */
    /* Remember ECDSA signatures that verified (tls/sigcache.c), for a client
     * that meets the same certificate chain on every handshake. The client
     * must then stay on one thread. */
    int memo_signatures;
    /* Verify ECDSA signatures through tls/sigcache.c (memo_signatures says
     * whether it remembers) and keep the last one that failed, for
     * tls_client_take_sig_failure; memo_signatures implies it. The client
     * must then stay on one thread. */
    int watch_signatures;
    /* Load only (--reuse-key-share): keep one ephemeral key share (X25519,
     * and one on the first NIST curve of groups) for this long instead of a
     * fresh one per handshake (tls/keyshare.c); 0: fresh every time. The
     * client must then stay on one thread. */
    int64_t reuse_key_share_ns;
} tls_client_opts;

typedef struct tls_client {
    struct WOLFSSL_CTX *ctx;  /* src/tls only */
    tls_version version;
    int ocsp_stapling;        /* each connection asks for a staple */
    struct tls_sigcache *sigcache; /* NULL unless memo_signatures or watch_signatures */
    struct tls_keyshare *keyshare; /* NULL unless reuse_key_share_ns */
} tls_client;

int tls_client_init(tls_client *c, const tls_client_opts *o, mp_err *e);
void tls_client_free(tls_client *c);

/* An ECDSA signature that did not verify (a server's CertificateVerify, or
 * a certificate's signature in its chain), as wolfSSL asked to check it:
 * for diagnosis of a failure seen once in millions of handshakes. */
typedef struct tls_sig_failure {
    uint8_t sig[144];    /* DER ECDSA-Sig-Value */
    unsigned sig_len;
    uint8_t digest[64];  /* the digest verified: for a TLS 1.3 CertificateVerify, the hash of
                          * the signed content over the handshake transcript hash */
    unsigned digest_len;
    uint8_t key[160];    /* the signer's SubjectPublicKeyInfo */
    unsigned key_len;
    int wolf_rc;         /* wolfCrypt's return code: 0 when it ran and said "no" */
} tls_sig_failure;

/* With watch_signatures or memo_signatures: the last signature failure since
 * the previous call, 1 and *f filled; else 0. */
int tls_client_take_sig_failure(tls_client *c, tls_sig_failure *f);

/* Valid P-256 signatures the x86_64 assembly refused and the generic code
 * verified, on this client's connections (watch_signatures or memo). */
unsigned long long tls_client_sig_overturned(const tls_client *c);

/* Key pairs a client with reuse_key_share_ns has made (0 without it). */
uint64_t tls_client_key_shares_made(const tls_client *c);

typedef enum tls_result {
    TLS_R_NONE = 0,       /* not finished */
    TLS_R_OK,             /* handshake completed */
    TLS_R_ALERT_RECEIVED, /* the peer sent a fatal alert */
    TLS_R_ALERT_SENT,     /* we sent one (e.g. we refused its certificate) */
    TLS_R_VERIFY_FAILED,  /* we could not verify the peer's chain */
    TLS_R_TIMEOUT,
    TLS_R_RESET,          /* TCP RST */
    TLS_R_CLOSED,         /* the peer closed without an alert */
    TLS_R_ERROR           /* anything else, see error_text */
} tls_result;

const char *tls_result_name(tls_result r);

typedef struct tls_outcome {
    tls_result result;
    int alert_code;        /* -1 when none */
    int alert_sent;        /* the alert was ours, not the peer's */
    int wolf_error;        /* wolfSSL's error code, 0 when none */
    char error_text[160];
    char version[16];      /* negotiated, e.g. "TLSv1.3" */
    char cipher[64];
    char group[32];
    char alpn[32];
    int resumed;
    int cert_requested;    /* the server sent a CertificateRequest */
    int after_handshake;   /* the failure came after a completed handshake (how a
                            * TLS 1.3 server refuses a client certificate) */
    int peer_is_client;    /* we are the server: the peer's certificate is a client's */
    int64_t handshake_ns;  /* ClientHello to handshake done */
    /* TLS 1.3 0-RTT, when tls_conn_opts.early_data was set: bytes sent as
     * early data (0: none could be, e.g. the session allows none), and
     * the server's answer: 2 accepted, 1 rejected, 0 not sent. */
    int early_data_sent;
    int early_data_status;
    int not_tls;           /* the peer answered the ClientHello in plaintext: 2 HTTP, 1 another
                            * protocol (a banner); not a TLS port. error_text says what it sent */
} tls_outcome;

/* Describes an outcome in one line: "alert bad_certificate (42) received". */
void tls_outcome_describe(const tls_outcome *o, char *out, size_t outlen);

/* The TLS library's text for one of its error codes (tls_outcome.wolf_error,
 * tls_capture.ocsp_error); out holds TLS_ERROR_TEXT_MAX bytes at most. */
#define TLS_ERROR_TEXT_MAX 80
void tls_error_text(int err, char *out, size_t outlen);

struct tls_capture;

typedef struct tls_conn {
    struct WOLFSSL *ssl;     /* src/tls only: outside, tls_conn_has_tls */
    int fd;
    unsigned char *rbuf;     /* read-ahead (2 KB, a typical flight), kept for reuse */
    unsigned rpos, rlen;
    int edge_reads;  /* tls_conn_edge_reads: recv only after the socket said readable */
    int readable;    /* ... and since then no read came back short */
    int64_t started_ns;
    int io_closed;   /* set by our I/O callbacks: the peer sent FIN */
    int io_reset;    /* ... or RST */
    int io_errno;    /* ... or another socket error */
    int rx_seen;     /* a byte has arrived */
    char plaintext[64]; /* the first line, when the first bytes were "HTTP/": a plaintext port */
    int io_writing;  /* tls_conn_write is sending: a reset is reported as "would
                      * block", which leaves wolfSSL able to read what came before it */
    int psk_offered; /* a session was offered: after TLS 1.3, tls_conn_reuse
                      * replaces the wolfSSL object, which cannot forget it */
    int session_shared; /* tls_conn_share_session: tls_conn_reuse replaces the object */
    tls_outcome out;
    struct tls_capture *capture; /* audit: what the server's messages said */
    const void *early_data;  /* still to send as 0-RTT data (tls_conn_opts.early_data) */
    size_t early_data_len;
} tls_conn;

typedef struct tls_conn_opts {
    const char *sni;          /* NULL: no SNI */
    const char *alpn;         /* "h2,http/1.1"; NULL: none */
    tls_session *resume;      /* a saved session to resume, or NULL */
    struct tls_capture *capture; /* non-NULL: record the server's handshake (tls/audit.h) */
    /* Sent as TLS 1.3 early data with the resumed session (resume must be
     * set and allow it); the caller keeps it alive through the handshake.
     * The outcome says whether the server accepted it. */
    const void *early_data;
    size_t early_data_len;
    /* The signature_algorithms offered ("ED25519", "ECDSA+SHA256:RSA-PSS+SHA256"),
     * so a server with several certificates shows the one for them; NULL:
     * defaults. Set on the connection: on the context, wolfSSL would make
     * an empty cipher suite list of it. */
    const char *sigalgs;
    /* A fleet member to present instead of the client context's identity
     * (load --clients): DER leaf and key, the intermediates coming from the
     * context's chain; or, with identity_pem, a PEM chain and PEM key.
     * wolfSSL copies them into the connection; the caller keeps them. */
    const pki_fleet_member *identity;
    int identity_pem;
} tls_conn_opts;

/* The fd-ownership rule, for tls_conn_init, tls_conn_reuse and
 * tls_conn_init_server alike: the call takes fd over, whatever it returns.
 * On success the conn owns fd (tls_conn_close or tls_conn_close_keep closes
 * it). On failure the fd is closed and the object is safe to close: it holds
 * no socket (fd -1) and no TLS object (tls_conn_has_tls is 0), and
 * tls_conn_close on it does nothing. The caller never closes fd itself. */

/* Binds a connected, non-blocking socket (the fd-ownership rule above). */
int tls_conn_init(tls_conn *c, tls_client *cl, int fd, const tls_conn_opts *o, mp_err *e);

typedef enum tls_step {
    TLS_STEP_DONE,
    TLS_STEP_WANT_READ,
    TLS_STEP_WANT_WRITE,
    TLS_STEP_FAILED
} tls_step;

/* One non-blocking step of the handshake; DONE and FAILED fill c->out. */
tls_step tls_conn_handshake_step(tls_conn *c);

/* Runs the handshake to its end or the deadline (tm_mono_ns time). */
tls_result tls_conn_handshake(tls_conn *c, int64_t deadline_ns);

/* Writes everything or fails; -1 fills c->out with the reason. A peer that
 * resets the connection during the write is still read: what it sent before
 * its reset is the answer. Its alert (a TLS 1.3 server refusing the client's
 * certificate sends one, then resets) becomes the reason; if it sent data
 * instead, the write counts as done (0) and tls_conn_read returns that data,
 * then the reset. */
int tls_conn_write(tls_conn *c, const void *buf, size_t len, int64_t deadline_ns);

/* Reads what is available, waiting until the deadline. Returns bytes read,
 * 0 when the peer closed cleanly, -1 on error or timeout (c->out says which:
 * an alert arriving here is how TLS 1.3 servers reject a client certificate
 * after the client's handshake is already complete). */
ssize_t tls_conn_read(tls_conn *c, void *buf, size_t len, int64_t deadline_ns);

/* Whether the connection holds a TLS object (from tls_conn_init until
 * tls_conn_close), whether or not its socket is still open. */
int tls_conn_has_tls(const tls_conn *c);

/* The session to resume later, or NULL (caller frees with tls_session_free). */
tls_session *tls_conn_session(tls_conn *c);
void tls_session_free(tls_session *s);

/* The connection's current session carries a ticket (TLS 1.2
 * NewSessionTicket, or a TLS 1.3 ticket read after the handshake). 0 when
 * there is no connection or no session. */
int tls_conn_session_has_ticket(tls_conn *c);

/* How much 0-RTT data the connection's current session allows (TLS 1.3
 * max_early_data_size), 0 when none. */
uint32_t tls_conn_session_max_early_data(tls_conn *c);

/* Memory for many kept-alive connections (load). Once a connection's
 * handshake is done and its session will never be resumed, the session
 * object it holds is dead weight: 39 KiB in this wolfSSL build (two static
 * certificate-chain buffers), more than the rest of the connection. A
 * shared session (one per thread: the first connection's) replaces it,
 * reference-counted. Only a session of the same TLS version and cipher is
 * shared, since wolfSSL copies those fields into the connection; and the
 * connection's wolfSSL object is not reused for another handshake (its
 * "resuming" flag is set). Returns 1 when shared, 0 when not. */
typedef struct tls_shared_session {
    tls_session *session;
    char version[16], cipher[64];
} tls_shared_session;
int tls_conn_share_session(tls_conn *c, tls_shared_session *sh);
void tls_shared_session_free(tls_shared_session *sh);

/* ---- server side -------------------------------------------------------- */

typedef int (*tls_verify_fn)(int preverify, const uint8_t *der, size_t der_len, int depth);

/* Every server context is strict, whatever the probing wolfSSL build allows:
 * TLS 1.2 and 1.3; the TLS 1.3 suites and ECDHE with AES-GCM or
 * ChaCha20-Poly1305 for TLS 1.2; groups X25519, P-256, P-384; secure
 * renegotiation announced, a renegotiation the client starts refused. */
typedef struct tls_server_opts {
    const char *chain_file;        /* the server's leaf + intermediates */
    const char *key_file;
    const uint8_t *chain_pem;      /* or both in memory, as for the client */
    size_t chain_pem_len;
    const uint8_t *key_der;
    size_t key_der_len;
    const char *ca_file;           /* trust anchors for client certificates */
    const char *const *crl_files;  /* PEM CRLs, each checked for the whole chain */
    size_t n_crl_files;
    int require_client_cert;
    /* Extra policy on each certificate of the client's chain, called for
     * every certificate, also when the library's own checks passed:
     * preverify is their verdict (1 passed), der the certificate, depth 0
     * the client's leaf. Returns 1 to accept, 0 to refuse the handshake. */
    tls_verify_fn verify_cb;
} tls_server_opts;

typedef struct tls_server {
    struct WOLFSSL_CTX *ctx;           /* src/tls only */
    struct tls_server_policy *policy;  /* verify_cb, where the library's callback finds it */
} tls_server;

int tls_server_init(tls_server *s, const tls_server_opts *o, mp_err *e);
void tls_server_free(tls_server *s);

/* Binds an accepted, non-blocking socket (the fd-ownership rule above). */
int tls_conn_init_server(tls_conn *c, tls_server *s, int fd, mp_err *e);

/* One non-blocking step of the server handshake. Drops intermediates that
 * wolfSSL cached from the peer's chain, so call it from one thread per
 * tls_server. */
tls_step tls_conn_accept_step(tls_conn *c);

/* Non-blocking read/write for event loops: bytes, 0 on clean close,
 * TLS_IO_WANT_READ / TLS_IO_WANT_WRITE, or TLS_IO_FAILED (c->out says why). */
enum { TLS_IO_WANT_READ = -2, TLS_IO_WANT_WRITE = -3, TLS_IO_FAILED = -1 };
int tls_conn_read_nb(tls_conn *c, void *buf, size_t len);

/* For an edge-triggered event loop: from now on the connection calls recv
 * only after tls_conn_readable, and until a read comes back short or would
 * block (the socket is then drained, and the next arrival brings a new edge).
 * Saves the recv that would only say "would block" after every flight sent. */
void tls_conn_edge_reads(tls_conn *c);
void tls_conn_readable(tls_conn *c);
int tls_conn_write_nb(tls_conn *c, const void *buf, size_t len);

/* The peer's certificates as it sent them, leaf first: up to max DER
 * buffers, valid until the connection is closed. Returns how many. */
int tls_conn_peer_chain(tls_conn *c, const uint8_t **der, size_t *len, int max);

/* What a server learns of its client in the handshake. */
typedef struct tls_peer {
    char sni[256];       /* "" when none */
    char subject[512];   /* of the client certificate (RFC 4514), "" when none */
    char issuer[512];
    char sha256[65];     /* its SHA-256 fingerprint, hex */
} tls_peer;

void tls_conn_peer(tls_conn *c, tls_peer *p);

/* Sends close_notify (one non-blocking try) and a FIN, leaving the socket
 * open to read, and drop, what the peer still sends. */
void tls_conn_shutdown_write(tls_conn *c);

/* Prepares an initialised conn for a new connection on fd, reusing its
 * wolfSSL object (as load does for every handshake after the first), or a
 * new one from cl after an offered TLS 1.3 session, which wolfSSL_clear
 * cannot undo. The fd-ownership rule above holds: a failure closes fd and
 * drops the wolfSSL object, so the next connection starts with
 * tls_conn_init. */
int tls_conn_reuse(tls_conn *c, tls_client *cl, int fd, const tls_conn_opts *o, mp_err *e);

/* Closes the socket (close_notify then FIN, or RST) but keeps the wolfSSL
 * object for tls_conn_reuse. */
void tls_conn_close_keep(tls_conn *c, int rst);

/* Closes the connection: close_notify then FIN, or a bare RST. */
void tls_conn_close(tls_conn *c, int rst);

#endif
