-- Saves a session from one connection and resumes it on the next; records
-- whether the gateway resumed (informational).
return {
  id = "example/resumption",
  title = "Session resumption with a client certificate",
  severity = "info",
  tags = { "example" },
  per_tls_version = true,
  run = function(t)
    local first = t:connect { cert = "client/valid" }
    first:request {}             -- TLS 1.3 tickets arrive after the handshake
    local session = first:session()
    first:close()
    if not session then
      return t:skip("the gateway issued no session")
    end
    local second = t:connect { cert = "client/valid", session = session }
    t:observe(second, "resumption recorded")
    if second.resumed then
      t:info("resumed (" .. second.version .. ")", "resumption recorded", second)
    end
  end,
}
