local ca = require "client_auth"
return ca.scenario {
  fixture = "client/missing-intermediate",
  expect = "reject",
  severity = "high",
  title = "A client certificate sent without its intermediate is rejected",
  controls = { ca.PATH, },
}
