-- A certificate revoked while a kept-alive connection stays open: most
-- gateways check revocation only in the handshake, so the open connection
-- keeps being served until it closes. Recorded, not judged (info): what the
-- gateway did on the open connection and on a new one. Needs a gateway that
-- checks client certificates over OCSP against `mtlsprobe serve --ocsp`
-- (--revocation ocsp) and that responder's URL (--ocsp-responder), whose
-- control paths revoke client/revocable and reinstate it afterwards. The
-- control is client/revocable served before its revocation: without it,
-- nothing after is an observation (INCONCLUSIVE).
local B = require "bypass"
return {
  id = "bypass/revoked-keepalive",
  title = "A certificate revoked under an open keep-alive connection (recorded)",
  severity = "info",
  tags = { "bypass", "revocation" },
  run = function(t)
    if t.revocation ~= "ocsp" or not t.ocsp_responder then
      return t:skip("needs --revocation ocsp and --ocsp-responder URL (mtlsprobe serve --ocsp)")
    end
    if t.scheme == "mqtts" then
      return t:skip("a second CONNECT on one connection is not MQTT: the open connection is probed over https:// or tls://")
    end
    if not t:fixture("client/revocable") then
      return t:skip("the fixtures have no client/revocable (regenerate them)")
    end
    local base = t.ocsp_responder:gsub("/$", "")
    local function set(action)
      local r, err = t:http_request { url = base .. "/mtlsprobe/" .. action .. "/client/revocable", method = "POST" }
      if not r or r.status ~= 200 then
        return nil, action .. " at " .. base .. " failed: " .. (r and ("HTTP " .. r.status) or tostring(err))
      end
      return true
    end
    local ok, err = set("reinstate")
    if not ok then return t:error(err) end
    local c = B.connect(t, { sni = t.mtls_host, cert = "client/revocable" })
    local kind, how = B.attempt(c, { host = t.mtls_host })
    if kind == "error" then
      return t:error("client/revocable before its revocation: " .. how, c)
    end
    if kind ~= "served" then
      return t:inconclusive("not judged: the control, client/revocable before its revocation, was not served ("
                            .. how .. "); " .. B.MTLS_HINT .. " is the OCSP responder reachable from the gateway?", c)
    end
    ok, err = set("revoke")
    if not ok then return t:error(err, c) end
    local kind2, how2 = B.attempt(c, { host = t.mtls_host })
    local c2 = B.connect(t, { sni = t.mtls_host, cert = "client/revocable" })
    local kind3, how3 = t:outcome(c2)
    set("reinstate")
    local observed = "open connection after revocation: " .. (kind2 == "served" and "still served" or "not served")
      .. " (" .. how2 .. "); new connection: " .. kind3 .. " (" .. how3 .. ")"
    t:detail("before revocation: " .. how)
    t:info(observed, "recorded", c)
  end,
}
