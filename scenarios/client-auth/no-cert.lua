local ca = require "client_auth"
return ca.scenario {
  name = "no-cert",
  expect = "reject",
  severity = "critical",
  title = "A client without any certificate is rejected",
  controls = { ca.PCI, ca.TLS13_CERT },
}
