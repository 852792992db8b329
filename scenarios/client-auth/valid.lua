local ca = require "client_auth"
return ca.scenario {
  fixture = "client/valid",
  expect = "accept",
  severity = "critical",
  title = "A valid client certificate is accepted",
  controls = { ca.PCI, ca.PATH, },
}
