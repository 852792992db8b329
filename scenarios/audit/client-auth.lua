-- What the gateway's certificate request says: the client-auth mode (none,
-- optional, required: from one connection without a certificate), the CA
-- names it lists (reported in full: they reveal internal CA names), and the
-- signature algorithms it asks for (TLS 1.2: its CertificateRequest is the
-- only one a client can read before the handshake is encrypted).
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
    local mode = not c.cert_requested and "none" or outcome == "rejected" and "required" or "optional"
    local versions = audit.versions(t)
    local req
    if versions["1.2"] then
      local c12 = audit.connect(t, { tls = "1.2", cert = false })
      req = c12.cert_request
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
      f:check(mode == want, "mode " .. mode .. " (" .. how .. ")", "mode " .. want)
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
