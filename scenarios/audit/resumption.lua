-- Session resumption, by session ticket and by session ID (TLS 1.2), and by
-- ticket in TLS 1.3. Each is reported; a profile may require or forbid it.
local audit = require "audit"

local function resumes(t, v, ticket)
  local c = audit.connect(t, { tls = v, ticket = ticket })
  if not c.handshake_ok then return false, "handshake failed: " .. tostring(c.error) end
  c:request()
  local s = c:session()
  local got_ticket = c.ticket
  c:close()
  if not s then return false, "no session to resume" end
  local r = audit.connect(t, { tls = v, ticket = ticket, session = s })
  local ok = r.resumed
  r:close()
  return ok, ok and "resumed" or "full handshake", got_ticket
end

return audit.scenario {
  name = "resumption",
  title = "Session resumption by ticket and by session ID",
  severity = "info",
  rule = "resumption",
  run = function(t, f)
    local versions = audit.versions(t)
    local ticket, id = false, false
    local parts = {}
    if versions["1.2"] then
      local ok, how, got = resumes(t, "1.2", true)
      ticket = ok and got
      parts[#parts + 1] = "TLSv1.2 ticket: " .. (got and how or "no ticket issued")
      ok, how = resumes(t, "1.2", false)
      id = ok
      parts[#parts + 1] = "TLSv1.2 session ID: " .. how
    end
    if versions["1.3"] then
      local ok, how = resumes(t, "1.3", true)
      ticket = ticket or ok
      parts[#parts + 1] = "TLSv1.3 ticket: " .. how
    end
    if #parts == 0 then return t:skip("neither TLS 1.2 nor TLS 1.3 is accepted") end
    for _, p in ipairs(parts) do t:detail(p) end
    local want_t, want_i = f.rule.tickets or "any", f.rule.ids or "any"
    if want_t ~= "any" then
      f:check((want_t == "allowed") == ticket, "resumption by ticket " .. (ticket and "works" or "does not work"),
              "tickets " .. want_t)
    end
    if want_i ~= "any" then
      f:check((want_i == "allowed") == id, "resumption by session ID " .. (id and "works" or "does not work"),
              "session IDs " .. want_i)
    end
    f:finish(table.concat(parts, "; "))
  end,
}
