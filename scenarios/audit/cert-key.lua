-- The key type and size of every certificate the gateway sends.
local audit = require "audit"
return audit.scenario {
  name = "cert-key",
  title = "Certificate: key type and size meet the profile",
  severity = "high",
  rule = "cert_key",
  leaf = true,
  run = function(t, f, c, leaf)
    local rsa_min, ec_min = f.rule.rsa_min_bits or 2048, f.rule.ec_min_bits or 256
    for i, cert in ipairs(c.peer_chain) do
      local what = string.format("%s %s-%d", i == 1 and "leaf" or ("certificate " .. i),
                                 tostring(cert.key_type), cert.key_bits or 0)
      t:detail(what .. " (" .. cert.subject .. ")")
      if cert.key_type == "RSA" or cert.key_type == "DSA" then
        f:check(cert.key_bits >= rsa_min, what, string.format("RSA of at least %d bits", rsa_min))
      elseif cert.key_type == "EC" then
        f:check(cert.key_bits >= ec_min, what, string.format("EC of at least %d bits", ec_min))
      end
    end
    f:finish(string.format("leaf key %s-%d", tostring(leaf.key_type), leaf.key_bits or 0), c)
  end,
}
