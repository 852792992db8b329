-- c:request{} with a method that is not a string
return {
  id = "lua-errors/request-bad-method",
  run = function(t)
    local c = t:connect{ cert = 'client/valid' }
    c:request{ method = {} }
    t:pass("no error was raised")
  end,
}
