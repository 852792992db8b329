-- The leaf is meant for TLS servers: its extendedKeyUsage lists serverAuth.
-- RFC 5280 lets a certificate without the extension serve any purpose, but
-- the CA/Browser Forum baseline requirements make it mandatory for TLS
-- server certificates; a profile may accept the absence (allow_absent).
local audit = require "audit"
return audit.scenario {
  name = "cert-eku",
  title = "Certificate: extended key usage serverAuth present",
  severity = "medium",
  rule = "cert_eku",
  leaf = true,
  run = function(t, f, c, leaf)
    audit.each_served(t, c, function(chain, l, label)
      local eku = l.eku or {}
      local items = { tostring(l.subject) }
      if l.has_eku then
        local ok = audit.contains(eku, "serverAuth") or audit.contains(eku, "anyExtendedKeyUsage")
        f:check(ok, label .. "EKU " .. (#eku > 0 and table.concat(eku, ", ") or "without a known purpose"),
                "EKU serverAuth", { id = "cert_eku/no-server-auth", severity = "high", items = items })
      else
        f:check(f.rule.allow_absent == true, label .. "no extendedKeyUsage extension", "EKU serverAuth",
                { id = "cert_eku/absent", severity = "low", items = items })
      end
    end)
    local eku = leaf.eku or {}
    f:finish(leaf.has_eku and ("EKU " .. table.concat(eku, ", ")) or "no EKU extension (any purpose)", c)
  end,
}
