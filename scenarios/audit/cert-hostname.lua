-- A subjectAltName of the gateway's certificate names the target host (or
-- --sni): DNS names with RFC 6125 wildcards in the left-most label, IP
-- addresses exactly. The subject CN is not consulted (RFC 6125, CA/B BR).
local audit = require "audit"

local function matches(pattern, host)
  pattern, host = pattern:lower(), host:lower()
  if pattern == host then return true end
  local rest = pattern:match("^%*%.(.+)$")
  if not rest then return false end
  local first, tail = host:match("^([^.]+)%.(.+)$")
  return first ~= nil and tail == rest
end

return audit.scenario {
  name = "cert-hostname",
  title = "Certificate: a SAN names the target host",
  severity = "high",
  rule = "cert_hostname",
  leaf = true,
  run = function(t, f, c, leaf)
    local host = t.target.sni ~= "" and t.target.sni or t.target.host
    local first
    audit.each_served(t, c, function(chain, l, label)
      local hit
      for _, san in ipairs(l.sans) do
        local kind, value = san:match("^(%a+):(.*)$")
        if (kind == "DNS" and matches(value, host)) or (kind == "IP" and value == host) then
          hit = san
        end
      end
      if label == "" then first = hit end
      f:check(hit ~= nil, label .. "no SAN for " .. host .. " (SANs: "
              .. (#l.sans > 0 and table.concat(l.sans, ", ") or "none") .. ")", "a SAN for " .. host,
              { id = "cert_hostname/mismatch", items = { tostring(l.subject) } })
    end)
    f:finish("SAN " .. tostring(first) .. " names " .. host, c)
  end,
}
