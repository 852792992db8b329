local ca = require "client_auth"
return ca.scenario {
  fixture = "client/expired-intermediate",
  expect = "reject",
  severity = "high",
  title = "A client certificate issued by an expired intermediate is rejected",
  controls = { ca.PCI, ca.PATH, },
}
