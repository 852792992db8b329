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
    local max = f.rule.max_days or 398
    audit.each_served(t, c, function(chain, l, label)
      local days = (l.not_after_unix - l.not_before_unix) / 86400
      f:check(days <= max, string.format("%slifespan %.0f days (%s to %s)", label, days, l.not_before,
              l.not_after), string.format("at most %d days", max),
              { id = "cert_lifespan/too-long", severity = days > 825 and "medium" or "low", items = { tostring(l.subject) } })
    end)
    f:finish(string.format("lifespan %.0f days", (leaf.not_after_unix - leaf.not_before_unix) / 86400), c)
  end,
}
