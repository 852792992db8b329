local ca = require "client_auth"
return ca.scenario {
  fixture = "client/name-constraint-violation",
  -- Issued by the same name-constrained CA, inside its constraints: a
  -- gateway that cannot handle name constraints refuses it too, and the
  -- verdict is then INCONCLUSIVE instead of a PASS for the wrong reason.
  control = "client/name-constrained-valid",
  expect = "reject",
  severity = "high",
  title = "A client certificate outside its CA's name constraints is rejected",
  controls = { ca.PATH, },
}
