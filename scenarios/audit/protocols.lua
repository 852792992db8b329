-- Which TLS versions the gateway accepts, each offered alone, and whether it
-- answers SSL 2.0 and SSL 3.0 hand-built hellos. A version is
-- accepted when the server answers with a ServerHello of that version.
-- Control: some version was answered with a ServerHello. When none was, the
-- refusals say nothing (a server that is down or not TLS refuses them all):
-- INCONCLUSIVE, whatever the profile asks.
local audit = require "audit"

-- Each finding's severity (docs/scenarios.md, "Severities"): a version
-- accepted that the profile refuses, and a version refused that it
-- requires. testssl.sh rates SSLv2 critical, SSLv3 high, TLS 1.0 and 1.1
-- low (mtlsprobe: medium, RFC 8996 forbids them and the compliance
-- profiles refuse them), TLS 1.2 not offered medium, TLS 1.3 not offered
-- low; a modern version accepted against a stricter profile is low.
local ACCEPTED = { SSLv2 = "critical", SSLv3 = "high", ["TLSv1.0"] = "medium", ["TLSv1.1"] = "medium",
                   ["TLSv1.2"] = "low", ["TLSv1.3"] = "low" }
local MISSING = { ["TLSv1.2"] = "medium" }

return audit.scenario {
  name = "protocols",
  title = "Protocol versions: only the versions the profile allows are accepted",
  description = "Offers SSL 2.0, SSL 3.0, TLS 1.0, 1.1, 1.2 and 1.3 one at a time.",
  severity = "high",
  rule = "protocols",
  run = function(t, f)
    local want = f.rule.versions or {}
    local accepted, refused = {}, {}
    for _, v in ipairs({ "1.0", "1.1", "1.2", "1.3" }) do
      local name = "TLSv" .. v
      local c = audit.connect(t, { tls = v })
      local ok = audit.accepted(c)
      if not c.connected then return t:error(c.error or "not connected", c) end
      t:detail(name .. (ok and " accepted" or (" refused (" .. tostring(c.error) .. ")")))
      if ok then accepted[#accepted + 1] = name else refused[#refused + 1] = name end
      local rule = want[name]
      if rule == "refused" then
        f:check(not ok, name .. " accepted", name .. " refused",
                { id = "protocols/" .. name:lower(), severity = ACCEPTED[name], items = { name } })
      elseif rule == "accepted" then
        f:check(ok, name .. " refused", name .. " accepted",
                { id = "protocols/" .. name:lower() .. "-missing", severity = MISSING[name] or "low", items = { name } })
      end
      c:close()
    end
    -- SSL 2.0 and 3.0, by hand-built hellos (wolfSSL speaks neither). Any
    -- profile refuses them unless it says otherwise.
    local ssl = {}
    local r2 = t:sslv2()
    ssl.SSLv2 = r2.result == "server_hello"
    t:detail("SSLv2 " .. (ssl.SSLv2 and ("accepted (" .. tostring(r2.ciphers) .. " cipher kinds listed)")
                          or ("refused (" .. r2.result .. ")")))
    local r3 = audit.hello_all(t, { tls = "ssl3" })
    ssl.SSLv3 = r3.result == "server_hello" and r3.version == "SSLv3"
    t:detail("SSLv3 " .. (ssl.SSLv3 and ("accepted (" .. tostring(r3.suite) .. " chosen)")
                          or ("refused (" .. (r3.result == "server_hello" and ("answered " .. r3.version)
                                               or r3.alert and ("alert " .. r3.alert.name) or r3.result) .. ")")))
    local na, nr = 0, 0
    for _, name in ipairs({ "SSLv2", "SSLv3" }) do
      if ssl[name] then na = na + 1; table.insert(accepted, na, name) else nr = nr + 1; table.insert(refused, nr, name) end
      local rule = want[name] or (t.profile_name and "refused")
      if rule == "refused" then
        f:check(not ssl[name], name .. " accepted", name .. " refused",
                { id = "protocols/" .. name:lower(), severity = ACCEPTED[name], items = { name } })
      elseif rule == "accepted" then
        f:check(ssl[name], name .. " refused", name .. " accepted",
                { id = "protocols/" .. name:lower() .. "-missing", severity = "low", items = { name } })
      end
    end
    if #accepted == 0 then
      return t:inconclusive("not judged: no TLS version was answered with a ServerHello ("
                            .. table.concat(refused, ", ") .. " refused); is the target a TLS server?")
    end
    f:finish("accepted: " .. (#accepted > 0 and table.concat(accepted, ", ") or "none")
             .. "; refused: " .. (#refused > 0 and table.concat(refused, ", ") or "none"))
  end,
}
