local ca = require "client_auth"
return ca.scenario {
  fixture = "client/ca-as-leaf",
  expect = "observe",
  severity = "low",
  title = "A client certificate with CA:TRUE: behaviour recorded",
  controls = { ca.PATH, },
}
