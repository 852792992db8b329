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
    audit.each_served(t, c, function(chain, l, label)
      for i, cert in ipairs(chain) do
        t:detail(label .. "sent " .. i .. ": " .. cert.subject .. " (issuer " .. cert.issuer .. ")")
      end
      for i = 1, #chain - 1 do
        f:check(chain[i].issuer == chain[i + 1].subject, string.format("%scertificate %d (%s) is not issued by certificate %d (%s)",
                label, i, chain[i].subject, i + 1, chain[i + 1].subject), "each certificate issued by the next",
                { id = "cert_chain/order", severity = "low", items = { tostring(chain[i].subject) } })
      end
      if #chain == 1 and not l.self_issued then
        -- Only the leaf was sent: fine when a trust anchor issued it. When it
        -- does not verify, a missing intermediate and an untrusted issuer
        -- look the same from here: audit/cert-trust reports it.
        if not t:verify_chain(label == "" and c or chain) then
          f:check(nil, label .. "only the leaf sent and its issuer " .. l.issuer .. " is not trusted: "
                  .. "whether an intermediate is missing cannot be told", "the intermediates sent")
        end
      end
    end)
    f:finish(#c.peer_chain .. " certificates sent, in order", c)
  end,
}
