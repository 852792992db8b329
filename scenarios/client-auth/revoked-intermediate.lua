local ca = require "client_auth"
return ca.scenario {
  fixture = "client/revoked-intermediate",
  expect = "reject",
  severity = "high",
  title = "A client certificate issued by a revoked intermediate is rejected",
  controls = { ca.PCI, ca.PATH, },
}
