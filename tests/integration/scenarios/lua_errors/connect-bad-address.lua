-- t:connect{} with connect_to lacking a port
return {
  id = "lua-errors/connect-bad-address",
  run = function(t)
    t:connect{ connect_to = '127.0.0.1' }
    t:pass("no error was raised")
  end,
}
