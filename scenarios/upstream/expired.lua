-- The gateway must not talk to an upstream whose certificate (server/expired) expired.
return require("upstream").refused {
  name = "expired",
  title = "An upstream with an expired certificate is refused",
  severity = "high",
}
