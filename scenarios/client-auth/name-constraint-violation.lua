local ca = require "client_auth"
return ca.scenario {
  fixture = "client/name-constraint-violation",
  expect = "reject",
  severity = "high",
  title = "A client certificate outside its CA's name constraints is rejected",
  controls = { ca.PATH, },
}
