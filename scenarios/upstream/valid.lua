-- The control case: server/valid is trusted and names the host, so the
-- gateway relays the echo upstream's answer. A gateway error (502, 503,
-- 504) is a FAIL; any other refusal (404, 403, a refused handshake) means
-- the route or client/valid is not accepted at all: INCONCLUSIVE, and the
-- refusals of the other upstream scenarios are INCONCLUSIVE with it.
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
    if e.upstream ~= "valid" then
      return t:inconclusive("not judged: " .. t.upstream_prefix .. "valid was answered by echo upstream "
                            .. tostring(e.upstream) .. ", not valid", c)
    end
    t:pass(how .. " from echo upstream " .. e.upstream .. " (" .. e.tls.version .. ")", expected, c)
  end,
}
