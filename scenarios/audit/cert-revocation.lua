-- Revocation information in every certificate served (audit.served): the
-- CRL distribution points, the OCSP responder and CA issuers URLs
-- (authorityInfoAccess), the OCSP must-staple promise (TLS feature
-- extension, RFC 7633) and embedded SCTs (RFC 6962). A leaf that names no
-- way to learn of its revocation cannot be revoked in practice. A
-- must-staple leaf served without a staple is refused by browsers.
-- Control: the handshake carrying the leaf completed.
local audit = require "audit"
return audit.scenario {
  name = "cert-revocation",
  title = "Certificates: each served leaf says where its revocation is published",
  severity = "medium",
  rule = "cert_revocation",
  leaf = true,
  run = function(t, f, c, leaf)
    local want = f.rule.expect or "any"
    local without = 0
    local entries = audit.each_served(t, c, function(chain, l, label)
      local r = l.revocation or { crl = {}, ocsp = {}, ca_issuers = {} }
      local line = string.format("%sleaf %s: CRL %s; OCSP %s; CA issuers %s; must-staple %s; SCTs %s", label,
        tostring(l.subject), #r.crl > 0 and table.concat(r.crl, ", ") or "none",
        #r.ocsp > 0 and table.concat(r.ocsp, ", ") or "none",
        #r.ca_issuers > 0 and table.concat(r.ca_issuers, ", ") or "none",
        r.must_staple and "yes" or "no", r.scts and "yes" or "no")
      t:detail(line)
      local none = #r.crl == 0 and #r.ocsp == 0
      if none then without = without + 1 end
      if want == "required" and not l.self_issued then
        f:check(not none, label .. "leaf " .. tostring(l.subject) .. " names no CRL distribution point and no OCSP URL",
                "a CRL distribution point or an OCSP URL in each leaf",
                { id = "cert_revocation/none", items = { tostring(l.subject) } })
      end
    end)
    local r = leaf.revocation or { crl = {}, ocsp = {} }
    f:finish(string.format("leaf: %d CRL URL(s), %d OCSP URL(s), must-staple %s, SCTs %s; %d of %d served leaves name none",
                           #r.crl, #r.ocsp, r.must_staple and "yes" or "no", r.scts and "yes" or "no",
                           without, #entries), c)
  end,
}
