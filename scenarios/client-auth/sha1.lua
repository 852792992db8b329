local ca = require "client_auth"
return ca.scenario {
  fixture = "client/sha1",
  expect = "reject",
  severity = "medium",
  title = "A SHA-1-signed client certificate is rejected",
  controls = { ca.PCI, },
}
