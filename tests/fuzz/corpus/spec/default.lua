-- mtlsprobe's default fixture hierarchy.
--
-- Each ca{}, server{} or client{} call defines one fixture; the language is
-- described in docs/fixtures.md. Fixture names are public interface: the
-- scenarios refer to them. Times are relative to `now` (or --now).
--
-- verify_error is what an RFC 5280 validator (OpenSSL with -x509_strict,
-- -crl_check_all and security level 2) reports for the certificate's chain;
-- tests/integration/fixtures_oracle.sh checks every one of them.
--
-- Globals provided: hosts (the --host names), key_type (--key-type), now.

local O = "O=mtlsprobe fixtures"

---------------------------------------------------------------- CAs --------

ca {
  name = "ca/root",
  subject = "CN=mtlsprobe Test Root CA," .. O,
  trusted = true,
  description = "The trust anchor; the only certificate in trust-bundle.pem.",
}

ca {
  name = "ca/intermediate",
  issuer = "ca/root",
  subject = "CN=mtlsprobe Test Intermediate CA," .. O,
  pathlen = 0,
  not_after = "+1825d",
  description = "Issues every good server and client certificate; pathlen 0.",
}

ca {
  name = "ca/rogue-root",
  subject = "CN=mtlsprobe Rogue Root CA,O=Rogue Fixtures",
  defect = "untrusted-ca",
  description = "A self-signed CA that is not in the trust bundle.",
  expect = "reject", severity = "critical",
  verify_error = "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
}

ca {
  name = "ca/expired-intermediate",
  issuer = "ca/root",
  subject = "CN=mtlsprobe Expired Intermediate CA," .. O,
  pathlen = 0,
  not_before = "-400d", not_after = "-30d",
  defect = "expired-ca",
  description = "An intermediate CA whose validity ended 30 days ago.",
  expect = "reject", severity = "high",
  verify_error = "X509_V_ERR_CERT_HAS_EXPIRED",
}

ca {
  name = "ca/revoked-intermediate",
  issuer = "ca/root",
  subject = "CN=mtlsprobe Revoked Intermediate CA," .. O,
  pathlen = 0,
  revoked = "cACompromise",
  defect = "revoked-ca",
  description = "An intermediate CA listed in the root's CRL.",
  expect = "reject", severity = "high",
  verify_error = "X509_V_ERR_CERT_REVOKED",
}

ca {
  name = "ca/constrained-intermediate",
  issuer = "ca/root",
  subject = "CN=mtlsprobe Constrained Intermediate CA," .. O,
  pathlen = 0,
  name_constraints = { permitted = { "DNS:.allowed.test" } },
  description = "An intermediate CA limited to DNS names under .allowed.test.",
}

ca {
  name = "ca/pathlen-sub",
  issuer = "ca/intermediate",
  subject = "CN=mtlsprobe Sub-CA Beyond pathlen," .. O,
  defect = "beyond-pathlen",
  description = "A CA issued by ca/intermediate although its pathlen is 0; "
             .. "whatever it signs breaks the path length constraint.",
  expect = "reject", severity = "high",
}

ca {
  name = "ca/ocsp-signer",
  issuer = "ca/intermediate",
  subject = "CN=mtlsprobe OCSP Signer," .. O,
  ca = false,
  key_usage = { "digitalSignature" },
  eku = { "OCSPSigning" },
  -- id-pkix-ocsp-nocheck: clients need not check this certificate's status.
  extensions = { { oid = "1.3.6.1.5.5.7.48.1.5", hex = "0500" } },
  description = "Delegated OCSP signing certificate for ca/intermediate.",
}

-- SHA-1 needs an RSA or ECDSA signer. With --key-type ed25519 the SHA-1
-- fixtures come from an ECDSA intermediate under the same root instead.
local sha1_issuer = "ca/intermediate"
if key_type == "ed25519" then
  sha1_issuer = ca {
    name = "ca/sha1-intermediate",
    issuer = "ca/root",
    subject = "CN=mtlsprobe SHA-1 Intermediate CA," .. O,
    key = "ec-p256",
    pathlen = 0,
    not_after = "+1825d",
    description = "Issues the SHA-1 fixtures when the hierarchy uses Ed25519 keys.",
  }
end

------------------------------------------------------------ servers -------
-- SANs default to the --host names (localhost, 127.0.0.1, ::1).

server {
  name = "server/valid",
  issuer = "ca/intermediate",
  description = "A correct server certificate for the --host names.",
}

server {
  name = "server/expired",
  issuer = "ca/intermediate",
  not_before = "-90d", not_after = "-1d",
  defect = "expired", description = "Expired yesterday.",
  expect = "reject", severity = "high",
  verify_error = "X509_V_ERR_CERT_HAS_EXPIRED",
}

server {
  name = "server/not-yet-valid",
  issuer = "ca/intermediate",
  not_before = "+30d", not_after = "+120d",
  defect = "not-yet-valid", description = "Valid only from 30 days from now.",
  expect = "reject", severity = "medium",
  verify_error = "X509_V_ERR_CERT_NOT_YET_VALID",
}

server {
  name = "server/wrong-san",
  issuer = "ca/intermediate",
  subject = "CN=wrong.mtlsprobe.test," .. O,
  sans = { "DNS:wrong.mtlsprobe.test" },
  defect = "wrong-san", description = "Its SAN names a host other than the target.",
  expect = "reject", severity = "high",
  verify_error = "X509_V_ERR_HOSTNAME_MISMATCH",
}

server {
  name = "server/self-signed",
  defect = "self-signed", description = "Signed by its own key; no CA vouches for it.",
  expect = "reject", severity = "critical",
  verify_error = "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
}

server {
  name = "server/untrusted",
  issuer = "ca/rogue-root",
  defect = "untrusted-ca", description = "Issued by ca/rogue-root, outside the trust bundle.",
  expect = "reject", severity = "critical",
  verify_error = "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
}

server {
  name = "server/pin-mismatch",
  issuer = "ca/intermediate",
  defect = "pin-mismatch",
  description = "Valid chain and SANs but a new key, so its SPKI pin differs from server/valid's.",
  expect = "reject", severity = "high",
}

server {
  name = "server/weak-rsa1024",
  issuer = "ca/intermediate",
  key = "rsa-1024",
  defect = "weak-key", description = "A 1024-bit RSA key.",
  expect = "reject", severity = "medium",
  verify_error = "X509_V_ERR_EE_KEY_TOO_SMALL",
}

server {
  name = "server/sha1",
  issuer = sha1_issuer,
  hash = "sha1",
  defect = "sha1-signature", description = "Signed with SHA-1.",
  expect = "reject", severity = "medium",
  verify_error = "X509_V_ERR_CA_MD_TOO_WEAK",
}

server {
  name = "server/no-server-eku",
  issuer = "ca/intermediate",
  eku = { "clientAuth" },
  defect = "wrong-eku", description = "Extended key usage clientAuth only, no serverAuth.",
  expect = "reject", severity = "medium",
  verify_error = "X509_V_ERR_INVALID_PURPOSE",
}

server {
  name = "server/long-lived",
  issuer = "ca/intermediate",
  not_before = "-1h", not_after = "+825d",
  defect = "long-lived",
  description = "Valid for 825 days, beyond the 398 days browsers accept "
             .. "(OpenSSL itself does not check lifetimes).",
  expect = "reject", severity = "medium",
}

------------------------------------------------------------ clients -------

local function client_sans(id)
  return { "DNS:" .. id .. ".clients.mtlsprobe.test",
           "URI:spiffe://mtlsprobe.test/client/" .. id }
end

client {
  name = "client/valid",
  issuer = "ca/intermediate",
  sans = client_sans("valid"),
  description = "A correct client certificate.",
}

client {
  name = "client/valid-rsa",
  issuer = "ca/intermediate",
  key = "rsa-2048",
  sans = client_sans("valid-rsa"),
  description = "A correct client certificate with an RSA-2048 key.",
}

client {
  name = "client/expired",
  issuer = "ca/intermediate",
  sans = client_sans("expired"),
  not_before = "-90d", not_after = "-1d",
  defect = "expired", description = "Expired yesterday.",
  expect = "reject", severity = "high",
  verify_error = "X509_V_ERR_CERT_HAS_EXPIRED",
}

client {
  name = "client/not-yet-valid",
  issuer = "ca/intermediate",
  sans = client_sans("not-yet-valid"),
  not_before = "+30d", not_after = "+120d",
  defect = "not-yet-valid", description = "Valid only from 30 days from now.",
  expect = "reject", severity = "medium",
  verify_error = "X509_V_ERR_CERT_NOT_YET_VALID",
}

client {
  name = "client/revoked",
  issuer = "ca/intermediate",
  sans = client_sans("revoked"),
  revoked = "keyCompromise",
  defect = "revoked", description = "Listed in ca/intermediate's CRL (keyCompromise).",
  expect = "reject", severity = "high",
  verify_error = "X509_V_ERR_CERT_REVOKED",
}

client {
  name = "client/untrusted",
  issuer = "ca/rogue-root",
  sans = client_sans("untrusted"),
  defect = "untrusted-ca", description = "Issued by ca/rogue-root, outside the trust bundle.",
  expect = "reject", severity = "critical",
  verify_error = "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
}

client {
  name = "client/self-signed",
  sans = client_sans("self-signed"),
  defect = "self-signed", description = "Signed by its own key; no CA vouches for it.",
  expect = "reject", severity = "critical",
  verify_error = "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
}

client {
  name = "client/wrong-eku",
  issuer = "ca/intermediate",
  sans = client_sans("wrong-eku"),
  eku = { "serverAuth" },
  defect = "wrong-eku", description = "Extended key usage serverAuth only, no clientAuth.",
  expect = "reject", severity = "medium",
  verify_error = "X509_V_ERR_INVALID_PURPOSE",
}

client {
  name = "client/no-eku",
  issuer = "ca/intermediate",
  sans = client_sans("no-eku"),
  eku = false,
  defect = "no-eku",
  description = "No extended key usage extension; RFC 5280 allows any use, so it is accepted.",
  expect = "accept", severity = "info",
}

client {
  name = "client/bad-key-usage",
  issuer = "ca/intermediate",
  sans = client_sans("bad-key-usage"),
  key_usage = { "keyEncipherment" },
  defect = "bad-key-usage", description = "keyUsage without digitalSignature.",
  expect = "reject", severity = "medium",
  verify_error = "X509_V_ERR_INVALID_PURPOSE",
}

client {
  name = "client/ca-as-leaf",
  issuer = "ca/intermediate",
  sans = client_sans("ca-as-leaf"),
  ca = true,
  key_usage = { "digitalSignature", "keyCertSign", "cRLSign" },
  eku = { "clientAuth" },
  defect = "ca-as-leaf",
  description = "basicConstraints CA:TRUE on a client certificate.",
  expect = "reject", severity = "low",
}

client {
  name = "client/missing-intermediate",
  issuer = "ca/intermediate",
  sans = client_sans("missing-intermediate"),
  chain = "leaf",
  defect = "missing-intermediate",
  description = "Its chain file holds the leaf only, without ca/intermediate.",
  expect = "reject", severity = "medium",
  verify_error = "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
}

client {
  name = "client/expired-intermediate",
  issuer = "ca/expired-intermediate",
  sans = client_sans("expired-intermediate"),
  defect = "expired-intermediate", description = "Issued by ca/expired-intermediate.",
  expect = "reject", severity = "high",
  verify_error = "X509_V_ERR_CERT_HAS_EXPIRED",
}

client {
  name = "client/revoked-intermediate",
  issuer = "ca/revoked-intermediate",
  sans = client_sans("revoked-intermediate"),
  defect = "revoked-intermediate", description = "Issued by ca/revoked-intermediate.",
  expect = "reject", severity = "high",
  verify_error = "X509_V_ERR_CERT_REVOKED",
}

client {
  name = "client/pathlen-violation",
  issuer = "ca/pathlen-sub",
  sans = client_sans("pathlen-violation"),
  defect = "pathlen-violation",
  description = "Chain root > intermediate (pathlen 0) > sub-CA > leaf.",
  expect = "reject", severity = "high",
  verify_error = "X509_V_ERR_PATH_LENGTH_EXCEEDED",
}

client {
  name = "client/name-constraint-violation",
  issuer = "ca/constrained-intermediate",
  subject = "CN=client.forbidden.test," .. O,
  sans = { "DNS:client.forbidden.test" },
  defect = "name-constraint-violation",
  description = "DNS name outside ca/constrained-intermediate's permitted .allowed.test.",
  expect = "reject", severity = "high",
  verify_error = "X509_V_ERR_PERMITTED_VIOLATION",
}

client {
  name = "client/name-constrained-valid",
  issuer = "ca/constrained-intermediate",
  subject = "CN=client.allowed.test," .. O,
  sans = { "DNS:client.allowed.test" },
  description = "Inside ca/constrained-intermediate's permitted names (control case).",
}

client {
  name = "client/weak-rsa1024",
  issuer = "ca/intermediate",
  sans = client_sans("weak-rsa1024"),
  key = "rsa-1024",
  defect = "weak-key", description = "A 1024-bit RSA key.",
  expect = "reject", severity = "medium",
  verify_error = "X509_V_ERR_EE_KEY_TOO_SMALL",
}

client {
  name = "client/sha1",
  issuer = sha1_issuer,
  sans = client_sans("sha1"),
  hash = "sha1",
  defect = "sha1-signature", description = "Signed with SHA-1.",
  expect = "reject", severity = "medium",
  verify_error = "X509_V_ERR_CA_MD_TOO_WEAK",
}

client {
  name = "client/unknown-critical-ext",
  issuer = "ca/intermediate",
  sans = client_sans("unknown-critical-ext"),
  -- An extension under the documentation enterprise number (RFC 5612), critical.
  extensions = { { oid = "1.3.6.1.4.1.32473.1.1", critical = true, hex = "0500" } },
  defect = "unknown-critical-ext",
  description = "Carries a critical extension no validator knows.",
  expect = "reject", severity = "medium",
  verify_error = "X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION",
}

client {
  name = "client/key-mismatch",
  issuer = "ca/intermediate",
  sans = client_sans("key-mismatch"),
  key_mismatch = true,
  defect = "key-mismatch",
  description = "Delivered with a private key that is not its own: the client "
             .. "cannot prove possession, so CertificateVerify must fail.",
  expect = "reject", severity = "critical",
}
