local ca = require "client_auth"
return ca.scenario {
  fixture = "client/unknown-critical-ext",
  expect = "reject",
  severity = "medium",
  title = "A client certificate with an unknown critical extension is rejected",
  controls = { ca.PATH, },
}
