-- Which TLS versions the gateway accepts, each offered alone. A version is
-- accepted when the server answers with a ServerHello of that version.
-- Control: some version was answered with a ServerHello. When none was, the
-- refusals say nothing (a server that is down or not TLS refuses them all):
-- INCONCLUSIVE, whatever the profile asks.
local audit = require "audit"
return audit.scenario {
  name = "protocols",
  title = "Protocol versions: only the versions the profile allows are accepted",
  description = "Offers TLS 1.0, 1.1, 1.2 and 1.3 one at a time.",
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
        f:check(not ok, name .. " accepted", name .. " refused")
      elseif rule == "accepted" then
        f:check(ok, name .. " refused", name .. " accepted")
      end
      c:close()
    end
    if #accepted == 0 then
      return t:inconclusive("not judged: no TLS version was answered with a ServerHello ("
                            .. table.concat(refused, ", ") .. " refused); is the target a TLS server?")
    end
    f:finish("accepted: " .. (#accepted > 0 and table.concat(accepted, ", ") or "none")
             .. "; refused: " .. (#refused > 0 and table.concat(refused, ", ") or "none"))
  end,
}
