-- t:connect{} with a fixture the manifest lacks
return {
  id = "lua-errors/connect-unknown-fixture",
  run = function(t)
    t:connect{ cert = 'client/no-such-fixture' }
    t:pass("no error was raised")
  end,
}
