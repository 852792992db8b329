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
    local warn = t.expiry_warn_days
    audit.each_served(t, c, function(chain, l, label)
      local days_left = (l.not_after_unix - now) / 86400
      local items = { tostring(l.subject) }
      t:detail(label .. "valid from " .. tostring(l.not_before) .. " until " .. tostring(l.not_after))
      f:check(l.not_before_unix <= now, label .. "not yet valid: valid from " .. l.not_before,
              "valid now", { id = "cert_validity/not-yet-valid", items = items })
      f:check(l.not_after_unix >= now, string.format("%sexpired %s (%.0f days ago)", label,
              l.not_after, -days_left), "not expired", { id = "cert_validity/expired", severity = "critical", items = items })
      if l.not_after_unix >= now then
        f:check(days_left >= warn, string.format("%sexpires %s, in %.0f days (within %g days)", label,
                l.not_after, days_left, warn), string.format("at least %g days left", warn),
                { id = "cert_validity/expires-soon", severity = "medium", items = items })
      end
    end)
    f:finish(string.format("valid until %s, %.0f days left", leaf.not_after, (leaf.not_after_unix - now) / 86400), c)
  end,
}
