local ca = require "client_auth"
return ca.scenario {
  fixture = "client/bad-key-usage",
  expect = "reject",
  severity = "medium",
  title = "A client certificate whose keyUsage lacks digitalSignature is rejected",
  controls = { ca.PATH, },
}
