-- Key-exchange groups the gateway accepts, each offered alone: in TLS 1.3
-- (key_share and supported_groups name only that group) and in TLS 1.2
-- ECDHE (only ECDHE suites offered, so no other key exchange can stand in).
-- In TLS 1.2 supported_groups also limits the curve of an ECDSA server
-- certificate (RFC 8422), so the leaf's own curve is offered after the
-- probed group, and the group counts as accepted only if it was chosen.
-- Control: the version was answered with its default groups; a version in
-- which no probed group got through at all is not judged (INCONCLUSIVE):
-- "no forbidden group accepted" would then be true of a server refusing
-- every connection.
local audit = require "audit"

local GROUPS13 = { "X25519", "X448", "P-256", "P-384", "P-521", "ffdhe2048", "ffdhe3072" }
local GROUPS12 = { "X25519", "X448", "P-256", "P-384", "P-521" }

return audit.scenario {
  name = "groups",
  title = "Key exchange groups: only the groups the profile allows are accepted",
  description = "Offers X25519, X448, P-256, P-384, P-521, ffdhe2048 and ffdhe3072 one at a time.",
  severity = "medium",
  rule = "groups",
  run = function(t, f)
    local versions, ctl = audit.versions(t)
    if audit.no_tls(t, ctl) then return end
    local ecdhe = {}
    for _, s in ipairs(t:cipher_suites("1.2")) do
      if s.name:find("^ECDHE%-") then ecdhe[#ecdhe + 1] = s.name end
    end
    local NAMES = { SECP256R1 = "P-256", SECP384R1 = "P-384", SECP521R1 = "P-521",
                    X25519 = "X25519", X448 = "X448", FFDHE_2048 = "ffdhe2048", FFDHE_3072 = "ffdhe3072" }
    local cert_curve
    local c0, leaf = audit.leaf(t)
    if not leaf then return end
    c0:close()
    if leaf.key_type == "EC" then
      cert_curve = ({ [256] = "P-256", [384] = "P-384", [521] = "P-521" })[leaf.key_bits]
    end
    local seen, summary = {}, {}
    -- One handshake offering `offer`; the group chosen, or nil and the
    -- reason it was not offered.
    local function try(v, offer, ciphers)
      local ok, c = pcall(audit.connect, t, { tls = v, groups = offer, ciphers = ciphers })
      if not ok then return nil, false, tostring(c) end
      local accepted = audit.accepted(c)
      local chosen = NAMES[c.group or ""] or c.group
      local done = c.handshake_ok
      c:close()
      return accepted, done, chosen
    end
    local function probe(v, groups, ciphers)
      local got = {}
      for _, g in ipairs(groups) do
        -- The group alone first; in TLS 1.2 an ECDSA certificate on another
        -- curve then fails, and the group is offered again beside the
        -- certificate's curve, counting only if it is the one chosen (a
        -- server that orders groups itself may take the certificate's
        -- curve although it has the other: the details say so).
        local accepted, done, chosen = try(v, g, ciphers)
        local verdict
        if accepted == nil then
          t:detail("not offered TLSv" .. v .. " " .. g .. ": " .. chosen)
        elseif accepted and (v ~= "1.2" or not done or chosen == g) then
          verdict = true
        elseif v == "1.2" and cert_curve and cert_curve ~= g then
          accepted, done, chosen = try(v, g .. ":" .. cert_curve, ciphers)
          if accepted and (not done or chosen == g) then
            verdict = true
          elseif accepted and chosen == cert_curve then
            t:detail("not seen TLSv1.2 " .. g .. ": refused alone (the ECDSA certificate needs its curve), and "
                     .. cert_curve .. " chosen when offered beside it")
          end
        end
        if verdict then
          got[#got + 1] = g
          seen[g] = true
          t:detail("accepted TLSv" .. v .. " " .. g)
        end
      end
      if #got == 0 then
        f:open("TLSv" .. v .. " is accepted, but with none of " .. table.concat(groups, ", ") .. " offered alone")
      end
      summary[#summary + 1] = "TLSv" .. v .. ": " .. (#got > 0 and table.concat(got, ", ") or "none")
    end
    if versions["1.3"] then probe("1.3", GROUPS13, nil) end
    if versions["1.2"] then probe("1.2", GROUPS12, table.concat(ecdhe, ":")) end
    if #summary == 0 then return t:skip("neither TLS 1.2 nor TLS 1.3 is accepted") end
    if f.rule.allow then
      local bad = {}
      for _, g in ipairs(GROUPS13) do
        if seen[g] and not audit.contains(f.rule.allow, g) then bad[#bad + 1] = g end
      end
      f:check(#bad == 0, "groups outside the profile accepted: " .. table.concat(bad, ", "),
              "only " .. table.concat(f.rule.allow, ", "), { id = "groups/outside-allow", items = bad })
    end
    f:finish(table.concat(summary, "; "))
  end,
}
