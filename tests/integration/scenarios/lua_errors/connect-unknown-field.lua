-- t:connect{} with a field it does not know
return {
  id = "lua-errors/connect-unknown-field",
  run = function(t)
    t:connect{ colour = 'red' }
    t:pass("no error was raised")
  end,
}
