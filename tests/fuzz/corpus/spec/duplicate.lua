ca { name = "ca/r", trusted = true }
ca { name = "ca/r" }
