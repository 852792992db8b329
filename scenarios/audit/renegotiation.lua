-- TLS 1.2 renegotiation: the server must support secure renegotiation
-- (RFC 5746, renegotiation_info in its ServerHello) and should refuse a
-- renegotiation the client starts (a denial-of-service lever). Control: the
-- TLS 1.2 handshake completed; a renegotiation "refused" on a connection
-- that never stood, or one that could not be tried, is not judged.
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
    local c = audit.connect(t, { tls = "1.2", renegotiation = true })
    if not c.handshake_ok then return audit.not_established(t, c, "the TLS 1.2 handshake") end
    local secure = c.secure_renegotiation
    local result, how = "not tried", "the server does not support secure renegotiation"
    if secure then result, how = c:renegotiate() end
    t:detail("secure renegotiation " .. (secure and "supported" or "not supported"))
    t:detail("client-initiated renegotiation: " .. how)
    if (f.rule.secure or "any") == "required" then
      f:check(secure, "no renegotiation_info in the ServerHello", "secure renegotiation (RFC 5746)",
              { id = "renegotiation/insecure", cve = { "CVE-2009-3555" } })
    end
    if (f.rule.client_initiated or "any") == "refused" then
      if secure and result == "error" then
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
