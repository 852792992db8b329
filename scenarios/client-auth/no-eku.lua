local ca = require "client_auth"
return ca.scenario {
  fixture = "client/no-eku",
  expect = "observe",
  severity = "info",
  title = "A client certificate without an EKU extension (allowed by RFC 5280): behaviour recorded",
  controls = { ca.PATH, },
}
