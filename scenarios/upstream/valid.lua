-- The control case: server/valid is trusted and names the host, so the
-- gateway relays the echo upstream's answer.
local B = require "bypass"
local U = require "upstream"
return {
  id = "upstream/valid",
  title = "A valid upstream is served",
  severity = "high",
  tags = { "upstream" },
  run = function(t)
    if not t.upstream_prefix then
      return t:skip("needs --upstream-prefix (the gateway's route to mtlsprobe serve --upstream)")
    end
    local c, kind, how, r = U.request(t, "valid")
    local expected = "2xx relayed from the echo upstream valid"
    if kind == "error" then return t:error(how, c) end
    if kind ~= "served" then return t:fail(how, expected, c) end
    local e, err = B.echo(t, r)
    if not e then return t:fail(how .. ", " .. err, expected, c) end
    t:pass(how .. " from echo upstream " .. e.upstream .. " (" .. e.tls.version .. ")", expected, c)
  end,
}
