-- TLS 1.3 early data (0-RTT, replayable): accepted when the server's
-- session tickets allow it (max_early_data_size above zero). Control: the
-- TLS 1.3 handshake completed and the request was answered (tickets come
-- after the handshake); "no ticket" on a connection that failed says
-- nothing (INCONCLUSIVE).
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
    if (f.rule.expect or "any") == "refused" then
      f:check(max == 0, "early data accepted (tickets allow " .. max .. " bytes)", "no early data", { id = "early_data/accepted" })
    end
    f:finish(max > 0 and ("early data accepted: up to " .. max .. " bytes") or "early data refused (max_early_data 0)", c)
  end,
}
