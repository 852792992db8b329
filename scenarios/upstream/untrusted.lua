-- server/untrusted is issued by ca/rogue-root, outside the gateway's upstream trust.
return require("upstream").refused {
  name = "untrusted",
  title = "An upstream issued by an untrusted CA is refused",
  severity = "critical",
}
