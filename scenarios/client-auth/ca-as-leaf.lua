-- Recorded, not judged (the manifest says expect = "observe"): RFC 5280
-- does not forbid basicConstraints CA:TRUE on a certificate used for client
-- authentication, and OpenSSL-based gateways accept it.
local ca = require "client_auth"
return ca.scenario {
  fixture = "client/ca-as-leaf",
  expect = "observe",
  severity = "low",
  title = "A client certificate with CA:TRUE: behaviour recorded",
  controls = { ca.PATH, },
}
