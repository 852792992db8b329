-- TLS_FALLBACK_SCSV (RFC 7507): a ClientHello below the server's highest
-- version that carries the signal must be refused with
-- inappropriate_fallback. Sent as a hand-built ClientHello, since a client
-- that is not falling back (wolfSSL) never sends it. Control: some version
-- was answered; and when the answer is anything but inappropriate_fallback
-- or a ServerHello, the same ClientHello without the signal must get a
-- ServerHello, else the refusal is not about the signal (INCONCLUSIVE).
local audit = require "audit"
return audit.scenario {
  name = "fallback-scsv",
  title = "Fallback SCSV is honoured",
  severity = "low",
  rule = "fallback_scsv",
  run = function(t, f)
    local versions, ctl = audit.versions(t)
    if audit.no_tls(t, ctl) then return end
    -- The offered version must be below the server's highest and accepted.
    local top = versions["1.3"] and "1.3" or versions["1.2"] and "1.2" or versions["1.1"] and "1.1"
    local below = ({ ["1.3"] = { "1.2", "1.1", "1.0" }, ["1.2"] = { "1.1", "1.0" }, ["1.1"] = { "1.0" } })[top or ""] or {}
    local v
    for _, b in ipairs(below) do
      if versions[b] then v = b break end
    end
    if not v then
      return t:skip("the server accepts no version below its highest, so no fallback is possible")
    end
    local r = audit.hello_all(t, { tls = v, fallback_scsv = true })
    local honoured = r.result == "alert" and r.alert.code == 86
    if r.result == "timeout" or r.result == "unreachable" then
      return t:error("TLSv" .. v .. " ClientHello with TLS_FALLBACK_SCSV: " .. r.result)
    end
    if not honoured and r.result ~= "server_hello" then
      local r0 = audit.hello_all(t, { tls = v })
      t:detail("control: the same ClientHello without TLS_FALLBACK_SCSV answered " .. r0.result
               .. (r0.alert and (" " .. r0.alert.name) or ""))
      if r0.result ~= "server_hello" then
        return t:inconclusive("not judged: TLSv" .. v .. " with TLS_FALLBACK_SCSV answered " .. r.result
                              .. (r.alert and (" " .. r.alert.name) or "") .. ", and without it "
                              .. r0.result .. (r0.alert and (" " .. r0.alert.name) or "")
                              .. ": the refusal is not about the signal")
      end
    end
    local seen = r.result == "alert" and ("alert " .. r.alert.name .. " (" .. r.alert.code .. ")")
                 or r.result == "server_hello" and ("ServerHello " .. r.version .. " " .. r.suite)
                 or r.result
    if (f.rule.expect or "honoured") == "honoured" then
      -- A fallback to TLS 1.1 or 1.0 is a downgrade to a deprecated
      -- version (testssl.sh: MEDIUM); from TLS 1.3 to 1.2, TLS 1.3's own
      -- downgrade sentinel protects clients that speak it: low.
      f:check(honoured, "TLSv" .. v .. " with TLS_FALLBACK_SCSV answered " .. seen,
              "inappropriate_fallback (86)", { id = "fallback_scsv", severity = v == "1.2" and "low" or "medium" })
    end
    f:finish("TLSv" .. v .. " with TLS_FALLBACK_SCSV refused with " .. seen)
  end,
}
