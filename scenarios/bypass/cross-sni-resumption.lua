-- A session made on the public host, resumed on the mTLS host: resumption
-- skips the certificate exchange, so a gateway that lets a session cross
-- server names without checking what it authenticated serves the mTLS host
-- to a client that never showed a certificate (nginx CVE-2025-23419, Apache
-- httpd CVE-2025-23048, Envoy CVE-2022-21654). Tried with TLS 1.2 session
-- IDs, TLS 1.2 tickets and TLS 1.3 PSK; a 2xx on the mTLS host is a bypass,
-- a refused resumption or a refused request is correct.
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
    local mtls, public, why = B.hosts(t, true)
    if not mtls then return t:skip(why) end
    local findings = {}
    for _, m in ipairs(MECHANISMS) do
      local c1 = B.connect(t, { sni = public, tls = m.tls, ticket = m.ticket })
      if not c1.handshake_ok then
        t:detail(m.name .. ": not tried, " .. public .. " refused TLS " .. m.tls .. ": " .. tostring(c1.error))
      else
        -- TLS 1.3 tickets arrive after the handshake: ask for something first.
        c1:request { host = public }
        local s = c1:session()
        c1:close()
        if not s then
          findings[#findings + 1] = { text = m.name .. ": " .. public .. " issued no session to resume" }
        else
          local c2 = B.connect(t, { sni = mtls, tls = m.tls, ticket = m.ticket, session = s })
          local kind, how = B.attempt(c2, { host = mtls })
          local resumed = c2.handshake_ok and c2.resumed
          if kind == "error" then return t:error(m.name .. ": " .. how, c2) end
          findings[#findings + 1] = {
            bad = resumed and kind == "served",
            text = m.name .. ": " .. (resumed and "resumed on " or "not resumed on ") .. mtls .. ", " .. how,
          }
          c2:close()
        end
      end
    end
    if #findings == 0 then return t:skip("no TLS version the public host accepts issued a session") end
    B.finish(t, findings, "no session from " .. public .. " serves " .. mtls .. " without a certificate")
  end,
}
