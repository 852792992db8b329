local ca = require "client_auth"
return ca.scenario {
  fixture = "client/wrong-eku",
  expect = "reject",
  severity = "high",
  title = "A client certificate without clientAuth EKU (serverAuth only) is rejected",
  controls = { ca.PATH, },
}
