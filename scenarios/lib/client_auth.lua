-- Helpers for the client-auth suite: one scenario per client fixture, run
-- once per TLS version the gateway accepts (TLS 1.2 and 1.3 reject
-- differently: 1.3 servers refuse a certificate after the client's side of
-- the handshake is done).
local M = {}

-- Compliance references shared by every client-auth scenario.
M.PCI = "PCI-DSS-4.0:4.2.1"          -- certificates confirmed valid, not expired or revoked
M.PATH = "RFC5280:6.1"               -- certification path validation
M.TLS13_CERT = "RFC8446:4.4.2.4"     -- receiving a Certificate message

-- s: { fixture = "client/x", expect = "accept" | "reject" | "observe",
--      title, description, severity, controls, tags }
function M.scenario(s)
  local name = s.name or s.fixture:match("^client/(.+)$")
  local tags = { "client-auth" }
  for _, tag in ipairs(s.tags or {}) do tags[#tags + 1] = tag end
  return {
    id = "client-auth/" .. name,
    title = s.title,
    description = s.description,
    severity = s.severity,
    tags = tags,
    controls = s.controls,
    per_tls_version = true,
    run = function(t)
      if s.fixture and not t:fixture(s.fixture) then
        return t:skip("fixture " .. s.fixture .. " is not in the fixtures manifest")
      end
      local c = t:connect { cert = s.fixture }
      if s.expect == "accept" then
        t:expect_accepted(c)
      elseif s.expect == "reject" then
        t:expect_rejected(c)
      else
        t:observe(c)
      end
    end,
  }
end

return M
