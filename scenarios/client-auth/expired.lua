local ca = require "client_auth"
return ca.scenario {
  fixture = "client/expired",
  expect = "reject",
  severity = "critical",
  title = "An expired client certificate is rejected",
  controls = { ca.PCI, ca.PATH, },
}
