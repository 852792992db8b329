-- BSI TR-02102-2 (2025-1), use of TLS: TLS 1.2 and 1.3 only (3.2), suites
-- with perfect forward secrecy and recommended groups (3.3), and the other
-- recommendations of 3.4: secure renegotiation only, no compression, no
-- 0-RTT. Keys of at least 3000 bits for RSA and DH, 250 for EC (3.6).
local B = "bsi-tr-02102-2:"
return {
  name = "bsi-tr-02102-2",
  title = "BSI TR-02102-2 (TLS)",
  rules = {
    protocols = { controls = { B .. "3.2" }, versions = { ["TLSv1.0"] = "refused", ["TLSv1.1"] = "refused",
                                                       ["TLSv1.2"] = "any", ["TLSv1.3"] = "any" } },
    cipher_suites = { controls = { B .. "3.3" },
                      forbid = { "no_fs", "3des", "rc4", "null", "anon", "export", "des", "md5" } },
    cipher_order = { controls = { B .. "3.3" }, expect = "any" },
    groups = { controls = { B .. "3.3" }, allow = { "P-256", "P-384", "P-521", "ffdhe3072" } },
    cert_trust = { controls = { B .. "3.4" } },
    cert_hostname = { controls = { B .. "3.4" } },
    cert_validity = { controls = { B .. "3.4" } },
    cert_lifespan = { controls = { B .. "3.4" }, max_days = 398 },
    cert_key = { controls = { B .. "3.6" }, rsa_min_bits = 3000, ec_min_bits = 250 },
    dh = { controls = { B .. "3.6" }, min_bits = 3000 },
    cert_signature = { controls = { B .. "3.4" }, forbid = { "sha1", "md5" } },
    cert_eku = { controls = { B .. "3.4" } },
    cert_chain = { controls = { B .. "3.4" } },
    pin = {},
    ocsp_stapling = { controls = { B .. "3.4" }, expect = "any" },
    client_auth = { controls = { B .. "3.4" }, expect = "required" },
    renegotiation = { controls = { B .. "3.4" }, secure = "required", client_initiated = "refused" },
    early_data = { controls = { B .. "3.4" }, expect = "refused", replay = "refused" },
    resumption = {},
    compression = { controls = { B .. "3.4" }, expect = "off" },
    fallback_scsv = { controls = { B .. "3.4" }, expect = "honoured" },
    alpn_h2 = { expect = "any" },
    vulnerabilities = { controls = { B .. "3.4" } },
    http = {},
  },
}
