-- args: --max-instructions 2e6
-- expect-error: instruction limit reached
-- An infinite loop is stopped, even inside pcall: the hook raises again on
-- the next tick.
for _ = 1, 10 do pcall(function() while true do end end) end
print("not reached")
