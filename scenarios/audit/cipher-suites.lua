-- Every cipher suite the gateway accepts, offered one at a time: wolfSSL's
-- own suites by real handshakes, and every other suite of the IANA registry
-- (static RSA, DH and ECDH, 3DES, RC4, DES, IDEA, SEED, export, NULL, PSK,
-- SRP, DSS, anonymous...) by a hand-built ClientHello whose ServerHello
-- answer is all that is read.
-- Each accepted suite is listed in the details, IANA name first. Control:
-- some version was answered, and some suite was accepted; "no forbidden
-- suite" from a server that accepted none says nothing (INCONCLUSIVE).
local audit = require "audit"

-- Each forbidden class's severity, as testssl.sh rates the class (docs/
-- scenarios.md, "Severities"): NULL, anonymous and export critical; RC4,
-- DES (its "LOW" class) high; 3DES medium; CBC ("obsolete CBC") low. MD5
-- MACs come only with RC4, DES, NULL or export suites: high. Suites
-- without forward secrecy: medium when no accepted suite has it (testssl.sh:
-- MEDIUM), low beside suites that have it (no rating there).
local CLASS_SEVERITY = { null = "critical", anon = "critical", export = "critical", rc4 = "high", des = "high",
                         md5 = "high", ["3des"] = "medium", cbc = "low" }

-- The catalogue's suites that wolfSSL's handshakes did not already find
-- accepted in version v, by hand-built ClientHello. A suite wolfSSL offers
-- but whose handshake failed is asked again: the failure may be the
-- client's (wolfSSL refuses anonymous suites without a certificate to
-- check, for one), and only the server's choice counts.
local function probe_hello(t, v, out)
  local found = {}
  for _, s in ipairs(out) do
    if s.v == "TLSv" .. v then found[s.iana] = true end
  end
  for _, s in ipairs(audit.hello_accepted(t, v, function(s) return found[s.iana] end)) do
    out[#out + 1] = { v = "TLSv" .. v, iana = s.iana, name = s.name, hello = true }
  end
end

return audit.scenario {
  name = "cipher-suites",
  title = "Cipher suites: none of the classes the profile forbids is accepted",
  description = "Enumerates accepted TLS 1.2 (and older) and TLS 1.3 suites one at a time "
             .. "and flags suites without forward secrecy, CBC, 3DES, RC4, NULL, anonymous and export.",
  severity = "high",
  rule = "cipher_suites",
  run = function(t, f)
    local versions, ctl = audit.versions(t)
    if audit.no_tls(t, ctl) then return end
    local accepted = {}
    for _, v in ipairs({ "1.0", "1.1", "1.2", "1.3" }) do
      if versions[v] then
        for _, s in ipairs(audit.accepted_suites(t, v)) do
          accepted[#accepted + 1] = { v = "TLSv" .. v, iana = s.iana, name = s.name }
        end
        if v ~= "1.3" then probe_hello(t, v, accepted) end
      end
    end
    if #accepted == 0 then
      return t:inconclusive("not judged: no cipher suite was accepted alone in any version, though "
                            .. ctl.how .. "; is the target a TLS server that accepts client/valid?")
    end
    local by_class, per_version, outside, with_fs = {}, {}, {}, 0
    for _, s in ipairs(accepted) do
      local classes = audit.classes(s.iana)
      t:detail("accepted " .. s.v .. " " .. s.iana .. " (" .. s.name .. ")"
               .. (#classes > 0 and (" [" .. table.concat(classes, ",") .. "]") or ""))
      per_version[s.v] = (per_version[s.v] or 0) + 1
      if not audit.contains(classes, "no_fs") then with_fs = with_fs + 1 end
      for _, cl in ipairs(classes) do
        by_class[cl] = by_class[cl] or {}
        if not audit.contains(by_class[cl], s.iana) then table.insert(by_class[cl], s.iana) end
      end
      if f.rule.allow and not audit.contains(f.rule.allow, s.iana) and not audit.contains(outside, s.iana) then
        outside[#outside + 1] = s.iana
      end
    end
    -- The forbidden classes first: they are the findings that matter most.
    for _, cl in ipairs(f.rule.forbid or {}) do
      local hits = by_class[cl]
      f:check(hits == nil, cl .. " suites accepted: " .. table.concat(hits or {}, ", "),
              "no " .. cl .. " suite",
              { id = "cipher_suites/" .. cl, items = hits,
                severity = CLASS_SEVERITY[cl] or (cl == "no_fs" and (with_fs == 0 and "medium" or "low")) or nil,
                cve = (cl == "rc4" and { "CVE-2013-2566" }) or (cl == "3des" and { "CVE-2016-2183" }) or nil })
    end
    if f.rule.allow then
      -- A suite outside the list: low, or its worst class's severity.
      local rank = { critical = 1, high = 2, medium = 3, low = 4 }
      local worst = "low"
      for _, iana in ipairs(outside) do
        for _, cl in ipairs(audit.classes(iana)) do
          local sev = CLASS_SEVERITY[cl] or "low"
          if rank[sev] < rank[worst] then worst = sev end
        end
      end
      f:check(#outside == 0, #outside .. " suites outside the profile's list accepted: "
              .. table.concat(outside, ", "), "only the profile's suites",
              { id = "cipher_suites/outside-allow", severity = worst, items = outside })
    end
    local counts = {}
    for _, v in ipairs({ "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3" }) do
      if per_version[v] then counts[#counts + 1] = per_version[v] .. " in " .. v end
    end
    f:finish(#accepted .. " suites accepted (" .. table.concat(counts, ", ") .. ")")
  end,
}
