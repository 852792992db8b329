-- The HTTP layer on the served path (the target's path, with the control
-- certificate): Strict-Transport-Security and its max-age, the usual
-- security headers, the Server banner (a version number in it), response
-- compression when the client offers gzip (BREACH, CVE-2013-3587: a
-- compressed response that reflects input and holds a secret leaks it;
-- reflection is tried with a marker in the query string), and the flags of
-- every cookie set. Control: the TLS handshake completed
-- and the request was answered; a gateway that answers an error status
-- still answers with its headers, which are judged as served.
local audit = require "audit"

local SECURITY_HEADERS = { "x-content-type-options", "x-frame-options", "content-security-policy",
                           "referrer-policy" }

return audit.scenario {
  name = "http",
  title = "HTTP layer: HSTS, security headers, banner, compression (BREACH) and cookie flags",
  severity = "medium",
  rule = "http",
  run = function(t, f)
    if t.scheme ~= "https" then
      return t:skip("the HTTP layer is audited on https:// targets, not " .. t.scheme .. "://")
    end
    local c = audit.connect(t)
    if not c.handshake_ok then return audit.not_established(t, c, "the handshake") end
    local r, err = c:request { headers = { ["Accept-Encoding"] = "gzip, deflate" } }
    if not r then
      f:open("the request got no answer: " .. tostring(err))
      return f:finish("", c)
    end
    local h = r.headers
    t:detail("status " .. tostring(r.status))
    local rule = f.rule
    -- HSTS.
    local hsts = h["strict-transport-security"]
    local age = hsts and tonumber(hsts:lower():match("max%-age%s*=%s*\"?(%d+)"))
    t:detail("Strict-Transport-Security: " .. (hsts or "absent"))
    if rule.hsts_min_age then
      f:check(age ~= nil and age >= rule.hsts_min_age,
              hsts and ("HSTS max-age " .. tostring(age)) or "no Strict-Transport-Security header",
              "HSTS with max-age of at least " .. rule.hsts_min_age,
              { id = "http/hsts", severity = hsts == nil and "low" or "medium", cwe = { "CWE-319" } })
    end
    -- Security headers.
    local missing = {}
    for _, name in ipairs(rule.headers or SECURITY_HEADERS) do
      t:detail(name .. ": " .. (h[name:lower()] or "absent"))
      if not h[name:lower()] then missing[#missing + 1] = name end
    end
    if rule.headers then
      f:check(#missing == 0, "missing " .. table.concat(missing, ", "), "headers " .. table.concat(rule.headers, ", "),
              { id = "http/headers", severity = "low", items = missing })
    end
    -- The banner: a version number tells an attacker which bugs to try.
    local server = h["server"]
    local versioned = server and server:find("%d+%.%d+") ~= nil
    t:detail("Server: " .. (server or "absent") .. (versioned and " (names a version)" or ""))
    if h["x-powered-by"] then t:detail("X-Powered-By: " .. h["x-powered-by"]) end
    if rule.banner == "hidden" then
      f:check(not versioned, "Server banner names a version (" .. tostring(server) .. ")",
              "no version in the Server header", { id = "http/banner", severity = "low", cwe = { "CWE-200" } })
    end
    -- BREACH: the response compressed although it is served over TLS; it
    -- is exploitable where the compressed body reflects input next to a
    -- secret, so a compressed answer is asked again (uncompressed, on a new
    -- connection) with a marker in the query string, and the marker looked
    -- for in the body. Whether the body holds a secret cannot be seen.
    local enc = h["content-encoding"]
    local compressed = enc ~= nil and (enc:find("gzip") or enc:find("deflate") or enc:find("br")) ~= nil
    local reflects, how = false, nil
    if compressed then
      local marker = string.format("mtlsprobe%08x", math.random(0, 0x7fffffff))
      local path = t.target.path or "/"
      path = path .. (path:find("?", 1, true) and "&" or "?") .. "q=" .. marker
      local c2 = audit.connect(t)
      local r2 = c2.handshake_ok and c2:request { path = path, headers = { ["Accept-Encoding"] = "identity" } } or nil
      c2:close()
      if r2 then
        reflects = (r2.body or ""):find(marker, 1, true) ~= nil
        how = reflects and "it reflects the query string (a marker sent in ?q= came back in the body)"
              or "the query string is not reflected (a marker sent in ?q= did not come back)"
      else
        how = "whether it reflects input could not be asked (the second request got no answer)"
      end
    end
    t:detail("BREACH (CVE-2013-3587): " .. (compressed and ("response compressed (Content-Encoding: " .. enc
             .. "); " .. how) or "response not compressed"))
    if rule.compression == "off" then
      f:check(not compressed, "response compressed (" .. tostring(enc) .. ")", "no HTTP compression",
              { id = "http/breach", severity = "low", cve = { "CVE-2013-3587" }, cwe = { "CWE-200" } })
    end
    if rule.breach == "refused" then
      f:check(not reflects, "BREACH: a compressed response (" .. tostring(enc) .. ") reflects input",
              "no compressed response reflecting input",
              { id = "http/breach-reflected", severity = "low", cve = { "CVE-2013-3587" }, cwe = { "CWE-200" } })
    end
    -- Cookies: Secure, HttpOnly, SameSite on each; the rule names the
    -- flags it requires ("secure" for Secure alone).
    local lacking, n = { Secure = {}, HttpOnly = {}, SameSite = {} }, 0
    for _, kv in ipairs(r.header_list or {}) do
      if kv[1]:lower() == "set-cookie" then
        n = n + 1
        local v = kv[2]
        local name = v:match("^%s*([^=;]+)") or "?"
        local lv = v:lower()
        local lacks = {}
        if not lv:find(";%s*secure%f[%A]") then lacks[#lacks + 1] = "Secure" end
        if not lv:find(";%s*httponly%f[%A]") then lacks[#lacks + 1] = "HttpOnly" end
        if not lv:find(";%s*samesite%s*=") then lacks[#lacks + 1] = "SameSite" end
        t:detail("cookie " .. name .. (#lacks > 0 and (" lacks " .. table.concat(lacks, ", ")) or ": Secure, HttpOnly, SameSite"))
        for _, flag in ipairs(lacks) do table.insert(lacking[flag], name) end
      end
    end
    local want = rule.cookies == "secure" and { "Secure" } or type(rule.cookies) == "table" and rule.cookies or {}
    local CWE = { Secure = "CWE-614", HttpOnly = "CWE-1004", SameSite = "CWE-1275" }
    if n > 0 then
      for _, flag in ipairs(want) do
        local names = lacking[flag] or {}
        f:check(#names == 0, "cookie(s) without " .. flag .. ": " .. table.concat(names, ", "), "every cookie " .. flag,
                { id = "http/cookie-" .. flag:lower(), severity = flag == "Secure" and "medium" or "low",
                  cwe = { CWE[flag] }, items = names })
      end
    end
    f:finish(string.format("HSTS %s; %d of %d security headers; %s; %d cookie(s)",
                           age and ("max-age " .. age) or "absent", #(rule.headers or SECURITY_HEADERS) - #missing,
                           #(rule.headers or SECURITY_HEADERS), compressed and "compressed" or "not compressed", n), c)
  end,
}
