-- Classifies the gateway's client-authentication mode from one connection
-- without a certificate: "none" (no CertificateRequest), "optional"
-- (requested, but the request is served anyway) or "required".
local ca = require "client_auth"
return {
  id = "client-auth/mode",
  title = "The gateway requires a client certificate",
  description = "Connects without a certificate. A target that should require mTLS "
             .. "(the default; --expect-mtls=no otherwise) fails if the mode is none or optional.",
  severity = "critical",
  tags = { "client-auth" },
  controls = { ca.PCI, ca.TLS13_CERT },
  run = function(t)
    local c = t:connect {}
    local outcome, how = t:outcome(c)
    if outcome == "error" then
      return t:error(how, c)
    end
    local mode
    if not c.cert_requested then
      mode = "none"
    elseif outcome == "rejected" then
      mode = "required"
    else
      mode = "optional"
    end
    local observed = "mode " .. mode .. " (" .. how .. ")"
    if not t.expect_mtls then
      return t:pass(observed, "any mode (--expect-mtls=no)", c)
    end
    if mode == "required" then
      t:pass(observed, "mode required", c)
    else
      t:fail(observed, "mode required", c)
    end
  end,
}
