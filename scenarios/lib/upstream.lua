-- Helpers for the upstream suite (scenarios/upstream/): the gateway routes
-- --upstream-prefix + NAME (e.g. /upstream/expired) to an echo upstream of
-- `mtlsprobe serve --upstream ADDR=NAME` presenting server/NAME. A correct
-- gateway answers 502 or 503 for an upstream it must not trust, and relays
-- the echo report for one it may. `require "upstream"` in your scenarios.
local B = require "bypass"
local M = {}

-- One request through the gateway to the upstream NAME, with the client
-- certificate the gateway requires of us.
function M.request(t, name)
  local c = B.connect(t, { sni = t.mtls_host, cert = "client/valid" })
  local kind, how, r = B.attempt(c, { path = t.upstream_prefix .. name, host = t.mtls_host })
  return c, kind, how, r
end

-- For an upstream the gateway must serve: the echo report, or nil once a
-- verdict (skip, error, fail) is recorded.
function M.served(t, name, expected)
  if not t.upstream_prefix then
    return t:skip("needs --upstream-prefix (the gateway's route to mtlsprobe serve --upstream)")
  end
  local c, kind, how, r = M.request(t, name)
  if kind == "error" then return t:error(how, c) end
  if kind ~= "served" then return t:fail(how .. ": the upstream was not reached", expected, c) end
  local e, err = B.echo(t, r)
  if not e then return t:fail(how .. ", " .. err, expected, c) end
  return e, c, how
end

-- upstream/<name> for an upstream the gateway must refuse.
function M.refused(spec)
  return {
    id = "upstream/" .. spec.name,
    title = spec.title,
    description = spec.description,
    severity = spec.severity,
    tags = { "upstream" },
    run = function(t)
      if not t.upstream_prefix then
        return t:skip("needs --upstream-prefix (the gateway's route to mtlsprobe serve --upstream)")
      end
      local c, kind, how, r = M.request(t, spec.name)
      local expected = "502 or 503 (the gateway refuses server/" .. spec.name .. ")"
      if kind == "error" then return t:error(how, c) end
      if kind == "served" then
        local e = B.echo(t, r)
        return t:fail(how .. (e and (" relayed from echo upstream " .. e.upstream) or ""), expected, c)
      end
      if r and (r.status == 502 or r.status == 503) then return t:pass(how, expected, c) end
      if r and r.status == 504 then return t:pass(how .. " (gateway timeout)", expected, c) end
      return t:error(how .. ": not a gateway error; is " .. t.upstream_prefix .. spec.name .. " routed?", c)
    end,
  }
end

return M
