-- args: --max-memory 16M
-- expect-error: memory limit reached
-- A memory bomb is stopped by the allocator's cap, even inside pcall.
local t = {}
for _ = 1, 3 do
  pcall(function()
    local i = 0
    while true do i = i + 1; t[#t + 1] = string.rep("x", 4096) .. i end
  end)
end
print("not reached")
