-- args: --max-memory 16M
-- expect-error: memory limit reached
-- A memory bomb outside any pcall: the error names the limit, not just
-- Lua's "not enough memory".
local t = {}
while true do t[#t + 1] = string.rep("z", 8192) .. #t end
