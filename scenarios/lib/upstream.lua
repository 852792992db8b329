-- Helpers for the upstream suite (scenarios/upstream/): the gateway routes
-- --upstream-prefix + NAME (e.g. /upstream/expired) to an echo upstream of
-- `mtlsprobe serve --upstream ADDR=NAME` presenting server/NAME. A correct
-- gateway answers 502 or 503 for an upstream it must not trust, and relays
-- the echo report for one it may. `require "upstream"` in your scenarios.
--
-- The control of every refusal is the valid upstream through the same
-- route (PREFIX + "valid", the same SNI, Host and client certificate): a
-- gateway error for a bad upstream counts only when that one is served
-- with an echo report from the upstream `valid`; otherwise INCONCLUSIVE.
-- A 2xx counts against the gateway only when the echo report names the
-- upstream that was asked for: a report from another upstream means the
-- route does not lead where the scenario needs (INCONCLUSIVE).
local B = require "bypass"
local M = {}

M.SKIP = "needs --upstream-prefix (the gateway's route to mtlsprobe serve --upstream)"

-- One request through the gateway to the upstream NAME, with the client
-- certificate the gateway requires of us.
function M.request(t, name)
  local c = B.connect(t, { sni = t.mtls_host, cert = "client/valid" })
  local kind, how, r = B.attempt(c, { path = t.upstream_prefix .. name, host = t.mtls_host })
  return c, kind, how, r
end

-- Whether the response is an answer from a gateway that could not use its
-- upstream: 502, 503 or 504.
local function gateway_error(r)
  return r ~= nil and (r.status == 502 or r.status == 503 or r.status == 504)
end
M.gateway_error = gateway_error

-- The control: the valid upstream through the same route. Returns
-- { served, kind, how, what, c }; served means a 2xx carrying an echo
-- report from the upstream `valid`.
function M.control(t)
  local path = t.upstream_prefix .. "valid"
  local c, kind, how, r = M.request(t, "valid")
  c:close()
  local ctl = { what = "the valid upstream at " .. path .. " with client/valid", kind = kind, how = how, c = c }
  if kind == "served" then
    local e, err = B.echo(t, r)
    if not e then
      ctl.how = how .. ", " .. err
    elseif e.upstream ~= "valid" then
      ctl.how = how .. " from echo upstream " .. tostring(e.upstream) .. ", not valid"
    else
      ctl.served = true
    end
  end
  t:detail("control " .. ctl.what .. ": " .. ctl.how)
  return ctl
end

M.HINT = "does the gateway trust the fixtures' CA for its upstreams, route --upstream-prefix NAME to "
         .. "mtlsprobe serve --upstream ADDR=NAME, and accept client/valid?"

-- For an upstream the gateway must serve: the echo report, or nil once a
-- verdict (skip, error, fail, inconclusive) is recorded. A gateway error
-- (502, 503, 504) is a FAIL only when `control` (a function returning the
-- control, or nil for the valid upstream itself) was served; any other
-- refusal (404, a refused handshake...) says the route is not there.
function M.served(t, name, expected, control)
  if not t.upstream_prefix then return t:skip(M.SKIP) end
  local c, kind, how, r = M.request(t, name)
  local path = t.upstream_prefix .. name
  if kind == "error" then return t:error(how, c) end
  if kind ~= "served" then
    if gateway_error(r) then
      local ctl = control and control()
      if ctl and ctl.kind == "error" then return B.control_failed(t, ctl) end
      if not ctl or ctl.served then
        return t:fail(how .. ": the upstream was not reached", expected, c)
      end
      return B.control_failed(t, ctl, M.HINT)
    end
    return t:inconclusive("not judged: " .. path .. " answered " .. how .. ", not a gateway error; " .. M.HINT, c)
  end
  local e, err = B.echo(t, r)
  if not e then
    return t:inconclusive("not judged: " .. path .. " answered " .. how .. ", " .. err, c)
  end
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
      if t.scheme ~= "https" then
        return t:skip("upstreams are reached through HTTP routes: needs an https:// target, not " .. t.scheme .. "://")
      end
      if not t.upstream_prefix then return t:skip(M.SKIP) end
      local path = t.upstream_prefix .. spec.name
      local c, kind, how, r = M.request(t, spec.name)
      local expected = "502 or 503 (the gateway refuses server/" .. spec.name .. ")"
      if kind == "error" then return t:error(how, c) end
      if kind == "served" then
        local e, err = B.echo(t, r)
        if not e then
          return t:inconclusive("not judged: " .. path .. " answered " .. how .. ", " .. err, c)
        end
        if e.upstream ~= spec.name then
          return t:inconclusive("not judged: " .. path .. " was answered by echo upstream " .. tostring(e.upstream)
                                .. ", not " .. spec.name .. "; is " .. path .. " routed to mtlsprobe serve --upstream ADDR="
                                .. spec.name .. "?", c)
        end
        return t:fail(how .. " relayed from echo upstream " .. e.upstream, expected, c)
      end
      if not gateway_error(r) then
        return t:inconclusive("not judged: " .. path .. " answered " .. how .. ", not a gateway error; is "
                              .. path .. " routed?", c)
      end
      local ctl = M.control(t)
      if not ctl.served then return B.control_failed(t, ctl, M.HINT) end
      t:pass(r.status == 504 and (how .. " (gateway timeout)") or how, expected, c)
    end,
  }
end

return M
