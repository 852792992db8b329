-- c:request{} with a header line that has no colon (after --header copies)
return {
  id = "lua-errors/request-bad-header",
  run = function(t)
    local c = t:connect{ cert = 'client/valid' }
    c:request{ headers = { 'no colon in this header' } }
    t:pass("no error was raised")
  end,
}
