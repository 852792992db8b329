-- Helpers for the client-auth suite: one scenario per client fixture, run
-- once per TLS version the gateway accepts (TLS 1.2 and 1.3 reject
-- differently: 1.3 servers refuse a certificate after the client's side of
-- the handshake is done). Every verdict is judged against a positive
-- control: the same request under the same conditions with the control
-- identity (--control, default client/valid, or the scenario's own), so a
-- gateway that refuses everyone gets INCONCLUSIVE, never PASS.
local M = {}

-- Compliance references shared by every client-auth scenario.
M.PCI = "PCI-DSS-4.0:4.2.1"          -- certificates confirmed valid, not expired or revoked
M.PATH = "RFC5280:6.1"               -- certification path validation
M.TLS13_CERT = "RFC8446:4.4.2.4"     -- receiving a Certificate message

-- s: { fixture = "client/x", expect = "accept" | "reject" | "observe",
--      control = "client/y" (the identity the gateway must accept under the
--      same conditions; default --control), title, description, severity,
--      controls, tags }
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
      if s.control and not t:fixture(s.control) then
        return t:skip("control fixture " .. s.control .. " is not in the fixtures manifest")
      end
      local c = t:connect { cert = s.fixture }
      local opts = { control = s.control }
      if s.expect == "accept" then
        t:expect_accepted(c, opts)
      elseif s.expect == "reject" then
        t:expect_rejected(c, opts)
      else
        t:observe(c, opts)
      end
    end,
  }
end

return M
