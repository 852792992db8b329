local ca = require "client_auth"
return ca.scenario {
  fixture = "client/pathlen-violation",
  expect = "reject",
  severity = "high",
  title = "A chain that breaks a CA's path length constraint is rejected",
  controls = { ca.PATH, },
}
