ca { name = "ca/root", subject = "CN=root", trusted = true }
client { name = "client/a", issuer = "ca/root", subject = "CN=a", sans = { "DNS:a.test" }, not_after = "+30d" }
server { name = "server/s", issuer = "ca/root", sans = hosts }
