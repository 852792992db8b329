-- Classifies the gateway's client-authentication mode from one connection
-- without a certificate, next to the control (client/valid, same request):
-- "required" (refused after a CertificateRequest), "optional" (requested,
-- but served like the control), "optional, enforced over HTTP" (requested,
-- and answered differently from the control: 401, 403, a redirect...) or
-- "none" (never requested). No handshake, no mode: INCONCLUSIVE.
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
