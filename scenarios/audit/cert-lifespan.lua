-- The certificate's total lifespan (notBefore to notAfter). CA/Browser
-- Forum baseline requirements cap it at 398 days; Mozilla's server-side
-- TLS configurations recommend 90 and allow at most 366.
local audit = require "audit"
return audit.scenario {
  name = "cert-lifespan",
  title = "Certificate: lifespan within the profile's maximum",
  severity = "medium",
  rule = "cert_lifespan",
  leaf = true,
  run = function(t, f, c, leaf)
    local days = (leaf.not_after_unix - leaf.not_before_unix) / 86400
    local max = f.rule.max_days or 398
    f:check(days <= max, string.format("lifespan %.0f days (%s to %s)", days, leaf.not_before,
            leaf.not_after), string.format("at most %d days", max))
    f:finish(string.format("lifespan %.0f days", days), c)
  end,
}
