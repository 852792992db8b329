-- An upstream that requires a client certificate (serve --upstream
-- ADDR=valid,client-auth, routed as --upstream-prefix + client-auth) gets
-- the one the gateway is configured to present, --upstream-client-cert
-- (default client/valid): the echo reports its fingerprint.
local U = require "upstream"
return {
  id = "upstream/client-cert",
  title = "The gateway presents the expected client certificate to an upstream that requires one",
  severity = "high",
  tags = { "upstream" },
  run = function(t)
    local want = t:fixture(t.upstream_client_cert)
    if not want then return t:error("--upstream-client-cert " .. t.upstream_client_cert .. " is not a fixture") end
    local expected = "the upstream received " .. want.name .. " (" .. want.subject .. ")"
    local e, c = U.served(t, "client-auth", expected)
    if not e then return end
    local cc = e.client_cert
    if not cc then return t:fail("the upstream received no client certificate", expected, c) end
    if cc.sha256 ~= want.sha256 then
      return t:fail("the upstream received " .. cc.subject .. " (sha256 " .. cc.sha256 .. ")", expected, c)
    end
    t:pass("the upstream received " .. cc.subject, expected, c)
  end,
}
