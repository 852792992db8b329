-- Pinning: with --pin sha256/BASE64 (repeatable), some certificate of the
-- served chain must have one of the pinned SPKI hashes.
local audit = require "audit"
return audit.scenario {
  name = "pin",
  title = "Pins: a certificate of the served chain matches a --pin",
  severity = "high",
  rule = "pin",
  leaf = true,
  run = function(t, f, c, leaf)
    local pins = t.pins
    if #pins == 0 then return t:skip("no --pin given") end
    local served, hit = {}, nil
    for i, cert in ipairs(c.peer_chain) do
      local pin = "sha256/" .. cert.spki_sha256
      served[#served + 1] = pin
      for _, p in ipairs(pins) do
        if p == pin then hit = hit or (i == 1 and "leaf" or ("certificate " .. i)) .. " " .. pin end
      end
    end
    f:check(hit ~= nil, "no certificate matches; served " .. table.concat(served, ", "),
            "one of " .. table.concat(pins, ", "))
    f:finish("pin matches the " .. tostring(hit), c)
  end,
}
