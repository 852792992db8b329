ca { name = "ca/r", trusted = true, key_usage = "keyCertSign,cRLSign", pathlen = 0 }
for i = 1, 3 do client { name = "client/" .. i, issuer = "ca/r", eku = "clientAuth", revoked = (i == 2) } end
