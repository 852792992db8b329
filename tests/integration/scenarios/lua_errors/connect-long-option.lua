-- t:connect{} with an ALPN longer than its room
return {
  id = "lua-errors/connect-long-option",
  run = function(t)
    t:connect{ alpn = string.rep('h', 200) }
    t:pass("no error was raised")
  end,
}
