-- HTTP/2 by ALPN: offered "h2,http/1.1", the server selects h2.
local audit = require "audit"
return audit.scenario {
  name = "alpn-h2",
  title = "HTTP/2 is offered by ALPN",
  severity = "info",
  rule = "alpn_h2",
  run = function(t, f)
    local c = audit.connect(t, { alpn = "h2,http/1.1" })
    if not c.handshake_ok then return t:error("handshake failed: " .. tostring(c.error), c) end
    local alpn = c.alpn ~= "" and c.alpn or "none"
    if (f.rule.expect or "any") == "offered" then
      f:check(alpn == "h2", "ALPN " .. alpn .. " selected", "h2 selected")
    end
    f:finish("ALPN " .. alpn .. " selected from h2,http/1.1", c)
  end,
}
