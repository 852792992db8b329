local ca = require "client_auth"
return ca.scenario {
  fixture = "client/key-mismatch",
  expect = "reject",
  severity = "critical",
  title = "A client that cannot prove possession of its certificate's key is rejected",
  controls = { ca.TLS13_CERT, },
}
