-- HTTP/2 by ALPN: offered "h2,http/1.1", the server selects h2. Control:
-- that handshake completed.
local audit = require "audit"
return audit.scenario {
  name = "alpn-h2",
  title = "HTTP/2 is offered by ALPN",
  severity = "info",
  rule = "alpn_h2",
  run = function(t, f)
    local c = audit.connect(t, { alpn = "h2,http/1.1" })
    if not c.handshake_ok then return audit.not_established(t, c, "the handshake offering h2,http/1.1") end
    local alpn = c.alpn ~= "" and c.alpn or "none"
    if (f.rule.expect or "any") == "offered" then
      f:check(alpn == "h2", "ALPN " .. alpn .. " selected", "h2 selected", { id = "alpn_h2/not-selected", items = { alpn } })
    end
    f:finish("ALPN " .. alpn .. " selected from h2,http/1.1", c)
  end,
}
