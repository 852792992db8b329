-- c:request{} with headers that are neither form
return {
  id = "lua-errors/request-header-list",
  run = function(t)
    local c = t:connect{ cert = 'client/valid' }
    c:request{ headers = { { 'X-A', 'b' } } }
    t:pass("no error was raised")
  end,
}
