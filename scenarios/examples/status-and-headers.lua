-- A valid client reaches a protected path, and the gateway passes the
-- client's identity to the application in a response header.
-- Run: mtlsprobe run --target https://gw:8443 --fixtures fx scenarios/examples/status-and-headers.lua
return {
  id = "example/status-and-headers",
  title = "A valid client gets 200 on /api/health with a Content-Type",
  severity = "medium",
  tags = { "example" },
  controls = { "RFC8446:4.4.2.4" },
  run = function(t)
    local c = t:connect { cert = "client/valid" }
    local r, err = c:request { method = "GET", path = "/api/health",
                               headers = { ["Accept"] = "application/json" } }
    if not r then
      return t:error("no response: " .. err, c)
    end
    t:expect_status(c, 200)
    t:expect_header(c, "Content-Type", "^text/") -- a Lua pattern
  end,
}
