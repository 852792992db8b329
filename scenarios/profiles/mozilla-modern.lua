-- Mozilla Server Side TLS, "modern" configuration (guidelines 5.7): TLS 1.3
-- only, its three AEAD suites, X25519/P-256/P-384, ECDSA P-256 certificates
-- of at most 366 days.
local M = "mozilla:modern"
return {
  name = "mozilla-modern",
  title = "Mozilla Server Side TLS 5.7, modern",
  rules = {
    protocols = { controls = { M }, versions = { ["TLSv1.0"] = "refused", ["TLSv1.1"] = "refused",
                                                ["TLSv1.2"] = "refused", ["TLSv1.3"] = "accepted" } },
    cipher_suites = {
      controls = { M },
      forbid = { "no_fs", "cbc", "3des", "rc4", "null", "anon", "export", "des", "md5" },
      allow = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" },
    },
    cipher_order = { controls = { M }, expect = "any" },
    groups = { controls = { M }, allow = { "X25519", "P-256", "P-384" } },
    cert_trust = { controls = { M } },
    cert_hostname = { controls = { M } },
    cert_validity = { controls = { M } },
    cert_lifespan = { controls = { M }, max_days = 366 },
    cert_key = { controls = { M }, rsa_min_bits = 2048, ec_min_bits = 256 },
    cert_signature = { controls = { M }, forbid = { "sha1", "md5" } },
    cert_eku = { controls = { M } },
    cert_chain = { controls = { M } },
    pin = {},
    ocsp_stapling = { controls = { M }, expect = "any" },
    client_auth = { expect = "required" },
    renegotiation = {},
    early_data = { expect = "any", replay = "refused" },
    resumption = {},
    compression = { controls = { M }, expect = "off" },
    fallback_scsv = { expect = "any" },
    alpn_h2 = { expect = "any" },
    vulnerabilities = { controls = { M } },
    http = { controls = { M }, hsts_min_age = 63072000, cookies = { "Secure", "HttpOnly", "SameSite" },
             breach = "refused" },
  },
}
