-- TLS 1.2 renegotiation on the mTLS host: a client must not be able to start
-- one (it lets a client change its identity mid-connection, and costs the
-- gateway a handshake at the client's will), and the server must speak
-- secure renegotiation (RFC 5746), without which an attacker could splice
-- its own request in front of a victim's authenticated connection. The same
-- probe as audit/renegotiation, run against the mTLS host with a valid
-- client certificate. The control is that connection's own handshake: a
-- renegotiation refused on a connection that never completed says nothing
-- (INCONCLUSIVE), unless the server refused TLS 1.2 itself (SKIP).
local B = require "bypass"
return {
  id = "bypass/renegotiation",
  title = "Client-initiated TLS 1.2 renegotiation is refused; insecure renegotiation is impossible",
  severity = "high",
  tags = { "bypass" },
  run = function(t)
    local mtls = t.mtls_host
    local c = B.connect(t, { sni = mtls, tls = "1.2", renegotiation = true, cert = "client/valid" })
    if not c.connected then return t:error("not connected: " .. tostring(c.error), c) end
    if not c.handshake_ok then
      if B.version_refused(c) then
        return t:skip("TLS 1.2 not accepted (" .. tostring(c.error) .. "); TLS 1.3 has no renegotiation")
      end
      if c.result == "timeout" then return t:error("TLS 1.2 handshake: " .. tostring(c.error), c) end
      return t:inconclusive("not judged: the control, a TLS 1.2 handshake on " .. tostring(mtls or t.target.host)
                            .. " with client/valid, did not complete (" .. tostring(c.error) .. "); " .. B.MTLS_HINT, c)
    end
    local secure = c.secure_renegotiation
    local result, how = "not tried", "not tried"
    if secure then result, how = c:renegotiate() end
    local findings = {
      { bad = not secure, text = "secure renegotiation (RFC 5746) " .. (secure and "supported" or "not supported: insecure renegotiation cannot be ruled out") },
      { bad = result == "completed", unjudged = result == "error", text = "client-initiated renegotiation: " .. how },
    }
    B.finish(t, findings, "secure renegotiation supported, client-initiated renegotiation refused")
  end,
}
