-- server/self-signed chains to nothing the gateway trusts.
return require("upstream").refused {
  name = "self-signed",
  title = "A self-signed upstream is refused",
  severity = "critical",
}
