local ca = require "client_auth"
return ca.scenario {
  fixture = "client/untrusted",
  expect = "reject",
  severity = "critical",
  title = "A client certificate from an untrusted CA is rejected",
  controls = { ca.PCI, ca.PATH, },
}
