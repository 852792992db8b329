-- OCSP stapling: the client asks for the certificate status (status_request)
-- and wolfSSL checks a stapled response against the leaf and its issuer:
-- the signature, that it is about this certificate, that it says good, and
-- that it is current. Verification is on, so the issuer is known. Control:
-- the handshake completed ("no staple" from a failed one says nothing).
local audit = require "audit"
return audit.scenario {
  name = "ocsp-stapling",
  title = "OCSP stapling: a valid response is stapled",
  severity = "medium",
  rule = "ocsp_stapling",
  run = function(t, f)
    local c = audit.connect(t, { ocsp = true, verify = true })
    if not c.handshake_ok then
      if c.result == "verify failed" then
        -- The staple is checked against a verified chain only; the
        -- certificate's own defects are the audit/cert-* findings.
        return t:skip("the server's certificate does not verify (" .. tostring(c.error)
                      .. "), so a staple cannot be checked")
      end
      return audit.not_established(t, c, "the handshake asking for a staple")
    end
    local o = c.ocsp
    local want = f.rule.expect or "any"
    if want == "required" then
      -- Missing is low (testssl.sh: LOW), unless the leaf says must-staple:
      -- then clients that honour it refuse the server (testssl.sh: HIGH).
      local leaf = c.peer_chain[1]
      local must = leaf and leaf.revocation and leaf.revocation.must_staple
      f:check(o.stapled, "no OCSP response stapled" .. (must and " though the leaf is must-staple" or ""),
              "a stapled OCSP response", { id = "ocsp_stapling/missing", severity = must and "high" or "low" })
    end
    if o.stapled then
      f:check(o.valid, "stapled OCSP response (" .. o.length .. " bytes) not valid for the leaf: "
              .. tostring(o.error), "a valid stapled response")
    end
    f:finish(o.stapled and ("valid OCSP response stapled (" .. o.length .. " bytes)") or "no OCSP response stapled", c)
  end,
}
