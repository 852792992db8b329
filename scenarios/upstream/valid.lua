-- The control case: server/valid is trusted and names the host, so the
-- gateway relays the echo upstream's answer.
local U = require "upstream"
return {
  id = "upstream/valid",
  title = "A valid upstream is served",
  severity = "high",
  tags = { "upstream" },
  run = function(t)
    local expected = "2xx relayed from the echo upstream valid"
    local e, c, how = U.served(t, "valid", expected)
    if not e then return end
    t:pass(how .. " from echo upstream " .. e.upstream .. " (" .. e.tls.version .. ")", expected, c)
  end,
}
