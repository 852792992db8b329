-- t:connect() with a number
return {
  id = "lua-errors/connect-not-a-table",
  run = function(t)
    t:connect(5)
    t:pass("no error was raised")
  end,
}
