-- TLS compression (CRIME): a hand-built TLS 1.2 (or older) ClientHello
-- offers deflate and null; the server must choose null. Control: some
-- version was answered, and the hand-built ClientHello got a ServerHello
-- (a refused one says nothing about compression: INCONCLUSIVE).
local audit = require "audit"
return audit.scenario {
  name = "compression",
  title = "TLS compression is off",
  severity = "medium",
  rule = "compression",
  run = function(t, f)
    local versions, ctl = audit.versions(t)
    if audit.no_tls(t, ctl) then return end
    local v = versions["1.2"] and "1.2" or versions["1.1"] and "1.1" or versions["1.0"] and "1.0"
    if not v then return t:skip("no TLS 1.2 or older accepted; TLS 1.3 has no compression") end
    local r = audit.hello_all(t, { tls = v, deflate = true })
    if r.result ~= "server_hello" then
      local what = "a TLSv" .. v .. " ClientHello offering deflate was answered: " .. r.result
                   .. (r.alert and (" " .. r.alert.name) or "")
      if r.result == "timeout" or r.result == "unreachable" then return t:error(what) end
      return t:inconclusive("not judged: " .. what .. ", though TLSv" .. v .. " is accepted")
    end
    local on = r.compression ~= 0
    if (f.rule.expect or "off") == "off" then
      f:check(not on, "compression method " .. r.compression .. " chosen", "null compression",
              { id = "compression/on", severity = "high", cve = { "CVE-2012-4929" }, items = { tostring(r.compression) } })
    end
    f:finish("null compression chosen from {deflate, null} (TLSv" .. v .. ")")
  end,
}
