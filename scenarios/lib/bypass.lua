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
  local r, err = c:request(req or {})
  if not r then
    if c.result == "timeout" then return "error", "no answer: " .. tostring(err) end
    return "refused", "no response: " .. tostring(err)
  end
  if r.status >= 200 and r.status < 300 then return "served", "HTTP " .. r.status, r end
  return "refused", "HTTP " .. r.status, r
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

-- Records one verdict from a list of findings: FAIL listing the bad ones,
-- else PASS listing them all.
function M.finish(t, findings, expected)
  local bad, all = {}, {}
  for _, f in ipairs(findings) do
    all[#all + 1] = f.text
    t:detail((f.bad and "FAIL " or "ok ") .. f.text)
    if f.bad then bad[#bad + 1] = f.text end
  end
  if #bad > 0 then
    t:fail(table.concat(bad, "; "), expected)
  else
    t:pass(table.concat(all, "; "), expected)
  end
end

return M
