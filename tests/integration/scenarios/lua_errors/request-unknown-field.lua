-- c:request{} with a field it does not know
return {
  id = "lua-errors/request-unknown-field",
  run = function(t)
    local c = t:connect{ cert = 'client/valid' }
    c:request{ colour = 'red' }
    t:pass("no error was raised")
  end,
}
