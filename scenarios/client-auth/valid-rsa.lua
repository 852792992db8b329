local ca = require "client_auth"
return ca.scenario {
  fixture = "client/valid-rsa",
  expect = "accept",
  severity = "high",
  title = "A valid RSA-2048 client certificate is accepted",
  controls = { ca.PCI, ca.PATH, },
}
