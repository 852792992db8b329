-- The gateway presents the certificate we pinned: its leaf's SPKI pin must
-- equal server/valid's (from the fixtures manifest), and its SANs must name
-- the target host. Shows c.peer_chain.
return {
  id = "example/pinned-server",
  title = "The gateway's certificate matches the pinned key and names the host",
  severity = "high",
  tags = { "example" },
  run = function(t)
    local c = t:connect { cert = "client/valid" }
    local leaf = c.peer_chain[1]
    if not leaf then
      return t:error("no server certificate: " .. tostring(c.error), c)
    end
    local want = t:fixture("server/valid").spki_sha256
    if leaf.spki_sha256 ~= want then
      return t:fail("pin " .. leaf.spki_sha256 .. " (" .. leaf.subject .. ")", "pin " .. want, c)
    end
    for _, san in ipairs(leaf.sans) do
      if san == "DNS:" .. t.target.host or san == "IP:" .. t.target.host then
        return t:pass("pin matches; SAN " .. san .. "; valid until " .. leaf.not_after,
                      "pin " .. want, c)
      end
    end
    t:fail("no SAN for " .. t.target.host .. " in " .. table.concat(leaf.sans, ", "), "a SAN for the host", c)
  end,
}
