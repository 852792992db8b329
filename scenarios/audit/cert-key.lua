-- The key type and size of every certificate the gateway can present
-- (audit.served: the ordinary handshake's chain, and the chains shown to
-- clients offering only RSA, ECDSA or DSS suites, only Ed25519 or Ed448
-- signatures, or TLS 1.3 only, each with and without SNI: a server with an
-- RSA and an ECDSA certificate shows each to its own clients, and the
-- certificate served without SNI is often another one).
local audit = require "audit"

return audit.scenario {
  name = "cert-key",
  title = "Certificates: the key type and size of every certificate served meet the profile",
  severity = "high",
  rule = "cert_key",
  leaf = true,
  run = function(t, f, c, leaf)
    local rsa_min, ec_min = f.rule.rsa_min_bits or 2048, f.rule.ec_min_bits or 256
    local function judge(cert, what)
      local label = string.format("%s %s-%d", what, tostring(cert.key_type), cert.key_bits or 0)
      t:detail(label .. " (" .. tostring(cert.subject) .. ")")
      if cert.key_type == "RSA" or cert.key_type == "DSA" then
        f:check(cert.key_bits >= rsa_min, label, string.format("RSA of at least %d bits", rsa_min),
                { id = "cert_key/rsa-size", severity = audit.modulus_severity(cert.key_bits),
                  items = { tostring(cert.subject) } })
      elseif cert.key_type == "EC" then
        f:check(cert.key_bits >= ec_min, label, string.format("EC of at least %d bits", ec_min),
                { id = "cert_key/ec-size", items = { tostring(cert.subject) },
                  severity = cert.key_bits <= 110 and "critical" or cert.key_bits <= 123 and "high"
                             or cert.key_bits <= 163 and "medium" or "low" })
      end
    end
    local entries = audit.each_served(t, c, function(chain, l, label)
      for i, cert in ipairs(chain) do
        judge(cert, label .. (i == 1 and "leaf" or ("certificate " .. i)))
      end
    end)
    f:finish(string.format("leaf key %s-%d; %d distinct leaf certificate(s) served", tostring(leaf.key_type),
                           leaf.key_bits or 0, #entries), c)
  end,
}
