-- TLS 1.2 renegotiation: the server must support secure renegotiation
-- (RFC 5746, renegotiation_info in its ServerHello), must not let a client
-- without RFC 5746 renegotiate (CVE-2009-3555: t:insecure_renegotiation, a
-- hand-built handshake, tries it), and should refuse a renegotiation the
-- client starts (a denial-of-service lever). Control: the TLS 1.2
-- handshake completed; a renegotiation "refused" on a connection that
-- never stood, or one that could not be tried, is not judged.
local audit = require "audit"
return audit.scenario {
  name = "renegotiation",
  title = "Renegotiation: secure renegotiation supported, client-initiated refused",
  severity = "medium",
  rule = "renegotiation",
  run = function(t, f)
    local versions, ctl = audit.versions(t)
    if audit.no_tls(t, ctl) then return end
    if not versions["1.2"] then return t:skip("TLS 1.2 is not accepted; TLS 1.3 has no renegotiation") end
    -- A client without RFC 5746 (neither the extension nor its SCSV).
    local ins = t:insecure_renegotiation()
    local c = audit.connect(t, { tls = "1.2", renegotiation = true })
    if not c.handshake_ok then return audit.not_established(t, c, "the TLS 1.2 handshake") end
    local secure = c.secure_renegotiation
    c:close() -- a server that serves one connection at a time must see the next probe
    local result, how = "not tried", "the server does not support secure renegotiation"
    if secure then
      -- A hand-built client with RFC 5746 asks first and reads only the
      -- first answer to its second ClientHello; wolfSSL renegotiates in
      -- full only where that client could not ask (it speaks X25519 with
      -- AES-128-GCM alone).
      local s = t:secure_renegotiation()
      if s.result == "completed" then
        result, how = "completed", "completed by the server (it answered a second ClientHello with a handshake)"
      elseif s.result == "refused" then
        result, how = "refused", "refused" .. (s.alert and (" with alert " .. s.alert) or "") .. " (" .. s.why .. ")"
      else
        local w = audit.connect(t, { tls = "1.2", renegotiation = true })
        if w.handshake_ok then result, how = w:renegotiate() end
        w:close()
      end
    end
    t:detail("secure renegotiation " .. (secure and "supported" or "not supported"))
    t:detail("client-initiated renegotiation: " .. how)
    local ins_how = ins.result == "completed" and "completed by the server"
                    or ins.result == "refused" and ("refused" .. (ins.alert and (" with alert " .. ins.alert) or "")
                                                   .. " (" .. ins.why .. ")")
                    or (ins.result .. ": " .. tostring(ins.why) .. (ins.alert and (" (alert " .. ins.alert .. ")") or ""))
    t:detail("client-initiated renegotiation without RFC 5746: " .. ins_how)
    if (f.rule.secure or "any") == "required" then
      f:check(ins.result ~= "completed", "a client without RFC 5746 renegotiated (insecure renegotiation " .. ins_how .. ")",
              "no renegotiation without RFC 5746",
              { id = "renegotiation/insecure-accepted", severity = "critical", cve = { "CVE-2009-3555" } })
    end
    if not secure then
      -- The server's answer to a client without RFC 5746 is the only
      -- client-initiated renegotiation that could be tried.
      if ins.result == "completed" or ins.result == "refused" then
        result, how = ins.result, "without RFC 5746: " .. ins_how
      else
        result, how = "error", "without RFC 5746: " .. ins_how
      end
    end
    if (f.rule.secure or "any") == "required" then
      f:check(secure, "no renegotiation_info in the ServerHello", "secure renegotiation (RFC 5746)",
              { id = "renegotiation/insecure", severity = "high", cve = { "CVE-2009-3555" } })
    end
    if (f.rule.client_initiated or "any") == "refused" then
      if result == "error" then
        f:open("client-initiated renegotiation could not be tried: " .. how)
      else
        f:check(result ~= "completed", "client-initiated renegotiation " .. how, "client-initiated renegotiation refused",
                { id = "renegotiation/client-initiated", cwe = { "CWE-400" } })
      end
    end
    f:finish("secure renegotiation " .. (secure and "supported" or "not supported")
             .. "; client-initiated: " .. how, c)
  end,
}
