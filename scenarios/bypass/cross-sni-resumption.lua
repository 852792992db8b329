-- A session made on the public host, resumed on the mTLS host: resumption
-- skips the certificate exchange, so a gateway that lets a session cross
-- server names without checking what it authenticated serves the mTLS host
-- to a client that never showed a certificate (nginx CVE-2025-23419, Apache
-- httpd CVE-2025-23048, Envoy CVE-2022-21654). With --other-mtls-host, also
-- a session made there with a certificate from the CA that host trusts
-- (--other-client-cert), which the mTLS host does not. Tried with TLS 1.2
-- session IDs, TLS 1.2 tickets and TLS 1.3 PSK; a 2xx on the mTLS host is a
-- bypass, a refused resumption or a refused request is correct, but only
-- when the control is served: a fresh full handshake on the mTLS host with
-- client/valid, in the same TLS version (made once per version, when a
-- refusal needs it). A source host that serves no session leaves its
-- mechanisms unjudged; only a version the source refuses outright
-- (protocol_version) is left out as not applicable.
local B = require "bypass"

local MECHANISMS = {
  { name = "TLS 1.2 session ID", tls = "1.2", ticket = false },
  { name = "TLS 1.2 ticket", tls = "1.2", ticket = true },
  { name = "TLS 1.3 PSK", tls = "1.3", ticket = true },
}

return {
  id = "bypass/cross-sni-resumption",
  title = "A session from the public host does not open the mTLS host",
  severity = "critical",
  tags = { "bypass" },
  run = function(t)
    local mtls, public = t.mtls_host, t.public_host
    if not mtls or not (public or t.other_mtls_host) then
      return t:skip("needs --mtls-host and --public-host (or --other-mtls-host)")
    end
    local sources = {}
    if public then sources[#sources + 1] = { host = public } end
    if t.other_mtls_host then
      sources[#sources + 1] = { host = t.other_mtls_host, cert = t.other_client_cert }
    end
    local findings = {}
    local controls = {}
    local function control(tls)
      if not controls[tls] then
        local ctl = B.control(t, "TLS " .. tls .. " full handshake on " .. mtls .. " with client/valid",
                              { sni = mtls, cert = "client/valid", tls = tls }, { host = mtls })
        ctl.c:close()
        t:detail("control " .. ctl.what .. ": " .. ctl.how)
        controls[tls] = ctl
      end
      return controls[tls]
    end
    for _, src in ipairs(sources) do
      local from = src.host .. (src.cert and (" with " .. src.cert) or "")
      for _, m in ipairs(MECHANISMS) do
        local c1 = B.connect(t, { sni = src.host, cert = src.cert, tls = m.tls, ticket = m.ticket })
        -- TLS 1.3 tickets arrive after the handshake: ask for something first.
        local kind1, how1 = B.attempt(c1, { host = src.host })
        if kind1 ~= "served" then
          if B.version_refused(c1) then
            t:detail(m.name .. " from " .. from .. ": not tried, " .. how1)
          else
            findings[#findings + 1] = { unjudged = true,
              text = m.name .. " from " .. from .. ": no session made, the source was not served (" .. how1 .. ")" }
          end
        else
          local s = c1:session()
          c1:close()
          if not s then
            findings[#findings + 1] = { text = m.name .. " from " .. from .. ": no session to resume" }
          else
            local c2 = B.connect(t, { sni = mtls, tls = m.tls, ticket = m.ticket, session = s })
            local kind, how = B.attempt(c2, { host = mtls })
            local resumed = c2.handshake_ok and c2.resumed
            if kind == "error" then return t:error(m.name .. " from " .. from .. ": " .. how, c2) end
            local bad = resumed and kind == "served"
            local unjudged = false
            if not bad and kind ~= "served" then
              local ctl = control(m.tls)
              if ctl.kind == "error" then return B.control_failed(t, ctl) end
              if not ctl.served then
                unjudged = true
                how = how .. ", control " .. ctl.how
              end
            end
            findings[#findings + 1] = {
              bad = bad, unjudged = unjudged,
              text = m.name .. " from " .. from .. ": " .. (resumed and "resumed on " or "not resumed on ")
                     .. mtls .. ", " .. how,
            }
            c2:close()
          end
        end
      end
    end
    if #findings == 0 then return t:skip("no source host accepted the TLS versions tried") end
    B.finish(t, findings, "no session from another host serves " .. mtls .. " without its own certificate check")
  end,
}
