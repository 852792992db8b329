-- Whose preference picks the cipher suite: the accepted TLS 1.2 suites are
-- offered in wolfSSL's order and reversed; a server that chooses the same
-- suite both times enforces its own order, which is then read out by
-- offering the set again without each chosen suite.
local audit = require "audit"

local function chosen(t, v, list)
  local names = {}
  for _, s in ipairs(list) do names[#names + 1] = s.name end
  local c = audit.connect(t, { tls = v, ciphers = table.concat(names, ":") })
  local iana = c.cipher_iana or (c.server_hello and c.server_hello.suite)
  c:close()
  return iana
end

return audit.scenario {
  name = "cipher-order",
  title = "Cipher order: the server's preference decides, as the profile requires",
  description = "Offers the accepted TLS 1.2 suites in two orders and reads the server's order.",
  severity = "low",
  rule = "cipher_order",
  run = function(t, f)
    local versions = audit.versions(t)
    if not versions["1.2"] then
      return t:skip("TLS 1.2 is not accepted; TLS 1.3 suites have no server-side order to audit here")
    end
    local list = audit.accepted_suites(t, "1.2")
    if #list < 2 then
      f:check(nil, #list .. " TLS 1.2 suite accepted: no order to observe", "an order")
      return f:finish("one suite")
    end
    local reversed = {}
    for i = #list, 1, -1 do reversed[#reversed + 1] = list[i] end
    local a, b = chosen(t, "1.2", list), chosen(t, "1.2", reversed)
    local order = (a == b) and "server" or "client"
    if order == "server" then
      local left, pref = list, {}
      while #left > 0 do
        local pick = chosen(t, "1.2", left)
        if not pick then break end
        pref[#pref + 1] = pick
        local rest = {}
        for _, s in ipairs(left) do if s.iana ~= pick then rest[#rest + 1] = s end end
        if #rest == #left then break end
        left = rest
      end
      for i, name in ipairs(pref) do t:detail("preference " .. i .. " " .. name) end
    end
    local want = f.rule.expect or "any"
    if want ~= "any" then
      f:check(order == want, order .. " order (" .. a .. " first offered forward, " .. b
              .. " reversed)", want .. " order")
    end
    f:finish(order .. " order: " .. a .. " chosen from the forward offer, " .. b .. " from the reversed")
  end,
}
