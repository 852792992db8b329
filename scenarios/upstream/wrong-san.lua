-- server/wrong-san names wrong.mtlsprobe.test only: a gateway that checks the upstream's name refuses it.
return require("upstream").refused {
  name = "wrong-san",
  title = "An upstream whose certificate names another host is refused",
  severity = "high",
}
