-- Helpers for the bypass suite (scenarios/bypass/): connections to the
-- gateway's mTLS and public host names, HTTP outcomes, and the echo
-- upstream's JSON reports. `require "bypass"` works in your scenarios too.
local M = {}

-- The mTLS host and the public host, or nil and why the scenario must skip.
function M.hosts(t, need_public)
  if not t.mtls_host then
    return nil, nil, "needs --mtls-host (the host name that requires client certificates)"
  end
  if need_public and not t.public_host then
    return nil, nil, "needs --public-host (a host name on the same gateway served without client certificates)"
  end
  return t.mtls_host, t.public_host
end

-- t:connect without verifying the gateway's certificate: these checks are
-- about what the gateway lets through, not about its own certificate.
function M.connect(t, opts)
  opts.verify = false
  return t:connect(opts)
end

-- What a request on c came to: "served" (2xx), "refused" (any other
-- status, or the connection refused in the handshake or closed), or
-- "error" (no answer); then a description and the response.
function M.attempt(c, req)
  if not c.connected then return "error", "not connected: " .. tostring(c.error) end
  if not c.handshake_ok then return "refused", "handshake refused: " .. tostring(c.error) end
  if c.scheme ~= "https" then -- the target's own protocol: its answer serves or refuses
    local a, aerr = c:exchange()
    if not a then
      if c.result == "timeout" then return "error", "no answer: " .. tostring(aerr) end
      return "refused", "no answer: " .. tostring(aerr)
    end
    return a.served and "served" or "refused", a.text
  end
  local r, err = c:request(req or {})
  if not r then
    if c.result == "timeout" then return "error", "no answer: " .. tostring(err) end
    return "refused", "no response: " .. tostring(err)
  end
  if r.status >= 200 and r.status < 300 then return "served", "HTTP " .. r.status, r end
  return "refused", "HTTP " .. r.status, r
end

-- Whether the server refused the TLS version itself: a protocol_version
-- alert it sent (one our side sent says the peer's bytes were not TLS).
function M.version_refused(c)
  return not c.handshake_ok and c.alert ~= nil and c.alert.name == "protocol_version"
         and c.alert.direction == "received"
end

-- The echo upstream's report in a response body, or nil and why.
function M.echo(t, r)
  if not r then return nil, "no response" end
  local e, err = t:json_decode(r.body or "")
  if type(e) ~= "table" or not e.upstream then
    return nil, "the response is not an mtlsprobe echo report (" .. (err or "no 'upstream' field")
               .. "); is --echo routed to mtlsprobe serve --upstream?"
  end
  return e
end

-- Why a control on the mTLS host may not be served: the likely causes.
M.MTLS_HINT = "does the gateway trust the fixtures' CA (trust-bundle.pem) for --mtls-host, "
              .. "and does it serve the target path?"

-- The positive control of a check: the same request made the way the
-- gateway must serve it (usually the mTLS host, its own SNI and Host, with
-- client/valid). Returns { kind, how, what, c, r }: kind as M.attempt.
function M.control(t, what, opts, req)
  local c = M.connect(t, opts)
  local kind, how, r = M.attempt(c, req)
  return { kind = kind, how = how, what = what, c = c, r = r, served = kind == "served" }
end

-- Records the verdict of a check whose control was not served: INCONCLUSIVE
-- naming the control's answer and the likely cause, or ERROR when the
-- control's attempt itself failed (timeout, unreachable).
function M.control_failed(t, ctl, hint)
  local text = "the control (" .. ctl.what .. ") was not served: " .. ctl.how
  if ctl.kind == "error" then return t:error(text, ctl.c) end
  return t:inconclusive("not judged: " .. text .. (hint and ("; " .. hint) or ""), ctl.c)
end

-- Records one verdict from a list of findings, each { text, bad, unjudged }:
-- FAIL listing the bad ones; else INCONCLUSIVE when some could not be
-- judged (their control was not served); else PASS listing them all. With
-- ctl (from M.control), its answer goes into the details, and when it was
-- not served no finding passes: the verdict is FAIL or INCONCLUSIVE.
function M.finish(t, findings, expected, ctl, hint)
  local bad, all, open = {}, {}, {}
  if ctl then t:detail("control " .. ctl.what .. ": " .. ctl.how) end
  for _, f in ipairs(findings) do
    local unjudged = not f.bad and (f.unjudged or (ctl and not ctl.served))
    all[#all + 1] = f.text
    t:detail((f.bad and "FAIL " or unjudged and "not judged " or "ok ") .. f.text)
    if f.bad then bad[#bad + 1] = f.text elseif unjudged then open[#open + 1] = f.text end
  end
  if #bad > 0 then
    t:fail(table.concat(bad, "; "), expected)
  elseif ctl and not ctl.served then
    M.control_failed(t, ctl, hint)
  elseif #open > 0 then
    t:inconclusive("not judged: " .. table.concat(open, "; "))
  elseif expected:find("^recorded") then
    t:info(table.concat(all, "; "), expected) -- an observation: INFO, never a PASS
  else
    t:pass(table.concat(all, "; "), expected)
  end
end

return M
