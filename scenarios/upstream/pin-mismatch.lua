-- server/pin-mismatch has a valid chain and name but a new key: only a gateway that pins the upstream's SPKI (server/valid's) refuses it; nginx, HAProxy and Caddy cannot pin.
return require("upstream").refused {
  name = "pin-mismatch",
  title = "An upstream whose key does not match its pin is refused",
  severity = "high",
}
