local ca = require "client_auth"
return ca.scenario {
  fixture = "client/self-signed",
  expect = "reject",
  severity = "critical",
  title = "A self-signed client certificate is rejected",
  controls = { ca.PCI, ca.PATH, },
}
