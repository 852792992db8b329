-- c:request{} with a header whose value is not a string
return {
  id = "lua-errors/request-bad-header-value",
  run = function(t)
    local c = t:connect{ cert = 'client/valid' }
    c:request{ headers = { ['X-Count'] = 5 } }
    t:pass("no error was raised")
  end,
}
