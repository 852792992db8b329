local ca = require "client_auth"
return ca.scenario {
  fixture = "client/revoked",
  expect = "reject",
  severity = "critical",
  title = "A client certificate revoked in its CA's CRL is rejected",
  controls = { ca.PCI, ca.PATH, },
}
