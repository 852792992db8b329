-- The signature algorithm of every certificate the gateway sends (the trust
-- anchor's own self-signature does not matter and is not sent).
local audit = require "audit"
return audit.scenario {
  name = "cert-signature",
  title = "Certificate: no SHA-1 or MD5 signature in the served chain",
  severity = "high",
  rule = "cert_signature",
  leaf = true,
  run = function(t, f, c, leaf)
    local forbid = f.rule.forbid or { "sha1", "md5" }
    audit.each_served(t, c, function(chain, l, label)
      for i, cert in ipairs(chain) do
        local what = label .. (i == 1 and "leaf" or ("certificate " .. i)) .. " signed with " .. tostring(cert.sig_alg)
        t:detail(what)
        f:check(not audit.contains(forbid, cert.sig_hash), what, "no " .. table.concat(forbid, " or ") .. " signature",
                { id = "cert_signature/" .. tostring(cert.sig_hash), items = { tostring(cert.subject) },
                  severity = cert.sig_hash == "sha1" and "medium" or "critical" })
      end
    end)
    f:finish("leaf signed with " .. tostring(leaf.sig_alg), c)
  end,
}
