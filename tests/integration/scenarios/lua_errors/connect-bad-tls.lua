-- t:connect{} with a TLS version that does not exist
return {
  id = "lua-errors/connect-bad-tls",
  run = function(t)
    t:connect{ tls = '1.4' }
    t:pass("no error was raised")
  end,
}
