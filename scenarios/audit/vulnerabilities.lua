-- The TLS vulnerabilities auditors ask about by name, each with its CVE and
-- the evidence behind its verdict. Heartbleed and CCS injection are real
-- probes: a hand-built handshake sends, after the server's first flight, a
-- heartbeat_request claiming more payload than it carries, or a
-- ChangeCipherSpec before any key exchange, and reads the answer. The
-- others follow from what the server accepts, asked by hand-built
-- ClientHellos offering only the suites of one class per version (POODLE,
-- DROWN, SWEET32, FREAK, LOGJAM, BEAST, LUCKY13, RC4, CRIME). Ticketbleed
-- is probed by resuming a TLS 1.2 session ticket with a 1-byte session id
-- (the bug echoes 32 bytes); ROBOT by its first step only, five
-- ClientKeyExchange messages (well formed and malformed PKCS#1 v1.5)
-- compared by the server's answer, the details saying what was and was not
-- tried.
-- Control: some version was answered with a ServerHello.
local audit = require "audit"

local CVE = {
  heartbleed = "CVE-2014-0160", ccs_injection = "CVE-2014-0224", poodle = "CVE-2014-3566",
  drown = "CVE-2016-0800", sweet32 = "CVE-2016-2183", freak = "CVE-2015-0204", logjam = "CVE-2015-4000",
  beast = "CVE-2011-3389", lucky13 = "CVE-2013-0169", rc4 = "CVE-2013-2566", crime = "CVE-2012-4929",
  ticketbleed = "CVE-2016-9244", robot = "CVE-2017-13099",
}
-- Each finding's severity, as testssl.sh rates the same finding unless
-- docs/scenarios.md ("Severities") gives the reason it differs: ROBOT is
-- one round of five queries, not repeated against noise (high, not
-- critical); DROWN without ciphers listed, BEAST with a higher version,
-- LUCKY13 (potentially, from a CBC suite) as judge() is told.
local SEVERITY = {
  heartbleed = "critical", ccs_injection = "critical", poodle = "high", drown = "critical", sweet32 = "low",
  ticketbleed = "critical", robot = "high",
  freak = "critical", logjam = "high", beast = "medium", lucky13 = "low", rc4 = "high", crime = "high",
}

-- The catalogue's suites of one class, by IANA name.
local CLASS = {
  cbc = function(n) return n:find("_CBC_") ~= nil end,
  block64 = function(n) return n:find("3DES") or n:find("_IDEA_") or n:find("_DES_") or n:find("DES40")
                                or n:find("RC2") end,
  rc4 = function(n) return n:find("_RC4_") ~= nil end,
  rsa_export = function(n) return n:find("^TLS_RSA_EXPORT") ~= nil end,
  dh_export = function(n) return (n:find("^TLS_DHE_") or n:find("^TLS_DH_anon_")) and n:find("EXPORT") end,
  dhe = function(n) return n:find("^TLS_DHE_") or n:find("^TLS_DH_anon_") end,
  rsa_kx = function(n) return n:find("^TLS_RSA_WITH_") ~= nil end,
}

return audit.scenario {
  name = "vulnerabilities",
  title = "Known TLS vulnerabilities: none of the named ones applies",
  description = "Heartbleed, CCS injection, Ticketbleed and ROBOT (its first step) by probes; POODLE, DROWN, SWEET32, FREAK, LOGJAM, BEAST, "
                .. "LUCKY13, RC4 and CRIME from what the server accepts.",
  severity = "high",
  rule = "vulnerabilities",
  run = function(t, f)
    local all = t:hello_suites()
    local function ids(pred)
      local out = {}
      for _, s in ipairs(all) do if pred(s.iana) then out[#out + 1] = s.id end end
      return out
    end
    -- Which versions answer at all (the control), by the whole catalogue.
    local versions, any = {}, false
    for _, v in ipairs({ "ssl3", "1.0", "1.1", "1.2" }) do
      local r = audit.hello_all(t, { tls = v })
      local want = v == "ssl3" and "SSLv3" or ("TLSv" .. v)
      versions[v] = r.result == "server_hello" and r.version == want
      any = any or r.result == "server_hello"
    end
    local r13 = t:hello { tls = "1.3", groups = { "X25519", "P-256", "P-384" } }
    any = any or r13.result == "server_hello"
    if not any then
      return t:inconclusive("not judged: no hand-built ClientHello (SSL 3.0 to TLS 1.3) was answered with a "
                            .. "ServerHello; is the target a TLS server?")
    end
    local found, clear = {}, {}
    local function judge(name, vulnerable, evidence, items, severity)
      local label = name:upper():gsub("_", " ")
      if vulnerable then
        found[#found + 1] = label
        t:detail(label .. " (" .. CVE[name] .. "): vulnerable: " .. evidence)
        if f.has_rule then
          f:check(false, label .. " (" .. evidence .. ")", "none of the named vulnerabilities applies",
                  { id = "vulnerabilities/" .. name, severity = severity or SEVERITY[name], cve = { CVE[name] }, items = items })
        end
      else
        clear[#clear + 1] = label
        t:detail(label .. " (" .. CVE[name] .. "): not vulnerable: " .. evidence)
        if f.has_rule then f:check(true, label, "none of the named vulnerabilities applies") end
      end
    end
    -- The suites of a class accepted in a version: the one the server chose.
    local function accepts(v, class)
      if not versions[v] then return nil end
      local list = ids(CLASS[class])
      if #list == 0 then return nil end
      local r = audit.hello_all(t, { tls = v, suites = list })
      return r.result == "server_hello" and r.suite or nil
    end
    local function vname(v) return v == "ssl3" and "SSLv3" or ("TLSv" .. v) end
    local function over(class, vs)
      for _, v in ipairs(vs) do
        local s = accepts(v, class)
        if s then return v, s end
      end
    end
    local top = versions["1.2"] and "1.2" or versions["1.1"] and "1.1" or versions["1.0"] and "1.0"
                or versions.ssl3 and "ssl3" or nil

    -- Heartbleed: the extension echoed, and a heartbeat answered with more
    -- than was sent.
    if top then
      local r = audit.hello_all(t, { tls = top, flight = true, heartbeat = true, after = "heartbeat" })
      local ext = r.extensions and audit.contains(r.extensions, 15)
      if r.result ~= "server_hello" then
        f:open("Heartbleed: the probe's ClientHello got " .. tostring(r.result))
      elseif not r.after then
        f:open("Heartbleed: the server's first flight did not end (no ServerHelloDone), no heartbeat sent")
      elseif r.after.result == "answered" and r.after.length > 3 then
        judge("heartbleed", true, string.format("a heartbeat carrying 1 byte and claiming 16384 was answered "
              .. "with %d bytes", r.after.length))
      else
        judge("heartbleed", false, (ext and "heartbeat extension echoed" or "no heartbeat extension in the "
              .. "ServerHello") .. "; the over-long heartbeat got " .. (r.after.alert and ("alert " .. r.after.alert)
              or r.after.result))
      end
      -- CCS injection: a ChangeCipherSpec before the key exchange must be
      -- refused (unexpected_message) or end the connection.
      local c = audit.hello_all(t, { tls = top, flight = true, after = "ccs" })
      if c.result ~= "server_hello" or not c.after then
        f:open("CCS injection: the probe's handshake did not reach ServerHelloDone (" .. tostring(c.result) .. ")")
      elseif c.after.result == "alert" or c.after.result == "closed" then
        judge("ccs_injection", false, "an early ChangeCipherSpec was refused ("
              .. (c.after.alert and ("alert " .. c.after.alert) or "connection closed") .. ")")
      else
        judge("ccs_injection", true, "an early ChangeCipherSpec got no refusal (" .. c.after.result .. ")")
      end
    else
      t:detail("Heartbleed, CCS injection: not probed (TLS 1.3 only: neither applies)")
    end

    -- POODLE: SSL 3.0 with a CBC suite. DROWN: SSL 2.0 accepted.
    local pv, ps = over("cbc", { "ssl3" })
    judge("poodle", pv ~= nil, pv and ("SSLv3 accepts CBC suite " .. ps)
          or (versions.ssl3 and "SSLv3 accepts no CBC suite" or "SSLv3 refused"), pv and { ps } or nil)
    local s2 = t:sslv2()
    local s2_ciphers = tonumber(s2.ciphers) or 0
    judge("drown", s2.result == "server_hello", s2.result == "server_hello"
          and ("SSLv2 accepted (" .. s2_ciphers .. " cipher kinds listed)")
          or "SSLv2 refused on this port (a server sharing the RSA key elsewhere is not seen)", nil,
          s2_ciphers == 0 and "high" or nil)
    -- SWEET32: a 64-bit block cipher (3DES, IDEA, DES, RC2).
    local sv, ss = over("block64", { "1.2", "1.1", "1.0", "ssl3" })
    judge("sweet32", sv ~= nil, sv and (vname(sv) .. " accepts 64-bit block cipher " .. ss)
          or "no 64-bit block cipher accepted", sv and { ss } or nil)
    -- FREAK: RSA export suites.
    local fv, fs = over("rsa_export", { "1.2", "1.1", "1.0", "ssl3" })
    judge("freak", fv ~= nil, fv and (vname(fv) .. " accepts " .. fs) or "no RSA export suite accepted",
          fv and { fs } or nil)
    -- LOGJAM: DH export suites, or a DHE group of 1024 bits or less.
    local lv, ls = over("dh_export", { "1.2", "1.1", "1.0", "ssl3" })
    local dh_bits, dh_suite
    if top and not lv then
      local r = audit.hello_all(t, { tls = top, suites = ids(CLASS.dhe), flight = true })
      if r.result == "server_hello" then dh_bits, dh_suite = r.dh_bits, r.suite end
    end
    if lv then
      judge("logjam", true, vname(lv) .. " accepts DH export suite " .. ls, { ls })
    elseif dh_bits and dh_bits <= 1024 then
      judge("logjam", true, string.format("%s DHE with a %d-bit group (%s)", vname(top), dh_bits, dh_suite),
            { dh_suite })
    else
      judge("logjam", false, dh_bits and string.format("DHE group of %d bits, no DH export suite", dh_bits)
            or "no DHE or DH export suite accepted")
    end
    -- BEAST: a CBC suite in SSL 3.0 or TLS 1.0 (record splitting in clients
    -- is the usual defence; the server side is what is seen here).
    local bv, bs = over("cbc", { "1.0", "ssl3" })
    -- Likely mitigated (low) when a higher version is accepted too.
    local higher = versions["1.1"] or versions["1.2"] or r13.result == "server_hello"
    judge("beast", bv ~= nil, bv and (vname(bv) .. " accepts CBC suite " .. bs
          .. (higher and " (a higher version is accepted too: likely mitigated)" or ", and no higher version"))
          or "no CBC suite in SSLv3 or TLSv1.0", bv and { bs } or nil, higher and "low" or nil)
    -- LUCKY13: any CBC suite (a timing side channel the implementation may
    -- or may not close; the suite class is what can be seen).
    local cv, cs = over("cbc", { "1.2", "1.1", "1.0", "ssl3" })
    judge("lucky13", cv ~= nil, cv and ("potentially: " .. vname(cv) .. " accepts CBC suite " .. cs)
          or "no CBC suite accepted", cv and { cs } or nil)
    -- RC4.
    local rv, rs = over("rc4", { "1.2", "1.1", "1.0", "ssl3" })
    judge("rc4", rv ~= nil, rv and (vname(rv) .. " accepts " .. rs) or "no RC4 suite accepted",
          rv and { rs } or nil)
    -- CRIME: TLS compression (deflate) chosen.
    if top then
      local r = audit.hello_all(t, { tls = top, deflate = true })
      if r.result == "server_hello" then
        judge("crime", r.compression ~= 0, r.compression ~= 0 and "the server chose deflate compression"
              or "the server chose no compression when deflate was offered")
      else
        f:open("CRIME: the ClientHello offering deflate got " .. tostring(r.result))
      end
    else
      judge("crime", false, "TLS 1.3 only (no compression)")
    end
    -- Ticketbleed: a TLS 1.2 ticket offered back with a 1-byte session id;
    -- the bug echoes 32 bytes, the 31 after ours from the server's memory.
    if versions["1.2"] then
      local tb = t:ticketbleed()
      if tb.result == "no ticket" then
        t:detail("Ticketbleed (" .. CVE.ticketbleed .. "): not tested: no session ticket to offer (" .. tb.why .. ")")
      elseif tb.result ~= "probed" then
        t:detail("Ticketbleed (" .. CVE.ticketbleed .. "): not tested: " .. tostring(tb.why))
      elseif tb.hello ~= "server_hello" then
        t:detail("Ticketbleed (" .. CVE.ticketbleed .. "): not tested: the ClientHello offering the "
                 .. tb.ticket_length .. "-byte ticket got " .. tb.hello)
      elseif not tb.resumed then
        t:detail(string.format("Ticketbleed (%s): not tested: the %d-byte ticket did not resume the session "
                 .. "(a full handshake, session id of %d bytes)", CVE.ticketbleed, tb.ticket_length, tb.echoed_length))
      else
        local leaked = tb.echoed_length > 1 and tb.echoed:sub(1, 2) == tb.sent
        judge("ticketbleed", leaked, string.format("a %d-byte ticket resumed the session with the 1-byte session id "
              .. "%s, and the ServerHello echoed %d byte%s (%s)%s", tb.ticket_length, tb.sent, tb.echoed_length,
              tb.echoed_length == 1 and "" or "s", tb.echoed,
              leaked and ": the bytes after ours are the server's memory" or ""))
      end
    else
      t:detail("Ticketbleed (" .. CVE.ticketbleed .. "): not applicable (no TLS 1.2 session tickets)")
    end
    -- ROBOT: the first step of the paper's test, five ClientKeyExchange
    -- messages (correct and malformed PKCS#1 v1.5) compared by the answer.
    local robot_tried = "tried: the RSA key exchange suites offered alone, then 5 connections each sending a "
      .. "ClientKeyExchange (PKCS#1 v1.5: correct; first bytes 41 17; 00 separator misplaced; no 00 separator; "
      .. "premaster version 02 02), a ChangeCipherSpec and an unverifiable Finished, the first answer of each "
      .. "compared; not tried: the same without ChangeCipherSpec and Finished, repeated queries against noise, "
      .. "timing differences, and the thousands of adaptive queries that exploit an oracle"
    if top then
      local rb = t:robot { tls = top }
      if rb.result == "no rsa" then
        judge("robot", false, "RSA key exchange not possible: " .. rb.why)
      elseif rb.result ~= "probed" then
        f:open("ROBOT: the probe could not run: " .. tostring(rb.why))
      else
        local answers = {}
        for _, a in ipairs(rb.answers) do answers[#answers + 1] = a.variant .. ": " .. a.answer end
        local seen = string.format("%s with a %d-bit RSA key; %s", rb.suite, rb.bits, table.concat(answers, "; "))
        judge("robot", rb.distinct > 1, rb.distinct > 1
              and ("an oracle: the 5 ClientKeyExchange variants got " .. rb.distinct .. " different answers (" .. seen .. ")")
              or ("the 5 ClientKeyExchange variants got the same answer (" .. seen .. ")"), rb.distinct > 1
              and { rb.suite } or nil)
      end
      t:detail("ROBOT (" .. CVE.robot .. "): " .. robot_tried)
    else
      judge("robot", false, "TLS 1.3 only (no RSA key exchange)")
    end
    f:finish(#found > 0 and ("vulnerable: " .. table.concat(found, ", "))
             or ("none of " .. #clear .. " named vulnerabilities applies"))
  end,
}
