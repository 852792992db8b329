#!/usr/bin/env python3
"""A gRPC service on python3-grpcio, as a gateway under test: the standard
health check (grpc.health.v1.Health/Check, SERVING) and one method
authorized by the client certificate's common name
(mtlsprobe.test.Admin/Get: PERMISSION_DENIED unless the CN is listed,
UNAUTHENTICATED without a certificate). Both answer with HTTP 200: the
refusal is only in grpc-status, which is what a gRPC target must be judged on.

  server.py CONFIG.json

CONFIG (rendered by docker/gateways/start from a template here):
  listen, port, cert, key, ca: the server's chain, key and trusted roots
  require_client_auth: true (the handshake demands a certificate) or false
  (grpcio then asks for none: the careless configuration)
  admin_cns: the common names allowed on Admin/Get
Methods take any request bytes; responses are hand-encoded protobuf, so no
generated code is needed."""
import json
import signal
import sys
from concurrent import futures

import grpc

SERVING = b"\x08\x01"  # HealthCheckResponse{status: SERVING}


def peer_cn(context):
    names = context.auth_context().get("x509_common_name") or []
    return names[0].decode() if names else None


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    def health(request, context):
        return SERVING

    def admin(request, context):
        cn = peer_cn(context)
        if cn is None:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "a client certificate is required")
        if cn not in cfg.get("admin_cns", []):
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "%s may not call Admin/Get" % cn)
        return b"\x0a\x02ok"  # {1: "ok"}

    def unary(fn):
        return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=None, response_serializer=None)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": unary(health)}),
        grpc.method_handlers_generic_handler("mtlsprobe.test.Admin", {"Get": unary(admin)}),
    ))
    creds = grpc.ssl_server_credentials(
        [(read(cfg["key"]), read(cfg["cert"]))],
        root_certificates=read(cfg["ca"]),
        require_client_auth=bool(cfg["require_client_auth"]))
    host = cfg.get("listen", "127.0.0.1")
    if ":" in host:
        host = "[%s]" % host
    if server.add_secure_port("%s:%d" % (host, cfg["port"]), creds) == 0:
        sys.exit("server.py: cannot listen on %s:%d" % (host, cfg["port"]))
    server.start()
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    print("grpc: listening on %s:%d" % (host, cfg["port"]), flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
