local ca = require "client_auth"
return ca.scenario {
  fixture = "client/not-yet-valid",
  expect = "reject",
  severity = "high",
  title = "A client certificate that is not yet valid is rejected",
  controls = { ca.PCI, ca.PATH, },
}
