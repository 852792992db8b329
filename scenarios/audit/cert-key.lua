-- The key type and size of every certificate the gateway can present: the
-- chain of the wolfSSL handshake, and the leaf a hand-built TLS 1.2
-- ClientHello gets when it offers only RSA-authenticated suites, only
-- ECDSA-authenticated ones, or DSS ones, each with and without SNI (a
-- server with an RSA and an ECDSA certificate shows each to its own
-- clients; the certificate served without SNI is often another one).
local audit = require "audit"

-- The catalogue's suites authenticated by one key type.
local function suites_for(t, kind)
  local out = {}
  for _, s in ipairs(t:hello_suites()) do
    local iana = s.iana
    local rsa = iana:find("^TLS_ECDHE_RSA_") or iana:find("^TLS_DHE_RSA_") or iana:find("^TLS_RSA_WITH_")
    local ecdsa = iana:find("^TLS_ECDHE_ECDSA_")
    local dss = iana:find("^TLS_DHE_DSS_")
    if (kind == "RSA" and rsa) or (kind == "ECDSA" and ecdsa) or (kind == "DSS" and dss) then
      out[#out + 1] = s.id
    end
  end
  return out
end

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
                { id = "cert_key/rsa-size", items = { tostring(cert.subject) } })
      elseif cert.key_type == "EC" then
        f:check(cert.key_bits >= ec_min, label, string.format("EC of at least %d bits", ec_min),
                { id = "cert_key/ec-size", items = { tostring(cert.subject) } })
      end
    end
    for i, cert in ipairs(c.peer_chain) do
      judge(cert, i == 1 and "leaf" or ("certificate " .. i))
    end
    c:close() -- a server that serves one connection at a time must see the probes
    -- Every other leaf: per key type, with and without SNI; each distinct
    -- one is listed and judged once.
    local seen, leaves = { [leaf.sha256 or leaf.subject] = true }, 1
    for _, kind in ipairs({ "RSA", "ECDSA", "DSS" }) do
      for _, sni in ipairs({ true, false }) do
        local r = t:hello { tls = "1.2", suites = suites_for(t, kind), flight = true, sni = not sni and "" or nil }
        local cert = r.result == "server_hello" and r.certs and r.certs[1]
        local where = kind .. " suites, " .. (sni and "with SNI" or "without SNI")
        if cert then
          local key = cert.sha256 or (tostring(cert.subject) .. tostring(cert.key_bits) .. tostring(cert.key_type))
          if not seen[key] then
            seen[key] = true
            leaves = leaves + 1
            judge(cert, "leaf for " .. where)
          else
            t:detail("leaf for " .. where .. ": the same as above")
          end
        else
          t:detail("no certificate for " .. where .. " (" .. tostring(r.result) .. ")")
        end
      end
    end
    f:finish(string.format("leaf key %s-%d; %d distinct leaf certificate(s) served", tostring(leaf.key_type),
                           leaf.key_bits or 0, leaves), c)
  end,
}
