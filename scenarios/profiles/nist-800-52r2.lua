-- NIST SP 800-52 Rev. 2, guidelines for TLS servers: TLS 1.2 required and
-- TLS 1.3 supported (3.1), approved cipher suites with ephemeral key
-- exchange (3.3.1) on validated cryptography (3.3.2), certificates (3.2),
-- the status request and renegotiation indication extensions (3.4), client
-- authentication (3.5) with client certificates as section 4.2 describes.
local N = "nist-800-52r2:"
return {
  name = "nist-800-52r2",
  title = "NIST SP 800-52 Rev. 2 (TLS servers)",
  rules = {
    protocols = { controls = { N .. "3.1" }, versions = { ["TLSv1.0"] = "refused", ["TLSv1.1"] = "refused",
                                                       ["TLSv1.2"] = "accepted", ["TLSv1.3"] = "accepted" } },
    cipher_suites = { controls = { N .. "3.3.1", N .. "3.3.2" },
                      forbid = { "no_fs", "3des", "rc4", "null", "anon", "export", "des", "md5" } },
    cipher_order = { controls = { N .. "3.3.1" }, expect = "server" },
    groups = { controls = { N .. "3.3.1" }, allow = { "P-256", "P-384", "P-521", "X25519", "X448", "ffdhe2048", "ffdhe3072" } },
    cert_trust = { controls = { N .. "3.2" } },
    cert_hostname = { controls = { N .. "3.2" } },
    cert_validity = { controls = { N .. "3.2" } },
    cert_lifespan = { controls = { N .. "3.2" }, max_days = 398 },
    cert_key = { controls = { N .. "3.2", N .. "3.3.2" }, rsa_min_bits = 2048, ec_min_bits = 256 },
    dh = { controls = { N .. "3.3.1" }, min_bits = 2048 },
    cert_signature = { controls = { N .. "3.2", N .. "3.3.2" }, forbid = { "sha1", "md5" } },
    cert_eku = { controls = { N .. "3.2" } },
    cert_chain = { controls = { N .. "3.2" } },
    pin = { controls = { N .. "3.2" } },
    ocsp_stapling = { controls = { N .. "3.4" }, expect = "required" },
    client_auth = { controls = { N .. "3.5", N .. "4.2" }, expect = "required" },
    renegotiation = { controls = { N .. "3.4" }, secure = "required", client_initiated = "refused" },
    early_data = { controls = { N .. "3.4" }, expect = "refused", replay = "refused" },
    resumption = {},
    compression = { controls = { N .. "3.4" }, expect = "off" },
    fallback_scsv = { controls = { N .. "3.4" }, expect = "honoured" },
    alpn_h2 = { expect = "any" },
    vulnerabilities = { controls = { N .. "3.3.1" } },
    http = {},
  },
}
