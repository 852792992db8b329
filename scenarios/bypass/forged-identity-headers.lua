-- Identity headers a client sends itself must never reach the upstream: a
-- gateway that passes X-Forwarded-Client-Cert, X-SSL-Client-* and the like
-- through lets anyone claim any certificate to an upstream that trusts
-- them (Envoy's forward modes, Traefik #5061, the OpenShift router). The
-- request goes to --echo, a path the gateway proxies to `mtlsprobe serve
-- --upstream`, whose report shows every header that arrived; each forged
-- value carries a marker, so headers the gateway sets itself are not
-- mistaken for forged ones. Sent with a client certificate (on the mTLS
-- host) and without one (on the public host), with letter-case, underscore
-- and duplicate variants. The control is the request with client/valid on
-- the mTLS host itself: it must reach the echo upstream (an echo report in
-- a 2xx), or nothing can be said about what the gateway forwards
-- (INCONCLUSIVE). Without a certificate, a refused request forwards nothing.
local B = require "bypass"

local NAMES = {
  "X-Forwarded-Client-Cert", "X-SSL-Client-Cert", "X-SSL-Client-S-DN", "X-SSL-Client-I-DN",
  "X-SSL-Client-DN", "X-Client-Cert", "X-Client-Verify", "X-Client-DN",
  "X-Forwarded-Tls-Client-Cert", "X-Forwarded-Tls-Client-Cert-Info", "Ssl-Client-Subject-Dn",
  "Ssl-Client-Cert", "X-ARR-ClientCert",
}

local function forged_headers(marker)
  local hs = {}
  for i, name in ipairs(NAMES) do hs[#hs + 1] = name .. ": " .. marker .. "-" .. i end
  -- variants a gateway may match differently from the canonical name
  hs[#hs + 1] = "x-forwarded-client-cert: " .. marker .. "-lower"
  hs[#hs + 1] = "X-SSL-CLIENT-S-DN: " .. marker .. "-upper"
  hs[#hs + 1] = "X_SSL_Client_S_DN: " .. marker .. "-underscore"
  hs[#hs + 1] = "X_Forwarded_Client_Cert: " .. marker .. "-underscore2"
  hs[#hs + 1] = "X-Forwarded-Client-Cert: " .. marker .. "-duplicate"
  -- the verdict header itself: its value cannot carry a marker
  hs[#hs + 1] = "X-SSL-Client-Verify: SUCCESS"
  return hs
end

local function normal(name) return (name:lower():gsub("_", "-")) end

local function is_verify(name)
  local n = normal(name)
  return n == "x-ssl-client-verify" or n == "x-client-verify"
end

-- One attempt: which forged values reached the upstream.
local function check(t, label, opts, host, with_cert)
  local marker = "mtlsprobe-forged-" .. math.random(100000, 999999)
  local c = B.connect(t, opts)
  local kind, how, r = B.attempt(c, { path = t.echo_path, host = host, headers = forged_headers(marker) })
  if kind == "error" then return nil, label .. ": " .. how, c, "error" end
  if kind ~= "served" then
    if with_cert then
      return nil, label .. ": the echo path " .. t.echo_path .. " was not served (" .. how .. ")", c, "control"
    end
    return { text = label .. ": not forwarded (" .. how .. ")" }
  end
  local e, err = B.echo(t, r)
  if not e then return nil, label .. ": " .. how .. ", " .. err, c, "control" end
  local arrived = {}
  for _, h in ipairs(e.headers or {}) do
    local name, value = h[1], h[2]
    if value:find(marker, 1, true) or (not with_cert and is_verify(name) and value == "SUCCESS") then
      -- the name as it arrived and which variant it was ("-3", "-lower", ...)
      arrived[#arrived + 1] = name .. (value:match("%-(%a+%d?)$") and (" (" .. value:match("%-(%a+%d?)$") .. ")") or "")
      t:detail(label .. ": arrived " .. name .. ": " .. value)
    end
  end
  if #arrived > 0 then
    return { bad = true, text = label .. ": " .. #arrived .. " forged headers reached the upstream: "
                                .. table.concat(arrived, ", ") }
  end
  return { text = label .. ": no forged header reached the upstream (" .. #(e.headers or {}) .. " headers arrived)" }
end

return {
  id = "bypass/forged-identity-headers",
  title = "Client-supplied identity headers never reach the upstream",
  severity = "critical",
  tags = { "bypass" },
  run = function(t)
    if t.scheme ~= "https" then
      return t:skip("forges HTTP headers: needs an https:// target, not " .. t.scheme .. "://")
    end
    if not t.echo_path then
      return t:skip("needs --echo PATH (a path the gateway proxies to mtlsprobe serve --upstream)")
    end
    local mtls, public = t.mtls_host, t.public_host
    local findings = {}
    local label = "with client/valid" .. (mtls and (" on " .. mtls) or "")
    local f, err, c, why = check(t, label, { cert = "client/valid", sni = mtls }, mtls, true)
    if not f and why ~= "control" then return t:error(err, c) end
    -- The request with client/valid is also the control: when it does not
    -- reach the echo upstream, only a forged header seen without a
    -- certificate can still decide (FAIL); nothing passes.
    local ctl = { what = label .. " to " .. t.echo_path, served = f ~= nil, c = c,
                  how = f and "reached the echo upstream" or err }
    findings[#findings + 1] = f
    local host = public or mtls
    f, err, c, why = check(t, "without a certificate" .. (host and (" on " .. host) or ""),
                           { sni = host }, host, false)
    if not f and why ~= "control" then return t:error(err, c) end
    findings[#findings + 1] = f or { unjudged = true, text = err }
    B.finish(t, findings, "no client-supplied identity header forwarded", ctl,
             "is --echo routed to mtlsprobe serve --upstream, and does the gateway trust client/valid?")
  end,
}
