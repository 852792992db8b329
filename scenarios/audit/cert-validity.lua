-- The certificate is within its validity period now, and does not expire
-- within the --expiry-warn window (default 30 days).
local audit = require "audit"
return audit.scenario {
  name = "cert-validity",
  title = "Certificate: valid now and not about to expire",
  severity = "high",
  rule = "cert_validity",
  leaf = true,
  run = function(t, f, c, leaf)
    local now = t.now
    local days_left = (leaf.not_after_unix - now) / 86400
    local warn = t.expiry_warn_days
    f:check(leaf.not_before_unix <= now, "not yet valid: valid from " .. leaf.not_before,
            "valid now")
    f:check(leaf.not_after_unix >= now, string.format("expired %s (%.0f days ago)",
            leaf.not_after, -days_left), "not expired")
    if leaf.not_after_unix >= now then
      f:check(days_left >= warn, string.format("expires %s, in %.0f days (within %g days)",
              leaf.not_after, days_left, warn), string.format("at least %g days left", warn))
    end
    f:finish(string.format("valid until %s, %.0f days left", leaf.not_after, days_left), c)
  end,
}
