-- For gateways that refuse bad certificates in the TLS handshake (HAProxy,
-- Envoy, stunnel): an expired client certificate must be refused with the
-- certificate_expired alert specifically, not just any refusal.
return {
  id = "example/expired-alert",
  title = "An expired certificate is refused with certificate_expired (45)",
  severity = "low",
  tags = { "example" },
  per_tls_version = true,
  run = function(t)
    local c = t:connect { cert = "client/expired" }
    if t.tls_version == "TLSv1.3" then
      c:request {}               -- TLS 1.3 servers answer after the handshake
    end
    t:expect_alert(c, "certificate_expired")
  end,
}
