-- Revocation as the gateway checks it now, which the run states with
-- --revocation (mtlsprobe cannot see the gateway's revocation source):
--   ocsp       the gateway asks an OCSP responder (mtlsprobe serve --ocsp):
--              client/revoked must be rejected, client/valid accepted;
--   ocsp-down  the responder is down (serve --ocsp-mode down): whether the
--              gateway fails open (accepts) or closed (rejects) is reported;
--              fail-open is a high-severity FAIL under the pci-dss-4 profile;
--   crl-stale  the gateway holds a CRL whose nextUpdate has passed (serve
--              --crl-http --crl-stale, or the fixtures' *.crl-stale.pem):
--              what it does is reported.
-- Controls: with ocsp, client/valid must be accepted, else client/revoked's
-- refusal says nothing (INCONCLUSIVE); with ocsp-down and crl-stale, where
-- failing closed refuses client/valid too, the gateway must at least have
-- asked for the certificate (a CertificateRequest), else "fails closed"
-- may be a gateway that refuses everyone for another reason (INCONCLUSIVE).
local B = require "bypass"

local function outcome(t, fixture)
  local c = B.connect(t, { sni = t.mtls_host, cert = fixture })
  local kind, how = t:outcome(c)
  c:close()
  return kind, fixture .. " " .. how, c.cert_requested
end

return {
  id = "bypass/revocation",
  title = "Revoked client certificates are refused, and a revocation source that fails does not open the gateway",
  severity = "high",
  tags = { "bypass", "revocation" },
  run = function(t)
    local mode = t.revocation
    if not mode then
      return t:skip("needs --revocation ocsp|ocsp-down|crl-stale (how the gateway checks revocation now)")
    end
    local valid, valid_how, asked = outcome(t, "client/valid")
    local revoked, revoked_how = outcome(t, "client/revoked")
    for _, k in ipairs { valid, revoked } do
      if k == "error" then return t:error(valid_how .. "; " .. revoked_how) end
    end
    t:detail(valid_how)
    t:detail(revoked_how)
    if mode == "ocsp" then
      -- client/revoked accepted is a FAIL whatever the control did.
      local ctl = { what = "client/valid on " .. tostring(t.mtls_host or t.target.host), how = valid_how,
                    served = valid == "accepted", kind = valid }
      B.finish(t, { { bad = revoked ~= "rejected", text = revoked_how }, { text = valid_how } },
               "client/revoked rejected over OCSP, client/valid accepted", ctl,
               "is the OCSP responder reachable from the gateway, and does it trust the fixtures' CA?")
      return
    end
    local open = valid == "accepted" or revoked == "accepted"
    if not open and not asked then
      return t:inconclusive("not judged: the gateway refused client/valid without asking for a certificate ("
                            .. valid_how .. "); its refusals say nothing about revocation: is --mtls-host an mTLS host?")
    end
    local what = mode == "ocsp-down" and "OCSP responder down" or "CRL past its nextUpdate"
    local observed = what .. ": fails " .. (open and "open" or "closed") .. " (" .. valid_how .. "; " .. revoked_how .. ")"
    if mode == "ocsp-down" and open and t.profile_name == "pci-dss-4" then
      t:set_severity("high")
      t:control("pci-dss-4:4.2.1")
      return t:fail(observed, "fails closed when the revocation source is unavailable (pci-dss-4)")
    end
    if mode == "ocsp-down" and t.profile_name == "pci-dss-4" then -- a requirement, and it holds
      t:control("pci-dss-4:4.2.1")
      return t:pass(observed, "fails closed when the revocation source is unavailable (pci-dss-4)")
    end
    t:set_severity("info")
    t:info(observed, "recorded")
  end,
}
