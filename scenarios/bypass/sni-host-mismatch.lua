-- An mTLS host reached over a connection whose SNI picked another host (or
-- none): the TLS layer never asked for a certificate, so a gateway routing
-- the request by its Host header to the mTLS host serves it unauthenticated
-- (Traefik CVE-2022-23632, Emissary, APISIX). Any 2xx is a bypass; 421, 403,
-- 400 or a refused handshake are correct. Variants: no SNI at all; Host with
-- a trailing dot, in other letter case, with an explicit port; and the same
-- over HTTP/2 with :authority. The control: the mTLS host's own SNI and
-- Host with client/valid must be served (2xx), over HTTP/2 too for the
-- HTTP/2 variants; a refusal counts only then, else INCONCLUSIVE.
local B = require "bypass"
return {
  id = "bypass/sni-host-mismatch",
  title = "A request for the mTLS host over a connection negotiated without client authentication is refused",
  severity = "critical",
  tags = { "bypass" },
  run = function(t)
    if t.scheme ~= "https" then
      return t:skip("routes by the HTTP Host header: needs an https:// target, not " .. t.scheme .. "://")
    end
    local mtls, public, why = B.hosts(t, false)
    if not mtls then return t:skip(why) end
    local port = t.target.port
    local variants = {}
    if public then
      variants[#variants + 1] = { "SNI " .. public .. ", Host " .. mtls, public, mtls }
      variants[#variants + 1] = { "SNI " .. public .. ", Host " .. mtls .. ".", public, mtls .. "." }
      variants[#variants + 1] = { "SNI " .. public .. ", Host " .. mtls:upper(), public, mtls:upper() }
      variants[#variants + 1] = { "SNI " .. public .. ", Host " .. mtls .. ":" .. port, public, mtls .. ":" .. port }
    end
    variants[#variants + 1] = { "no SNI, Host " .. mtls, false, mtls }
    variants[#variants + 1] = { "no SNI, Host " .. mtls:upper() .. ".", false, mtls:upper() .. "." }
    local ctl = B.control(t, "SNI and Host " .. mtls .. " with client/valid",
                          { sni = mtls, cert = "client/valid" }, { host = mtls })
    ctl.c:close()
    if ctl.kind == "error" then return B.control_failed(t, ctl) end
    local findings = {}
    for _, v in ipairs(variants) do
      local c = B.connect(t, { sni = v[2] })
      local kind, how = B.attempt(c, { host = v[3] })
      findings[#findings + 1] = { bad = kind == "served", text = v[1] .. ": " .. how }
      if kind == "error" then return t:error(v[1] .. ": " .. how, c) end
      c:close()
    end
    -- HTTP/2: the same with :authority, where the gateway offers h2; a
    -- refusal there counts only if the mTLS host serves HTTP/2 (made once).
    local h2_ctl
    local function h2_control()
      if h2_ctl == nil then
        local c = B.connect(t, { sni = mtls, cert = "client/valid", alpn = "h2,http/1.1" })
        local r, err
        if c.handshake_ok and c.alpn == "h2" then r, err = c:h2_request { authority = mtls } end
        h2_ctl = r ~= nil and r.status >= 200 and r.status < 300
        t:detail("control HTTP/2 SNI and :authority " .. mtls .. " with client/valid: "
                 .. (r and ("HTTP/2 " .. r.status) or not c.handshake_ok and ("handshake refused: " .. tostring(c.error))
                     or c.alpn ~= "h2" and "HTTP/2 not negotiated" or ("no response: " .. tostring(err))))
        c:close()
      end
      return h2_ctl
    end
    local h2_variants = {}
    if public then h2_variants[#h2_variants + 1] = { "h2 SNI " .. public .. ", :authority " .. mtls, public, mtls } end
    h2_variants[#h2_variants + 1] = { "h2 no SNI, :authority " .. mtls, false, mtls }
    for _, v in ipairs(h2_variants) do
      local c = B.connect(t, { sni = v[2], alpn = "h2,http/1.1" })
      if c.handshake_ok and c.alpn == "h2" then
        local r, err = c:h2_request { authority = v[3] }
        local text, bad
        if not r then
          text = v[1] .. ": no response: " .. tostring(err)
        else
          text = v[1] .. ": HTTP/2 " .. r.status
          bad = r.status >= 200 and r.status < 300
        end
        findings[#findings + 1] = { bad = bad, text = text, unjudged = not bad and not h2_control() }
      elseif c.handshake_ok then
        t:detail("HTTP/2 not offered (" .. v[1] .. ")")
      else
        findings[#findings + 1] = { text = v[1] .. ": handshake refused: " .. tostring(c.error) }
      end
      c:close()
    end
    B.finish(t, findings, "421, 403 or 400, or the handshake refused, for every variant", ctl, B.MTLS_HINT)
  end,
}
