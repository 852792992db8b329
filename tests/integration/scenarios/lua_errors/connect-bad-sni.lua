-- t:connect{} with an SNI that is neither a name nor false
return {
  id = "lua-errors/connect-bad-sni",
  run = function(t)
    t:connect{ sni = 42 }
    t:pass("no error was raised")
  end,
}
