-- The served chain is in order (leaf first, each certificate issued by the
-- next) and carries the intermediates: the leaf's issuer is sent unless the
-- leaf is issued directly by a trust anchor, which a client already has.
local audit = require "audit"
return audit.scenario {
  name = "cert-chain",
  title = "Certificate chain: in order, with the intermediates",
  severity = "medium",
  rule = "cert_chain",
  leaf = true,
  run = function(t, f, c, leaf)
    local chain = c.peer_chain
    for i, cert in ipairs(chain) do t:detail("sent " .. i .. ": " .. cert.subject .. " (issuer " .. cert.issuer .. ")") end
    for i = 1, #chain - 1 do
      f:check(chain[i].issuer == chain[i + 1].subject, string.format("certificate %d (%s) is not issued by certificate %d (%s)",
              i, chain[i].subject, i + 1, chain[i + 1].subject), "each certificate issued by the next")
    end
    if #chain == 1 and not leaf.self_issued then
      -- Only the leaf was sent: fine when a trust anchor issued it. When it
      -- does not verify, a missing intermediate and an untrusted issuer
      -- look the same from here: audit/cert-trust reports it.
      if not t:verify_chain(c) then
        f:check(nil, "only the leaf sent and its issuer " .. leaf.issuer .. " is not trusted: "
                .. "whether an intermediate is missing cannot be told", "the intermediates sent")
      end
    end
    f:finish(#chain .. " certificates sent, in order", c)
  end,
}
