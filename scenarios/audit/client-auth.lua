-- What the gateway's certificate request says: the client-auth mode (none,
-- optional, required: from one connection without a certificate), the CA
-- names it lists (reported in full: they reveal internal CA names), and the
-- signature algorithms it asks for (TLS 1.2: its CertificateRequest is the
-- only one a client can read before the handshake is encrypted).
-- The mode is reported only from what was observed: "none" needs a
-- completed handshake without a CertificateRequest; "required" needs a
-- refusal after the request, and when that refusal is an HTTP answer, the
-- control (the same request with client/valid) must be served, or the
-- answer may be the path's, not the certificate's. Otherwise INCONCLUSIVE.
local audit = require "audit"
return audit.scenario {
  name = "client-auth",
  title = "Certificate request: client-auth mode, CA names and signature algorithms",
  severity = "high",
  rule = "client_auth",
  run = function(t, f)
    local c = audit.connect(t, { cert = false })
    local outcome, how = t:outcome(c)
    if outcome == "error" then return t:error(how, c) end
    local mode
    if not c.cert_requested then
      if not c.handshake_ok then
        return t:inconclusive("not judged: no mode observed: the handshake without a certificate ended before "
                              .. "any CertificateRequest (" .. how .. "); is the target a TLS server?", c)
      end
      mode = "none"
    elseif outcome == "accepted" then
      mode = "optional"
    elseif c.response then
      -- Refused by an HTTP answer: is it the certificate's, or the path's?
      local v = audit.connect(t, { cert = "client/valid" })
      local vk, vhow = t:outcome(v)
      v:close()
      t:detail("control: the same request with client/valid: " .. vhow)
      if vk == "error" then return t:error("control with client/valid: " .. vhow, v) end
      if vk ~= "accepted" then
        return t:inconclusive("not judged: without a certificate " .. how .. ", and the control with client/valid "
                              .. vhow .. " too; does the gateway trust the fixtures' CA, and serve the target path?", c)
      end
      mode = "required"
    else
      mode = "required"
    end
    -- Probes never hold a connection open while they make another: a
    -- server that handles one connection at a time would stall them.
    c:close()
    local versions = audit.versions(t)
    local req
    if versions["1.2"] then
      local c12 = audit.connect(t, { tls = "1.2", cert = false })
      req = c12.cert_request
      c12:close()
    end
    req = req or c.cert_request
    local names, algs = {}, {}
    if req then
      names, algs = req.ca_names or {}, req.sig_algs or {}
      for _, n in ipairs(names) do t:detail("CA name listed: " .. n) end
      if #algs > 0 then t:detail("signature algorithms requested: " .. table.concat(algs, ", ")) end
      if not req.ca_names then t:detail("CA names: not readable") end
    end
    local want = t.expect_mtls and (f.rule.expect or "required") or "any"
    if want ~= "any" then
      f:check(mode == want, "mode " .. mode .. " (" .. how .. ")", "mode " .. want, { id = "client_auth/mode", items = { mode } })
    end
    local summary = "mode " .. mode
    if req then
      summary = summary .. "; " .. #names .. " CA names listed"
                .. (#names > 0 and (" (" .. names[1] .. (#names > 1 and ", ..." or "") .. ")") or "")
      if #algs > 0 then summary = summary .. "; " .. #algs .. " signature algorithms" end
    end
    f:finish(summary, c)
  end,
}
