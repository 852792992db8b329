-- PCI DSS 4.0 requirement 4.2.1: strong cryptography and protocols protect
-- cardholder data in transit, and the certificates used are valid, not
-- expired and not revoked. Weak protocols and suites (SSL, early TLS, RC4,
-- 3DES, NULL, anonymous, export) are not strong cryptography.
local P = "pci-dss-4:4.2.1"
return {
  name = "pci-dss-4",
  title = "PCI DSS 4.0, requirement 4.2.1",
  rules = {
    protocols = { controls = { P }, versions = { ["TLSv1.0"] = "refused", ["TLSv1.1"] = "refused" } },
    cipher_suites = { controls = { P }, forbid = { "3des", "rc4", "null", "anon", "export", "des", "md5" } },
    cipher_order = { expect = "any" },
    groups = { controls = { P }, allow = { "X25519", "X448", "P-256", "P-384", "P-521", "ffdhe2048", "ffdhe3072" } },
    cert_trust = { controls = { P } },
    cert_hostname = { controls = { P } },
    cert_validity = { controls = { P } },
    cert_lifespan = { controls = { P }, max_days = 398 },
    cert_key = { controls = { P }, rsa_min_bits = 2048, ec_min_bits = 256 },
    dh = { controls = { P }, min_bits = 2048 },
    cert_signature = { controls = { P }, forbid = { "sha1", "md5" } },
    cert_eku = { controls = { P } },
    cert_chain = { controls = { P } },
    pin = { controls = { P } },
    ocsp_stapling = { controls = { P }, expect = "any" },
    client_auth = { controls = { P }, expect = "required" },
    renegotiation = { controls = { P }, secure = "required", client_initiated = "refused" },
    early_data = { expect = "any", replay = "refused" },
    resumption = {},
    compression = { controls = { P }, expect = "off" },
    fallback_scsv = { controls = { P }, expect = "honoured" },
    alpn_h2 = { expect = "any" },
    vulnerabilities = { controls = { P } },
    http = { controls = { P }, cookies = "secure", breach = "refused" },
  },
}
