-- TLS 1.3 early data (0-RTT, replayable): when the server's session
-- tickets allow it (max_early_data_size above zero), a request is sent as
-- early data on a connection resuming that ticket, and the server's answer
-- decides: accepted (its EncryptedExtensions acknowledge early data, so it
-- hands the request to the application before the handshake ends) or
-- rejected (advertised but not read: no finding). Accepted early data is
-- then replayed (the same ticket, the same request) to see whether the
-- server takes it a second time. Control: the TLS 1.3
-- handshake completed and the request was answered (tickets come after the
-- handshake); the resuming handshake completed. "No ticket" on a
-- connection that failed says nothing (INCONCLUSIVE).
local audit = require "audit"
return audit.scenario {
  name = "early-data",
  title = "TLS 1.3 early data: refused, as the profile requires",
  severity = "low",
  rule = "early_data",
  run = function(t, f)
    local versions, ctl = audit.versions(t)
    if audit.no_tls(t, ctl) then return end
    if not versions["1.3"] then return t:skip("TLS 1.3 is not accepted") end
    if t.scheme ~= "https" then
      return t:skip("early data is tried with an HTTP request: needs an https:// target, not " .. t.scheme .. "://")
    end
    local c = audit.connect(t, { tls = "1.3" })
    if not c.handshake_ok then return audit.not_established(t, c, "the TLS 1.3 handshake") end
    local r, err = c:request()  -- TLS 1.3 tickets arrive after the handshake
    if not c.ticket and not r then
      f:open("no session ticket seen, and the request that would have read one got no answer: " .. tostring(err))
      return f:finish("", c)
    end
    if not c.ticket then
      f:check(nil, "no session ticket issued, so no early data is possible", "")
      return f:finish("no session ticket", c)
    end
    local max = c.max_early_data
    if max == 0 then
      if (f.rule.expect or "any") == "refused" then f:check(true, "", "no early data") end
      return f:finish("early data refused (max_early_data 0)", c)
    end
    local session = c:session()
    c:close()
    if not session then
      f:open("the ticket allows " .. max .. " bytes of early data, but no session could be kept to resume")
      return f:finish("", c)
    end
    local req = "GET " .. (t.target.path or "/") .. " HTTP/1.1\r\nHost: " .. tostring(t.target.authority)
                .. "\r\nConnection: close\r\n\r\n"
    local x = audit.connect(t, { tls = "1.3", session = session, early_data = req })
    local ed = x.early_data
    t:detail(string.format("tickets allow %d bytes of early data; sent %d bytes of 0-RTT data: %s%s", max, ed.sent,
                           ed.status, x.resumed and " (resumed)" or " (not resumed)"))
    if not x.handshake_ok then
      f:open("the resuming handshake with early data did not complete (" .. tostring(x.error) .. ")")
      return f:finish("", x)
    end
    if ed.sent == 0 then
      f:open("the ticket allows early data, but none could be sent on the resumed connection")
      return f:finish("", x)
    end
    local accepted = ed.status == "accepted"
    local replayed = false
    if accepted then
      local r = x:request()
      t:detail("answer on the 0-RTT connection: " .. (r and ("HTTP " .. r.status) or "none"))
      x:close()
      -- Replay: the same ticket and the same 0-RTT request (a GET of the
      -- audited path, which the server has just served) once more, as an
      -- attacker who recorded the first flight would send it. A server
      -- with anti-replay protection (single-use tickets, RFC 8446, 8)
      -- rejects the early data this time or refuses the ticket.
      local y = audit.connect(t, { tls = "1.3", session = session, early_data = req })
      local yd = y.early_data
      replayed = y.handshake_ok and yd.sent > 0 and yd.status == "accepted"
      t:detail(string.format("replay of the same %d-byte 0-RTT request on the same ticket: %s", ed.sent,
               not y.handshake_ok and ("the handshake did not complete (" .. tostring(y.error) .. ")")
               or (yd.status .. (y.resumed and " (resumed)" or " (not resumed)"))))
      y:close()
    end
    if (f.rule.replay or "any") == "refused" and accepted then
      f:check(not replayed, "early data replayed: the same 0-RTT request on the same ticket was accepted twice",
              "replayed early data rejected", { id = "early_data/replay", severity = "medium", cwe = { "CWE-294" } })
    end
    if (f.rule.expect or "any") == "refused" then
      f:check(not accepted, string.format("early data accepted: a %d-byte request sent as 0-RTT data was accepted "
              .. "(tickets allow %d bytes)", ed.sent, max), "no early data", { id = "early_data/accepted" })
    end
    f:finish(accepted and ("early data accepted: the 0-RTT request was taken (tickets allow " .. max .. " bytes); "
                           .. (replayed and "its replay was taken too" or "its replay was not"))
             or ("early data advertised (tickets allow " .. max .. " bytes) but rejected when sent"), x)
  end,
}
