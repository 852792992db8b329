local ca = require "client_auth"
return ca.scenario {
  fixture = "client/weak-rsa1024",
  expect = "reject",
  severity = "medium",
  title = "A client certificate with a 1024-bit RSA key is rejected",
  controls = { ca.PCI, },
}
