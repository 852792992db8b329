/* gRPC over HTTP/2, the parts a verdict needs: the length-prefixed message
 * of a unary call, and the answer read from the response, whose outcome is
 * grpc-status (in the trailers, or in the headers of a trailers-only
 * response), not the HTTP status: a call refused with UNAUTHENTICATED (16)
 * or PERMISSION_DENIED (7) still carries HTTP 200. No protobuf library: a
 * probe sends a message it encodes by hand (the health check's is empty).
 * Plain functions over bytes and an http_response; no sockets. */
#ifndef MP_PROTO_GRPC_H
#define MP_PROTO_GRPC_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

#define GRPC_PREFIX_LEN 5 /* compressed flag (1 byte), message length (4 bytes, big endian) */

/* grpc-status codes (the gRPC status code registry). */
enum {
    GRPC_OK = 0,
    GRPC_PERMISSION_DENIED = 7,
    GRPC_UNAUTHENTICATED = 16,
    GRPC_MAX_CODE = 16
};

/* Frames msg as one uncompressed gRPC message into out; the bytes written,
 * or 0 when cap is too small. */
size_t grpc_frame_encode(const uint8_t *msg, size_t len, uint8_t *out, size_t cap);

/* "UNAUTHENTICATED" for 16; "UNKNOWN_CODE" past the registry. */
const char *grpc_status_name(int code);

/* A grpc-status value: decimal digits only, 0..99 (codes past the registry
 * are kept and named UNKNOWN_CODE); -1 for anything else. */
int grpc_status_parse(const char *s);

/* The gateway said no to the caller (UNAUTHENTICATED, PERMISSION_DENIED). */
int grpc_status_is_refusal(int code);

typedef struct grpc_answer {
    int http_status;        /* :status */
    int is_grpc;            /* content-type application/grpc[+...] or [;...] */
    int status;             /* grpc-status, -1 when absent or malformed */
    char message[200];      /* grpc-message, percent-decoded, printable ASCII only */
    int n_messages;         /* complete messages in the body */
    int body_malformed;     /* a message prefix whose length overruns the body */
} grpc_answer;

/* Reads a unary call's answer from its HTTP/2 response (the trailers are
 * among r's headers). */
void grpc_answer_read(const http_response *r, grpc_answer *a);

/* One line in the call's own terms: "grpc-status 16 UNAUTHENTICATED (a
 * client certificate is required), HTTP 200"; "HTTP 503, no grpc-status". */
void grpc_answer_text(const grpc_answer *a, char *out, size_t outlen);

#endif
