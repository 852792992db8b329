-- The leaf may be used for TLS servers: an extendedKeyUsage extension, when
-- present, lists serverAuth (or anyExtendedKeyUsage).
local audit = require "audit"
return audit.scenario {
  name = "cert-eku",
  title = "Certificate: extended key usage allows serverAuth",
  severity = "medium",
  rule = "cert_eku",
  leaf = true,
  run = function(t, f, c, leaf)
    local eku = leaf.eku or {}
    local ok = not leaf.has_eku or audit.contains(eku, "serverAuth") or audit.contains(eku, "anyExtendedKeyUsage")
    f:check(ok, "EKU " .. (#eku > 0 and table.concat(eku, ", ") or "without a known purpose"),
            "EKU serverAuth")
    f:finish(leaf.has_eku and ("EKU " .. table.concat(eku, ", ")) or "no EKU extension (any purpose)", c)
  end,
}
