-- Mozilla Server Side TLS, "intermediate" configuration (guidelines 5.7):
-- TLS 1.2 and 1.3, AEAD suites with forward secrecy, X25519/P-256/P-384,
-- certificates of at most 366 days, client cipher preference.
local M = "mozilla:intermediate"
return {
  name = "mozilla-intermediate",
  title = "Mozilla Server Side TLS 5.7, intermediate",
  rules = {
    protocols = { controls = { M }, versions = { ["TLSv1.0"] = "refused", ["TLSv1.1"] = "refused",
                                                ["TLSv1.2"] = "accepted", ["TLSv1.3"] = "accepted" } },
    cipher_suites = {
      controls = { M },
      forbid = { "no_fs", "cbc", "3des", "rc4", "null", "anon", "export", "des", "md5" },
      allow = {
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      },
    },
    cipher_order = { controls = { M }, expect = "any" },
    groups = { controls = { M }, allow = { "X25519", "P-256", "P-384", "ffdhe2048", "ffdhe3072" } },
    cert_trust = { controls = { M } },
    cert_hostname = { controls = { M } },
    cert_validity = { controls = { M } },
    cert_lifespan = { controls = { M }, max_days = 366 },
    cert_key = { controls = { M }, rsa_min_bits = 2048, ec_min_bits = 256 },
    dh = { controls = { M }, min_bits = 2048 },
    cert_signature = { controls = { M }, forbid = { "sha1", "md5" } },
    cert_eku = { controls = { M } },
    cert_chain = { controls = { M } },
    pin = {},
    ocsp_stapling = { controls = { M }, expect = "any" },
    client_auth = { expect = "required" },
    renegotiation = { controls = { M }, secure = "required", client_initiated = "refused" },
    early_data = { expect = "any" },
    resumption = {},
    compression = { controls = { M }, expect = "off" },
    fallback_scsv = { controls = { M }, expect = "honoured" },
    alpn_h2 = { expect = "any" },
  },
}
