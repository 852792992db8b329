-- The same connection and a good request: an answer, so the request-*
-- scenarios beside it fail in c:request{}, not in the connection.
return {
  id = "lua-errors/request-ok",
  run = function(t)
    local c = t:connect{ cert = 'client/valid' }
    local r, err = c:request{ headers = { ['X-Good'] = 'yes', 'X-Also: fine' } }
    if r then t:pass("HTTP " .. r.status) else t:fail("no answer: " .. tostring(err)) end
  end,
}
