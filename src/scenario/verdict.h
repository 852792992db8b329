/* Differential judgement: what one connection showed, compared with a
 * positive control (the same request under the same conditions, made with
 * an identity the gateway must accept), turned into a verdict that says
 * why. Plain C over observed outcomes: no Lua, no sockets, so every rule is
 * unit-tested over a table of cases (tests/unit/test_verdict.c). */
#ifndef MP_SCENARIO_VERDICT_H
#define MP_SCENARIO_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"
#include "results/results.h"

/* How one attempt ended, as far as a verdict cares. */
typedef enum vd_kind {
    VD_UNREACHABLE, /* no TCP connection */
    VD_REFUSED,     /* the gateway ended the TLS connection: alert, reset or close,
                       in the handshake or before the application answered */
    VD_TIMEOUT,     /* the gateway stopped answering */
    VD_FAILED,      /* the attempt failed on our side: the gateway's certificate did
                       not verify, a TLS error, a malformed answer */
    VD_ANSWER       /* the application answered (proto_answer: an HTTP response, a
                       CONNACK, a grpc-status, a TLS connection that stayed open) */
} vd_kind;

typedef struct vd_obs {
    vd_kind kind;
    int cert_requested;   /* a CertificateRequest was seen */
    int after_handshake;  /* VD_REFUSED: after our side of the handshake completed */
    proto_kind proto;     /* the target's application protocol */
    proto_answer answer;  /* VD_ANSWER */
    char version[16];     /* negotiated TLS version, "" if none */
    char text[300];       /* one line: "alert bad_certificate (42) received", "HTTP 401" */
    int alert_received;   /* VD_REFUSED: the peer sent a fatal alert (a TLS refusal), not a bare close */
    int request_sent;     /* VD_REFUSED after the handshake: our request had gone out */
    int not_tls;          /* VD_FAILED: the port answered in plaintext (2 HTTP, 1 other) */
    char ca_names[600];   /* the CertificateRequest's CA names, "; " between them, "" if none listed */
} vd_obs;

/* What the judgement needs to word its reasons. */
typedef struct vd_names {
    const char *control;      /* the control identity, e.g. "client/valid" ("" for none) */
    const char *trust_bundle; /* the fixtures' trust bundle path */
    const char *path;         /* the request path */
    const char *control_cas;  /* the subjects of the CAs that issued the control, "; " between
                               * them (e.g. its intermediate and root), or NULL */
    /* When the scenario's control is not the run's (client/name-constrained-valid
     * in place of client/valid): the run's control under the same conditions. */
    const char *primary;      /* its name, or NULL */
    const vd_obs *primary_obs;
} vd_names;

typedef enum vd_class {
    VD_ACCEPTED,    /* served the way the control was served */
    VD_REJECTED,    /* refused: TLS after a certificate request, or another HTTP answer */
    VD_UNJUDGED,    /* ended before any certificate request: says nothing */
    VD_ERRORED      /* the attempt itself failed */
} vd_class;

typedef struct vd_result {
    res_verdict verdict;
    vd_class cls;
    char observed[512];     /* "rejected: HTTP 401, control got HTTP 200 (TLSv1.3)" */
    char reason[512];       /* INCONCLUSIVE and ERROR: why */
    char rejected_in[24];   /* "handshake", "after-handshake", "http" or "" */
} vd_result;

/* The control was served: an answer that serves (proto_answer_served:
 * HTTP 2xx or 3xx, CONNACK 0, grpc-status 0, a TLS connection kept open). */
int vd_served(const vd_obs *control);

/* Compares an attempt with a served control: accepted, rejected, unjudged
 * (a TLS ending without a certificate request) or errored; text names both.
 * rejected_in: "handshake", "after-handshake", or the protocol whose answer
 * refused ("http", "mqtt", "grpc", "tls"). */
vd_class vd_compare(const vd_obs *o, const vd_obs *control, char *text, size_t textlen,
                    char *rejected_in, size_t rilen);

/* Why a control that was not served leaves the verdict open, from what
 * was seen: a plaintext port; a handshake that succeeded and a close on the
 * HTTP request (not an HTTP gateway); a CertificateRequest whose CA names
 * do not include the control's CAs (deploy the trust bundle); the run's own
 * control served where this one was refused (the gateway refuses every
 * chain under this control's CA); else the likely cause. */
void vd_control_hint(const vd_obs *control, const vd_names *n, char *out, size_t outlen);

/* A certificate that must be refused: PASS when refused, FAIL when served
 * like the control, INCONCLUSIVE when the control was not served or the
 * refusal came before any certificate request, ERROR when the attempt failed. */
void vd_judge_reject(const vd_obs *o, const vd_obs *control, const vd_names *n, vd_result *r);

/* A certificate that must be accepted: PASS when served like the control,
 * FAIL when refused while the control was served, INCONCLUSIVE when the
 * control itself was not served, ERROR when the attempt failed. */
void vd_judge_accept(const vd_obs *o, const vd_obs *control, const vd_names *n, vd_result *r);

/* A connection without a certificate, classified into the client-auth
 * mode: "required" (refused in TLS after a certificate request: in the
 * handshake, or by an alert after it, as TLS 1.3 servers do),
 * "required over HTTP, optional in TLS" (the handshake completes without a
 * certificate, but the answer differs from the control's: nginx's 400, a
 * 401, a redirect, or a close with no answer after the request, as nginx's
 * `return 444`; over MQTT or gRPC, "required over MQTT", "required by the
 * service"), "optional" (served like the control), "none" (never
 * requested). No handshake, no mode: INCONCLUSIVE. With require_mode, PASS
 * needs one of the two "required". */
void vd_judge_mode(const vd_obs *o, const vd_obs *control, const vd_names *n, int require_mode,
                   vd_result *r);

/* Whether a distinguished name appears in a "; "-separated list of them,
 * compared as sets of attributes (order, spaces and case aside). */
int vd_name_listed(const char *name, const char *list);

#endif
