-- Session resumption, by session ticket and by session ID (TLS 1.2), and by
-- ticket in TLS 1.3. Each is reported; a profile may require or forbid it.
-- Control: both handshakes completed (and, for tickets sent after the
-- handshake, the request was answered). "Does not resume" from a handshake
-- that failed says nothing, so that mechanism is not judged (INCONCLUSIVE).
local audit = require "audit"

-- ok (resumed), how, got_ticket, unjudged (why, when the control failed)
local function resumes(t, v, ticket)
  local c = audit.connect(t, { tls = v, ticket = ticket })
  if not c.handshake_ok then
    return false, "not judged", nil, "the first TLSv" .. v .. " handshake did not complete: " .. tostring(c.error)
  end
  local resp, err = c:exchange()  -- the target's own protocol: tickets come after the handshake
  local s = c:session()
  local got_ticket = c.ticket
  c:close()
  if not s then
    if not resp then
      return false, "not judged", got_ticket, "no session, and the request that would read a ticket got no answer: "
                                               .. tostring(err)
    end
    return false, "no session to resume", got_ticket
  end
  local r = audit.connect(t, { tls = v, ticket = ticket, session = s })
  local ok = r.resumed
  r:close()
  if not r.handshake_ok and not ok then
    return false, "not judged", got_ticket, "the resuming TLSv" .. v .. " handshake did not complete: " .. tostring(r.error)
  end
  return ok, ok and "resumed" or "full handshake", got_ticket
end

return audit.scenario {
  name = "resumption",
  title = "Session resumption by ticket and by session ID",
  severity = "info",
  rule = "resumption",
  run = function(t, f)
    local versions, ctl = audit.versions(t)
    if audit.no_tls(t, ctl) then return end
    local ticket, id = false, false
    local ticket_open, id_open = false, false
    local parts = {}
    if versions["1.2"] then
      local ok, how, got, open = resumes(t, "1.2", true)
      ticket = ok and got
      if open then f:open("TLSv1.2 ticket: " .. open) ticket_open = true end
      parts[#parts + 1] = "TLSv1.2 ticket: " .. ((got or open) and how or "no ticket issued")
      ok, how, _, open = resumes(t, "1.2", false)
      id = ok
      if open then f:open("TLSv1.2 session ID: " .. open) id_open = true end
      parts[#parts + 1] = "TLSv1.2 session ID: " .. how
    end
    if versions["1.3"] then
      local ok, how, _, open = resumes(t, "1.3", true)
      ticket = ticket or ok
      if open then f:open("TLSv1.3 ticket: " .. open) ticket_open = true end
      parts[#parts + 1] = "TLSv1.3 ticket: " .. how
    end
    if #parts == 0 then return t:skip("neither TLS 1.2 nor TLS 1.3 is accepted") end
    for _, p in ipairs(parts) do t:detail(p) end
    local want_t, want_i = f.rule.tickets or "any", f.rule.ids or "any"
    if want_t ~= "any" and not (ticket_open and not ticket) then
      f:check((want_t == "allowed") == ticket, "resumption by ticket " .. (ticket and "works" or "does not work"),
              "tickets " .. want_t)
    end
    if want_i ~= "any" and not id_open then
      f:check((want_i == "allowed") == id, "resumption by session ID " .. (id and "works" or "does not work"),
              "session IDs " .. want_i)
    end
    f:finish(table.concat(parts, "; "))
  end,
}
