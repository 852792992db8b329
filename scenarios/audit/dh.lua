-- The size of the finite-field Diffie-Hellman group the server uses for
-- its DHE (and anonymous DH) suites in TLS 1.0-1.2, read from the
-- ServerKeyExchange of a hand-built ClientHello offering every such suite
-- of the catalogue, per version; and the TLS 1.3 ffdhe groups (RFC 7919)
-- it takes, each offered alone in a hand-built TLS 1.3 ClientHello with an
-- empty key_share (the HelloRetryRequest names the group it takes). PCI DSS and NIST SP 800-52r2 want at least
-- 2048 bits; LOGJAM (CVE-2015-4000) makes 1024 bits and less breakable.
-- Control: some version was answered with a ServerHello; a server that
-- takes no DHE suite has no group to judge (SKIP).
local audit = require "audit"
return audit.scenario {
  name = "dh",
  title = "DH parameters: DHE suites use a group of at least the profile's size",
  severity = "high",
  rule = "dh",
  run = function(t, f)
    local versions, ctl = audit.versions(t)
    if audit.no_tls(t, ctl) then return end
    local dhe = {}
    for _, s in ipairs(t:hello_suites()) do
      if s.iana:find("^TLS_DHE_") or s.iana:find("^TLS_DH_anon_") then dhe[#dhe + 1] = s.id end
    end
    local min = f.rule.min_bits
    local seen = {}
    for _, v in ipairs({ "1.0", "1.1", "1.2" }) do
      if versions[v] then
        local r = audit.hello_all(t, { tls = v, suites = dhe, flight = true })
        if r.result == "server_hello" and r.dh_bits then
          t:detail(string.format("TLSv%s %s: DH group of %d bits", v, r.suite, r.dh_bits))
          seen[#seen + 1] = string.format("TLSv%s %d bits", v, r.dh_bits)
          if min then
            f:check(r.dh_bits >= min, string.format("TLSv%s DHE with a %d-bit group (%s)", v, r.dh_bits, r.suite),
                    string.format("DH groups of at least %d bits", min),
                    { id = "dh/group-size", items = { r.suite }, severity = audit.modulus_severity(r.dh_bits), cve = r.dh_bits <= 1024 and { "CVE-2015-4000" } or nil })
          end
        elseif r.result == "server_hello" then
          f:open(string.format("TLSv%s: %s chosen, but its ServerKeyExchange could not be read", v, tostring(r.suite)))
        else
          t:detail(string.format("TLSv%s: no DHE suite accepted", v))
        end
      end
    end
    -- TLS 1.3: ffdhe2048 .. ffdhe8192, one at a time.
    if versions["1.3"] then
      local took = {}
      for _, bits in ipairs({ 2048, 3072, 4096, 6144, 8192 }) do
        local g = "ffdhe" .. bits
        local r = t:hello { tls = "1.3", groups = { g } }
        if r.result == "server_hello" and r.version == "TLSv1.3" and r.group == g then
          took[#took + 1] = g
          seen[#seen + 1] = "TLSv1.3 " .. g
          t:detail("TLSv1.3 " .. g .. ": accepted (" .. (r.hrr and "HelloRetryRequest" or "ServerHello") .. ")")
          if min then
            f:check(bits >= min, string.format("TLSv1.3 %s (%d bits) accepted", g, bits),
                    string.format("DH groups of at least %d bits", min), { id = "dh/ffdhe-size", severity = "low", items = { g } })
          end
        else
          t:detail("TLSv1.3 " .. g .. ": refused (" .. (r.alert and ("alert " .. r.alert.name)
                   or (r.result == "server_hello" and ("answered " .. tostring(r.group or r.version)) or r.result)) .. ")")
        end
      end
    end
    -- A server that answered (the control) and takes no DHE suite uses no
    -- finite-field group: nothing can be too small.
    if #seen == 0 and #f.unjudged == 0 then return f:finish("no DHE suite or ffdhe group accepted: no finite-field group in use") end
    f:finish("finite-field DH: " .. table.concat(seen, ", "))
  end,
}
