-- TLS 1.3 post-handshake authentication (RFC 8446 4.6.2): a client that
-- offers it lets the server ask for a certificate after the handshake, which
-- some gateways use to authenticate per path. Recorded, not judged: what the
-- gateway did when the client offered it without sending a certificate in
-- the handshake, and with a valid certificate ready. The control is the
-- connection with client/valid ready: its handshake must complete, or what
-- the gateway did is not recorded as an observation (INCONCLUSIVE).
local B = require "bypass"
return {
  id = "bypass/post-handshake-auth",
  title = "TLS 1.3 post-handshake authentication behaviour (recorded)",
  severity = "info",
  tags = { "bypass" },
  run = function(t)
    local mtls = t.mtls_host
    local findings = {}
    local ctl
    for _, v in ipairs { { "no certificate", nil }, { "client/valid ready", "client/valid" } } do
      local c = B.connect(t, { sni = mtls, tls = "1.3", post_handshake_auth = true, cert = v[2] })
      if not c.connected then return t:error("not connected: " .. tostring(c.error), c) end
      if c.handshake_ok and c.version ~= "TLSv1.3" then return t:skip("TLS 1.3 not accepted") end
      if B.version_refused(c) then
        return t:skip("TLS 1.3 not accepted")
      end
      local kind, how = B.attempt(c, { host = mtls })
      if v[2] then
        ctl = { what = "TLS 1.3 handshake offering post_handshake_auth with client/valid", c = c,
                served = c.handshake_ok, kind = c.result == "timeout" and "error" or kind,
                how = c.handshake_ok and ("completed, " .. how) or ("not completed: " .. tostring(c.error)) }
      end
      findings[#findings + 1] = { text = "post_handshake_auth offered, " .. v[1] .. ": "
        .. (c.cert_requested and "certificate requested in the handshake, " or "no certificate request in the handshake, ")
        .. kind .. " (" .. how .. ")" }
      c:close()
    end
    B.finish(t, findings, "recorded", ctl, B.MTLS_HINT)
  end,
}
