-- The gateway's chain verifies to the trust anchors (--ca, default the
-- fixtures' trust bundle). Dates are left to audit/cert-validity, so an
-- expired certificate is one finding, not two.
local audit = require "audit"
return audit.scenario {
  name = "cert-trust",
  title = "Certificate: the served chain verifies to the trusted CA",
  severity = "critical",
  rule = "cert_trust",
  leaf = true,
  run = function(t, f, c, leaf)
    local n = #audit.each_served(t, c, function(chain, l, label)
      local ok, why = t:verify_chain(label == "" and c or chain)
      f:check(ok, label .. "chain does not verify: " .. tostring(why), "a chain to --ca",
              { id = "cert_trust/unverified", items = { tostring(l.subject) } })
    end)
    f:finish("verifies to --ca (" .. leaf.issuer .. ")" .. (n > 1 and ("; " .. n .. " certificates served, each verified") or ""), c)
  end,
}
