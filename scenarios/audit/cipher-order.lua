-- Whose preference picks the cipher suite, in TLS 1.2 and in TLS 1.3: the
-- accepted suites (TLS 1.2: every suite of the IANA catalogue the server
-- accepts, by hand-built ClientHello) are offered in one order and reversed; a server that
-- chooses the same suite both times enforces its own order, which is then
-- read out by offering the set again without each chosen suite. Control:
-- both offers were answered; a server that answers neither would look as
-- if it "chose the same suite" (none) both times, so such a version is not
-- judged (INCONCLUSIVE).
local audit = require "audit"

local function chosen(t, v, list)
  local names = {}
  for _, s in ipairs(list) do names[#names + 1] = s.name end
  local c = audit.connect(t, { tls = v, ciphers = table.concat(names, ":") })
  local iana = c.cipher_iana or (c.server_hello and c.server_hello.suite)
  c:close()
  return iana or "none"
end

-- The server's order, by elimination: one handshake per accepted suite.
local function server_order(t, v, list)
  local left, pref = list, {}
  while #left > 0 do
    local pick = chosen(t, v, left)
    local rest = {}
    for _, s in ipairs(left) do if s.iana ~= pick then rest[#rest + 1] = s end end
    if #rest == #left then break end
    pref[#pref + 1] = pick
    left = rest
  end
  return pref
end

-- The same by hand-built ClientHello, over the catalogue's suites.
local function hello_order(t, v, list)
  local left, pref = list, {}
  while #left > 0 do
    local pick = audit.hello_pick(t, v, left)
    local rest, name = {}, nil
    for _, s in ipairs(left) do if s.id == pick then name = s.iana else rest[#rest + 1] = s end end
    if not name then break end
    pref[#pref + 1] = name
    left = rest
  end
  return pref
end

return audit.scenario {
  name = "cipher-order",
  title = "Cipher order: the server's or the client's preference decides, as the profile requires",
  description = "Offers the accepted suites in two orders, per version, and reads the server's order.",
  severity = "low",
  rule = "cipher_order",
  run = function(t, f)
    local versions, ctl = audit.versions(t)
    if audit.no_tls(t, ctl) then return end
    local want = f.rule.expect or "any"
    local summary = {}
    for _, v in ipairs({ "1.2", "1.3" }) do
      -- TLS 1.2: over every suite of the catalogue the server accepts, by
      -- hand-built ClientHello; TLS 1.3: wolfSSL's suites are all there are.
      local hello = v == "1.2"
      local list = not versions[v] and {} or hello and audit.hello_accepted(t, v) or audit.accepted_suites(t, v)
      if #list >= 2 then
        local reversed = {}
        for i = #list, 1, -1 do reversed[#reversed + 1] = list[i] end
        local a, b
        if hello then
          local pa, pb = audit.hello_pick(t, v, list), audit.hello_pick(t, v, reversed)
          a, b = "none", "none"
          for _, s in ipairs(list) do
            if s.id == pa then a = s.iana end
            if s.id == pb then b = s.iana end
          end
        else
          a, b = chosen(t, v, list), chosen(t, v, reversed)
        end
        if a == "none" or b == "none" then
          f:open(string.format("TLSv%s: an offer of the accepted suites was refused (forward: %s, reversed: %s)", v, a, b))
          goto next
        end
        local order = (a == b) and "server" or "client"
        if order == "server" then
          for i, name in ipairs(hello and hello_order(t, v, list) or server_order(t, v, list)) do
            t:detail("TLSv" .. v .. " preference " .. i .. " " .. name)
          end
        end
        local seen = string.format("TLSv%s %s order (%s chosen from the forward offer, %s from the reversed)",
                                   v, order, a, b)
        if want ~= "any" then f:check(order == want, seen, want .. " order", { id = "cipher_order/" .. want }) end
        summary[#summary + 1] = seen
      end
      ::next::
    end
    if #summary == 0 and #f.unjudged > 0 then return f:finish("") end
    if #summary == 0 then
      return t:skip("fewer than two suites accepted in TLS 1.2 and in TLS 1.3: no order to observe")
    end
    f:finish(table.concat(summary, "; "))
  end,
}
