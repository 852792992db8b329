-- The audit's shared library: the profile rule schema, probing connections,
-- cipher suite classes, and findings that name the profile rule they break.
--
-- A scenario in scenarios/audit/ checks one thing (protocol versions, the
-- certificate's lifespan, ...), reads its rule from the profile (t.profile,
-- chosen with --profile), records the rule's control ids on its result, and
-- ends with one verdict whose observed line lists every rule it broke.
--
-- Every check has a control: a handshake that completed (or, for a version,
-- a ServerHello), made under the check's conditions. A refusal observed
-- while the control failed says nothing (a server that is down or does not
-- speak TLS refuses everything), so such a check is INCONCLUSIVE, never
-- PASS; ERROR stays for attempts that themselves failed (not connected,
-- timeout).
local M = {}

-- Every rule a profile may state, with the parameters it takes. A rule a
-- profile leaves out is still observed and reported, as INFO ("no rule"): never a PASS.
M.RULES = {
  protocols = "versions: { [\"TLSv1.0\"] = \"refused\" | \"accepted\" | \"any\", ... }",
  cipher_suites = "forbid = { classes: no_fs, cbc, 3des, rc4, null, anon, export, des, md5 }, allow = { IANA names } (optional)",
  cipher_order = "expect = \"server\" | \"client\" | \"any\"",
  groups = "allow = { \"X25519\", \"P-256\", \"P-384\", \"P-521\", \"ffdhe2048\", ... }",
  cert_trust = "(no parameters: the chain verifies to --ca)",
  cert_hostname = "(no parameters: a SAN names the target host)",
  cert_validity = "(no parameters; --expiry-warn sets the warning window)",
  cert_lifespan = "max_days = N",
  cert_key = "rsa_min_bits = N, ec_min_bits = N",
  dh = "min_bits = N (finite-field DH groups: TLS 1.0-1.2 DHE suites, TLS 1.3 ffdhe groups)",
  cert_signature = "forbid = { \"sha1\", \"md5\" }",
  cert_eku = "allow_absent = true accepts a leaf without the extension (default: serverAuth required)",
  cert_chain = "(no parameters: leaf first, each certificate issued by the next, intermediates sent)",
  pin = "(no parameters; --pin gives the pins)",
  ocsp_stapling = "expect = \"required\" | \"any\" (a staple that is sent must be valid)",
  client_auth = "expect = \"required\" | \"optional\" | \"none\" | \"any\" (--expect-mtls no means any)",
  renegotiation = "secure = \"required\" | \"any\", client_initiated = \"refused\" | \"any\"",
  early_data = "expect = \"refused\" | \"any\", replay = \"refused\" | \"any\"",
  resumption = "tickets = \"allowed\" | \"refused\" | \"any\", ids = \"allowed\" | \"refused\" | \"any\"",
  compression = "expect = \"off\" | \"any\"",
  fallback_scsv = "expect = \"honoured\" | \"any\"",
  alpn_h2 = "expect = \"offered\" | \"any\"",
  vulnerabilities = "(no parameters: each named vulnerability found is a finding with its CVE)",
  cert_revocation = "expect = \"required\" | \"any\" (each leaf names a CRL distribution point or an OCSP URL)",
  http = "hsts_min_age = N, headers = { \"x-content-type-options\", ... }, banner = \"hidden\" | \"any\", "
         .. "compression = \"off\" | \"any\", breach = \"refused\" | \"any\", "
         .. "cookies = \"secure\" | \"any\" | { \"Secure\", \"HttpOnly\", \"SameSite\" }",
}

-- The weakness each rule guards against (MITRE CWE), for findings.
M.CWE = {
  protocols = { "CWE-327" }, cipher_suites = { "CWE-327" }, cipher_order = { "CWE-757" },
  groups = { "CWE-326" }, dh = { "CWE-326" }, cert_trust = { "CWE-295" }, cert_hostname = { "CWE-297" },
  cert_validity = { "CWE-298" }, cert_lifespan = { "CWE-324" }, cert_key = { "CWE-326" },
  cert_signature = { "CWE-328" }, cert_eku = { "CWE-295" }, cert_chain = { "CWE-296" },
  pin = { "CWE-295" }, ocsp_stapling = { "CWE-299" }, client_auth = { "CWE-306" },
  renegotiation = { "CWE-400" }, early_data = { "CWE-294" }, resumption = { "CWE-613" },
  compression = { "CWE-200" }, fallback_scsv = { "CWE-757" }, alpn_h2 = { "CWE-1104" },
  legacy_protocols = { "CWE-327" }, vulnerabilities = { "CWE-327" }, http = { "CWE-693" }, cert_revocation = { "CWE-299" },
}

-- The parameters each rule takes, and their Lua types.
local PARAMS = {
  protocols = { versions = "table" },
  cipher_suites = { forbid = "table", allow = "table" },
  cipher_order = { expect = "string" },
  groups = { allow = "table" },
  cert_lifespan = { max_days = "number" },
  cert_key = { rsa_min_bits = "number", ec_min_bits = "number" },
  dh = { min_bits = "number" },
  cert_signature = { forbid = "table" },
  cert_eku = { allow_absent = "boolean" },
  ocsp_stapling = { expect = "string" },
  client_auth = { expect = "string" },
  renegotiation = { secure = "string", client_initiated = "string" },
  early_data = { expect = "string", replay = "string" },
  resumption = { tickets = "string", ids = "string" },
  compression = { expect = "string" },
  fallback_scsv = { expect = "string" },
  alpn_h2 = { expect = "string" },
  cert_revocation = { expect = "string" },
  http = { hsts_min_age = "number", headers = "table", banner = "string", compression = "string", breach = "string",
           cookies = "string or table" },
}

-- Returns nil when the profile is well formed, else one line saying why.
function M.check_profile(p)
  if type(p.name) ~= "string" or p.name == "" then
    return "needs name = \"...\""
  end
  if type(p.rules) ~= "table" then
    return "needs rules = { rule = { ... }, ... }"
  end
  for k, v in pairs(p) do
    if k ~= "name" and k ~= "title" and k ~= "rules" then
      return "unknown field '" .. tostring(k) .. "' (known: name, title, rules)"
    end
  end
  local known = {}
  for name in pairs(M.RULES) do known[#known + 1] = name end
  table.sort(known)
  for name, rule in pairs(p.rules) do
    if not M.RULES[name] then
      return "unknown rule '" .. tostring(name) .. "' (known: " .. table.concat(known, ", ") .. ")"
    end
    if type(rule) ~= "table" then
      return "rule " .. name .. " must be a table"
    end
    for field, value in pairs(rule) do
      local want = field == "controls" and "table" or (PARAMS[name] or {})[field]
      if not want then
        return "rule " .. name .. ": unknown parameter '" .. tostring(field) .. "' (" .. M.RULES[name] .. ")"
      end
      if type(value) ~= want and not (want == "string or table" and (type(value) == "string" or type(value) == "table")) then
        return "rule " .. name .. ": " .. field .. " must be a " .. want
      end
    end
    if rule.controls ~= nil then
      if type(rule.controls) ~= "table" then
        return "rule " .. name .. ": controls must be a list of strings"
      end
      for _, c in ipairs(rule.controls) do
        if type(c) ~= "string" then
          return "rule " .. name .. ": controls must be a list of strings"
        end
      end
    end
  end
  return nil
end

-- A connection for probing the gateway's TLS: the good client certificate
-- (so gateways that require one finish the handshake), no verification of
-- the server (its certificate is judged by the cert_* scenarios).
function M.connect(t, opts)
  opts = opts or {}
  if opts.cert == nil and t:fixture("client/valid") then opts.cert = "client/valid" end
  if opts.cert == false then opts.cert = nil end
  if opts.verify == nil then opts.verify = false end
  return t:connect(opts)
end

-- Records the verdict of a check whose control, the connection c, did not
-- complete its handshake: ERROR when the attempt itself failed (not
-- connected, timeout), else INCONCLUSIVE naming what happened and the
-- likely cause. `what` names the connection ("the TLS 1.2 handshake").
function M.not_established(t, c, what)
  local why = tostring(c.error or c.result)
  if not c.connected or c.result == "timeout" then return t:error(what .. ": " .. why, c) end
  return t:inconclusive("not judged: " .. what .. " did not complete (" .. why .. "); is the target a TLS "
                        .. "server, and does it accept " .. (c.fixture or "a client without a certificate") .. "?", c)
end

-- One connection and the gateway's leaf certificate; records the verdict
-- and returns nil when no certificate could be read (INCONCLUSIVE, or
-- ERROR when the attempt itself failed).
function M.leaf(t)
  local c = M.connect(t)
  local leaf = c.peer_chain[1]
  if not leaf then
    if c.handshake_ok then
      t:error("no server certificate in a completed handshake", c)
    else
      M.not_established(t, c, "the handshake")
    end
    return c, nil
  end
  return c, leaf
end

-- Whether a version was accepted: the server answered with a ServerHello
-- of that version (the handshake may still end on the client certificate).
function M.accepted(c)
  if c.handshake_ok then return true end
  return c.server_hello ~= nil
end

-- The TLS versions this gateway accepts, probing each one alone; and the
-- control every version-dependent check rests on: { ok (some version got a
-- ServerHello), connected (some probe connected), how (each version's
-- answer) }. M.no_tls(t, ctl) records the verdict when it failed.
function M.versions(t)
  local out, seen = {}, {}
  local ctl = { ok = false, connected = false }
  for _, v in ipairs({ "1.0", "1.1", "1.2", "1.3" }) do
    local c = M.connect(t, { tls = v })
    out[v] = M.accepted(c)
    ctl.ok = ctl.ok or out[v]
    ctl.connected = ctl.connected or c.connected
    ctl.timeout = ctl.timeout or c.result == "timeout"
    seen[#seen + 1] = "TLSv" .. v .. " " .. (out[v] and "accepted" or ("refused (" .. tostring(c.error) .. ")"))
    c:close()
  end
  ctl.how = table.concat(seen, "; ")
  return out, ctl
end

-- When no version got a ServerHello: records INCONCLUSIVE (ERROR when
-- nothing connected or a probe timed out) and returns true.
function M.no_tls(t, ctl)
  if ctl.ok then return false end
  if not ctl.connected or ctl.timeout then
    t:error("no TLS version could be probed: " .. ctl.how)
  else
    t:inconclusive("not judged: no TLS version was answered with a ServerHello (" .. ctl.how
                   .. "); is the target a TLS server?")
  end
  return true
end

-- The severity of a finding about a finite-field modulus that is too small
-- (an RSA key, a DH group), as testssl.sh rates them: at most 800 bits
-- critical (computed in public), at most 1024 high (within a nation
-- state's reach, LOGJAM's common primes), else low (below the profile's
-- minimum, not known to be breakable). docs/scenarios.md, "Severities".
function M.modulus_severity(bits)
  if bits <= 800 then return "critical" end
  if bits <= 1024 then return "high" end
  return "low"
end

-- Cipher suite classes, from the IANA name.
function M.classes(iana)
  local out = {}
  local tls13 = not iana:find("_WITH_")
  if not tls13 and not iana:find("^TLS_ECDHE_") and not iana:find("^TLS_DHE_") then
    out[#out + 1] = "no_fs"
  end
  if iana:find("_CBC_") then out[#out + 1] = "cbc" end
  if iana:find("3DES") then out[#out + 1] = "3des" end
  if iana:find("RC4") then out[#out + 1] = "rc4" end
  if iana:find("_NULL_") or iana:find("_NULL$") or iana:find("TLS_SHA%d+_SHA%d+") then
    out[#out + 1] = "null"
  end
  if iana:find("_anon_") then out[#out + 1] = "anon" end
  if iana:find("EXPORT") then out[#out + 1] = "export" end
  if iana:find("_DES_") or iana:find("DES40") then out[#out + 1] = "des" end
  if iana:find("_MD5$") then out[#out + 1] = "md5" end
  return out
end

local function contains(list, x)
  for _, v in ipairs(list or {}) do
    if v == x then return true end
  end
  return false
end
M.contains = contains

-- Findings of one scenario against one profile rule.
-- local f = audit.findings(t, "protocols")
-- f:check(ok, observed, expected)   -- ok false is a finding; nil: not applicable
-- f:open(observed)                  -- could not be judged: its control failed
-- f:finish(summary, c)              -- the verdict: FAIL, else INCONCLUSIVE, else PASS
function M.findings(t, rule_name)
  local profile = t.profile or { name = "none", rules = {} }
  local rule = profile.rules[rule_name]
  local f = {
    t = t, rule_name = rule_name, rule = rule or {}, has_rule = rule ~= nil,
    profile = profile.name, failed = {}, skipped = {}, expected = {}, unjudged = {}, judged = 0,
  }
  for _, id in ipairs(f.rule.controls or {}) do t:control(id) end
  function f:where()
    return self.profile .. " rule " .. self.rule_name
  end
  -- info (optional): { id = "rule/what", items = { ... }, cve = { ... },
  -- cwe = { ... }, severity = "high" }; a broken rule becomes a structured
  -- finding (t:finding) as well as a detail line.
  function f:check(ok, observed, expected, info)
    if ok ~= nil then self.judged = self.judged + 1 end
    if ok == false then
      info = info or {}
      self.failed[#self.failed + 1] = observed
      self.t:detail("FAIL " .. self:where() .. ": observed " .. observed .. "; expected " .. expected)
      self.t:finding {
        id = info.id or self.rule_name, severity = info.severity, profile = self.profile,
        rule = self.rule_name, observed = observed, expected = expected,
        controls = self.rule.controls, items = info.items,
        cve = info.cve, cwe = info.cwe or M.CWE[self.rule_name],
      }
    elseif ok == nil then
      self.skipped[#self.skipped + 1] = observed
      self.t:detail("SKIP " .. self:where() .. ": " .. observed)
    end
    if not contains(self.expected, expected) then self.expected[#self.expected + 1] = expected end
    return ok
  end
  function f:open(observed)
    self.unjudged[#self.unjudged + 1] = observed
    self.t:detail("NOT JUDGED " .. self:where() .. ": " .. observed)
  end
  function f:note(line) self.t:detail(line) end
  function f:finish(summary, c)
    local expected = #self.expected > 0 and table.concat(self.expected, "; ")
                     or self.has_rule and ("recorded (" .. self:where() .. " sets no requirement)")
                     or ("recorded (no rule " .. self.rule_name .. " in profile " .. self.profile .. ")")
    if #self.failed > 0 then
      return self.t:fail(table.concat(self.failed, "; ") .. " (breaks " .. self:where() .. ")",
                         expected, c)
    end
    if #self.unjudged > 0 then
      return self.t:inconclusive("not judged: " .. table.concat(self.unjudged, "; "), c)
    end
    if #self.skipped > 0 and self.judged == 0 then
      return self.t:skip(table.concat(self.skipped, "; "))
    end
    if #self.expected == 0 then -- the profile asks nothing here: an observation
      return self.t:info(summary, expected, c)
    end
    return self.t:pass(summary, expected, c)
  end
  return f
end

-- The catalogue's suites authenticated by one key type ("RSA", "ECDSA",
-- "DSS"), for hand-built ClientHellos that make the server show the
-- certificate it has for that key type.
function M.suites_for(t, kind)
  local out = {}
  for _, s in ipairs(t:hello_suites()) do
    local iana = s.iana
    local rsa = iana:find("^TLS_ECDHE_RSA_") or iana:find("^TLS_DHE_RSA_") or iana:find("^TLS_RSA_WITH_")
    local ecdsa = iana:find("^TLS_ECDHE_ECDSA_")
    local dss = iana:find("^TLS_DHE_DSS_")
    if (kind == "RSA" and rsa) or (kind == "ECDSA" and ecdsa) or (kind == "DSS" and dss) then
      out[#out + 1] = s.id
    end
  end
  return out
end

-- Every distinct certificate chain the server presents, the first being
-- c's (the ordinary handshake): { { chain, leaf, where }, ... }. The others
-- come from TLS 1.2 hand-built ClientHellos offering only RSA, only ECDSA
-- or only DSS suites, and from handshakes offering only Ed25519 or Ed448
-- signatures, each with and without SNI; a server that answers no TLS 1.2
-- ClientHello (TLS 1.3 only) is asked by TLS 1.3 handshakes offering only
-- RSA-PSS or only ECDSA signatures. Each probe is closed before the next.
function M.served(t, c)
  local out, seen = {}, {}
  local function add(chain, where)
    local leaf = chain and chain[1]
    if not leaf then return false end
    local key = leaf.sha256 or tostring(leaf.subject)
    if seen[key] then
      seen[key].also[#seen[key].also + 1] = where
      return true
    end
    local e = { chain = chain, leaf = leaf, where = where, also = {} }
    seen[key] = e
    out[#out + 1] = e
    return true
  end
  add(c.peer_chain, "the ordinary handshake")
  c:close()
  local tls12 = false
  for _, kind in ipairs({ "RSA", "ECDSA", "DSS" }) do
    for _, sni in ipairs({ true, false }) do
      local r = M.hello_all(t, { tls = "1.2", suites = M.suites_for(t, kind), flight = true, sni = not sni and "" or nil })
      if r.result == "server_hello" then tls12 = true end
      add(r.result == "server_hello" and r.certs or nil,
          "TLS 1.2 " .. kind .. " suites, " .. (sni and "with SNI" or "without SNI"))
    end
  end
  local probes = { { "ED25519", "Ed25519", "any" }, { "ED448", "Ed448", "any" } }
  if not tls12 then
    probes[#probes + 1] = { "RSA-PSS+SHA256:RSA-PSS+SHA384:RSA-PSS+SHA512:PSS+SHA256:PSS+SHA384:PSS+SHA512", "RSA-PSS", "1.3" }
    probes[#probes + 1] = { "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512", "ECDSA", "1.3" }
  end
  for _, p in ipairs(probes) do
    for _, sni in ipairs({ true, false }) do
      local ok, x = pcall(M.connect, t, { tls = p[3], sigalgs = p[1], sni = not sni and false or nil, cert = false })
      if ok then
        if x.handshake_ok then
          add(x.peer_chain, (p[3] == "1.3" and "TLS 1.3 " or "") .. p[2] .. " signatures only, "
              .. (sni and "with SNI" or "without SNI"))
        end
        x:close()
      end
    end
  end
  return out
end

-- Runs check(chain, leaf, label) for every served chain (M.served): label
-- is "" for the ordinary handshake's, else "certificate for <where>: ",
-- to put before the observed text. Lists each extra certificate once.
function M.each_served(t, c, check)
  c:close() -- a server that serves one connection at a time must see the probes (the chain is kept)
  local entries = M.served(t, c)
  for i, e in ipairs(entries) do
    if i > 1 then
      t:detail("also served: " .. tostring(e.leaf.subject) .. " (" .. tostring(e.leaf.key_type) .. "-"
               .. tostring(e.leaf.key_bits) .. ") for " .. e.where
               .. (#e.also > 0 and (", " .. table.concat(e.also, ", ")) or ""))
    end
    check(e.chain, e.leaf, i == 1 and "" or ("certificate for " .. e.where .. ": "))
  end
  return entries
end

-- The scenario table for an audit check: run(t, f) gets the findings of
-- s.rule; with leaf = true, run(t, f, c, leaf) also gets a connection and
-- the gateway's leaf certificate (INCONCLUSIVE when the handshake that
-- should carry it did not complete, ERROR when it could not be tried).
function M.scenario(s)
  return {
    id = "audit/" .. s.name,
    title = s.title,
    description = s.description,
    severity = s.severity or "medium",
    tags = { "audit" },
    run = function(t)
      local f = M.findings(t, s.rule)
      if not s.leaf then return s.run(t, f) end
      local c, leaf = M.leaf(t)
      if leaf then return s.run(t, f, c, leaf) end
    end,
  }
end

-- The suites of wolfSSL's that the gateway accepts in version v, each
-- offered alone: { { name, iana }, ... }. wolfSSL refuses to offer a suite
-- the version cannot use (GCM in TLS 1.0): not a candidate for it.
function M.accepted_suites(t, v)
  local out = {}
  for _, s in ipairs(t:cipher_suites(v)) do
    local ok, c = pcall(M.connect, t, { tls = v, ciphers = s.name })
    if ok then
      if M.accepted(c) then out[#out + 1] = s end
      c:close()
    end
  end
  return out
end

-- Many servers refuse a ClientHello listing more suites than they parse
-- (wolfSSL reads at most 150, signalling values included): one offer
-- holds at most this many.
M.MAX_OFFER = 128

-- Suites of the catalogue (the IANA registry, src/tls/suites.c), by id, for
-- one hand-built ClientHello that any server should answer: the suites
-- wolfSSL itself offers first (those servers commonly take), then the rest
-- of the catalogue, at most M.MAX_OFFER.
function M.all_suites(t)
  local known, first, rest = {}, {}, {}
  for _, s in ipairs(t:cipher_suites("1.2")) do
    if s.iana then known[s.iana] = true end
  end
  for _, s in ipairs(t:hello_suites()) do
    if known[s.iana] then first[#first + 1] = s.id else rest[#rest + 1] = s.id end
  end
  for _, id in ipairs(rest) do
    if #first >= M.MAX_OFFER then break end
    first[#first + 1] = id
  end
  return first
end

-- A hand-built ClientHello (opts as t:hello) offering opts.suites, by
-- default the whole catalogue. Some servers refuse a list that long as malformed
-- (wolfSSL: decode_error past 150 suites); the catalogue is then offered
-- in slices of 100, most common suites first, and the first ServerHello
-- is the answer (else the first slice's).
function M.hello_all(t, opts)
  local all = opts.suites or M.all_suites(t)
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  o.suites = all
  local r = t:hello(o)
  if not (r.result == "alert" and r.alert and (r.alert.code == 50 or r.alert.code == 47)) then return r end
  local first
  for i = 1, #all, 100 do
    local slice = {}
    for j = i, math.min(i + 99, #all) do slice[#slice + 1] = all[j] end
    o.suites = slice
    local s = t:hello(o)
    if s.result == "server_hello" then return s end
    first = first or s
  end
  return first
end

-- The catalogue's suites a server accepts in version v ("ssl3", "1.0" ..
-- "1.2") by hand-built ClientHello: the whole catalogue is offered, then
-- again without each suite chosen, until the server refuses what is left;
-- one probe per accepted suite. A server that refuses the whole catalogue
-- at once is offered it in windows of M.MAX_OFFER. skip(s) leaves suites
-- out of the offer. Returns { { id, iana, name }, ... } in the order found.
function M.hello_accepted(t, v, skip)
  local all, out = {}, {}
  for _, s in ipairs(t:hello_suites()) do
    if not (skip and skip(s)) then all[#all + 1] = s end
  end
  -- Offers left until refused; true when the first offer was answered.
  local function drain(left)
    local first = true
    while #left > 0 do
      local ids = {}
      for _, s in ipairs(left) do ids[#ids + 1] = s.id end
      local r = t:hello { tls = v, suites = ids }
      if r.result ~= "server_hello" then return not first end
      first = false
      local rest, found = {}, false
      for _, s in ipairs(left) do
        if s.id == r.suite_id then found = true; out[#out + 1] = s else rest[#rest + 1] = s end
      end
      if not found then break end -- a suite we did not offer: stop, do not loop
      left = rest
    end
    return true
  end
  if not drain(all) and #all > M.MAX_OFFER then
    for i = 1, #all, M.MAX_OFFER do
      local window = {}
      for k = i, math.min(i + M.MAX_OFFER - 1, #all) do window[#window + 1] = all[k] end
      drain(window)
    end
  end
  return out
end

-- What the server picks from list (suites, in this order) by ClientHello.
function M.hello_pick(t, v, list)
  local ids = {}
  for _, s in ipairs(list) do ids[#ids + 1] = s.id end
  local r = t:hello { tls = v, suites = ids }
  return r.result == "server_hello" and r.suite_id or nil
end

return M
