-- Classifies the gateway's client-authentication mode from one connection
-- without a certificate, next to the control (client/valid, same request):
-- "required" (the handshake refused after a CertificateRequest), "required
-- over HTTP, optional in TLS" (the handshake completes, but the answer
-- differs from the control's: nginx's 400, a 401, a redirect...), "optional"
-- (served like the control) or "none" (never requested). No handshake, no mode: INCONCLUSIVE.
local ca = require "client_auth"
return {
  id = "client-auth/mode",
  title = "The gateway requires a client certificate",
  description = "Connects without a certificate. A target that should require mTLS "
             .. "(the default; --expect-mtls=no otherwise) fails if the mode is none, or "
             .. "optional with cert-less requests served like the control.",
  severity = "critical",
  tags = { "client-auth" },
  controls = { ca.PCI, ca.TLS13_CERT },
  run = function(t)
    t:expect_mode(t:connect {})
  end,
}
