-- An upstream that requires a client certificate (serve --upstream
-- ADDR=valid,client-auth, routed as --upstream-prefix + client-auth) gets
-- the one the gateway is configured to present, --upstream-client-cert
-- (default client/valid): the echo reports its fingerprint. That upstream
-- refuses a gateway that presents none, so a gateway error is a FAIL when
-- the control, the valid upstream through the same route, is served, and
-- INCONCLUSIVE when it is not. A report without a client certificate came
-- from an upstream that does not require one: not the route needed.
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
    local e, c = U.served(t, "client-auth", expected, function() return U.control(t) end)
    if not e then return end
    local cc = e.client_cert
    if not cc then
      return t:inconclusive("not judged: " .. t.upstream_prefix .. "client-auth was answered by an echo upstream "
                            .. "that does not require a client certificate; is it routed to mtlsprobe serve "
                            .. "--upstream ADDR=valid,client-auth?", c)
    end
    if cc.sha256 ~= want.sha256 then
      return t:fail("the upstream received " .. cc.subject .. " (sha256 " .. cc.sha256 .. ")", expected, c)
    end
    t:pass("the upstream received " .. cc.subject, expected, c)
  end,
}
